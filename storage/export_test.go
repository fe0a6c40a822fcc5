package storage

import (
	"context"
	"fmt"
)

// PendingOutbox counts messages waiting to be sent to a known chat (not
// yet sent nor given up).
func (db *DB) PendingOutbox(ctx context.Context) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to count outbox: %w", err)
	}
	return n, nil
}
