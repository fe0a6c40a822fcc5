package loadtest

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Commits returns the transactions committed in the database of dbURL so
// far, as pg_stat_database counts them (connecting to that database).
// PostgreSQL 15 flushes a backend's counts at least once a second while
// busy and within 10 s of going idle: read again after such a pause for
// an exact figure.
func Commits(ctx context.Context, dbURL string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("commits: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		return 0, fmt.Errorf("commits: %w", err)
	}
	var n int64
	err = conn.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("commits: %w", err)
	}
	return n, nil
}
