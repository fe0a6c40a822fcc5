package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"mcu/tgstate"
	"time"

	"github.com/jackc/pgx/v5"
)

// SaveInbox stores received updates (update id and raw JSON) before they
// are confirmed to Telegram, so that a crash or a failed handler cannot
// lose them. Updates already stored or processed are skipped. Each is due
// for another attempt after grace, the time its first handling may take.
func (db *DB) SaveInbox(ctx context.Context, updates []tgstate.InboxUpdate, grace time.Duration) error {
	if len(updates) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, u := range updates {
		batch.Queue(`
			INSERT INTO inbox (update_id, payload, next_attempt_at)
			SELECT $1, $2, now() + make_interval(secs => $3)
			WHERE NOT EXISTS (SELECT 1 FROM processed_updates WHERE update_id = $1)
			ON CONFLICT (update_id) DO NOTHING`, u.ID, json.RawMessage(u.Payload), grace.Seconds())
	}
	if err := db.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("storage: unable to save %d updates to the inbox: %w", len(updates), err)
	}
	return nil
}

// ClaimInbox returns up to limit updates due for another attempt, oldest
// first, and pushes each one's next attempt back by backoff(attempts), so
// that it is not claimed again while it is being handled. Updates tried
// maxAttempts times are left alone.
func (db *DB) ClaimInbox(ctx context.Context, limit, maxAttempts int, backoff func(attempts int) time.Duration) ([]tgstate.InboxUpdate, error) {
	var out []tgstate.InboxUpdate
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		rows, err := t.tx.Query(ctx, `
			SELECT update_id, payload, attempts FROM inbox
			WHERE next_attempt_at <= now() AND attempts < $2
			ORDER BY update_id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit, maxAttempts)
		if err != nil {
			return fmt.Errorf("storage: unable to claim inbox: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (tgstate.InboxUpdate, error) {
			var u tgstate.InboxUpdate
			err := row.Scan(&u.ID, &u.Payload, &u.Attempts)
			return u, err
		})
		if err != nil {
			return fmt.Errorf("storage: unable to read inbox: %w", err)
		}
		for _, u := range out {
			_, err := t.tx.Exec(ctx, `
				UPDATE inbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
				WHERE update_id = $1`, u.ID, backoff(u.Attempts+1).Seconds())
			if err != nil {
				return fmt.Errorf("storage: unable to claim update %d: %w", u.ID, err)
			}
		}
		return nil
	})
	return out, err
}

// FailInbox records why handling an update failed; it is tried again when
// its next attempt is due.
func (db *DB) FailInbox(ctx context.Context, updateID int64, reason string) error {
	_, err := db.pool.Exec(ctx, `UPDATE inbox SET last_error = $2 WHERE update_id = $1`, updateID, reason)
	if err != nil {
		return fmt.Errorf("storage: unable to record failure of update %d: %w", updateID, err)
	}
	return nil
}

// DueInboxNow makes every stored update due at once: at start, what a
// crash left unhandled is handled before anything new.
func (db *DB) DueInboxNow(ctx context.Context) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE inbox SET next_attempt_at = now() WHERE next_attempt_at > now()`)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to make inbox due: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// rejectedKeep is how long a rejected update is kept for inspection.
const rejectedKeep = 30 * 24 * time.Hour

// SaveRejected keeps an update that could not be decoded, for
// inspection, and deletes those kept longer than 30 days (their bodies
// may hold personal data).
func (db *DB) SaveRejected(ctx context.Context, r tgstate.RejectedUpdate) error {
	var updateID *int64
	if r.UpdateID != 0 {
		updateID = &r.UpdateID
	}
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	_, err := db.pool.Exec(ctx, `
		WITH purged AS (
			DELETE FROM rejected_updates WHERE received_at < now() - make_interval(secs => $5)
		)
		INSERT INTO rejected_updates (update_id, size, body, reason) VALUES ($1, $2, $3, $4)`,
		updateID, r.Size, body, r.Reason, rejectedKeep.Seconds())
	if err != nil {
		return fmt.Errorf("storage: unable to keep a rejected update: %w", err)
	}
	return nil
}
