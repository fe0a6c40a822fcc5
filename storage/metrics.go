package storage

import (
	"context"
	"fmt"
	"time"
)

// OutboxQueue reads the outbox queue, in one scan of the pending index:
// how many messages for a chat are neither sent nor given up, when the
// oldest of them was queued (zero when none is), and how many wait for a
// chat to be bound to their purpose (a direction with no chat yet; not
// counted in depth).
func (db *DB) OutboxQueue(ctx context.Context) (depth int, oldest time.Time, unbound int, err error) {
	var first *time.Time
	err = db.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE chat_id IS NOT NULL),
		       min(created_at) FILTER (WHERE chat_id IS NOT NULL),
		       count(*) FILTER (WHERE chat_id IS NULL)
		FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&depth, &first, &unbound)
	if err != nil {
		return 0, time.Time{}, 0, fmt.Errorf("storage: unable to read the outbox queue: %w", err)
	}
	return depth, deref(first), unbound, nil
}

// CountAppeals calls fn with the number of appeals in each state and
// direction ("" for none: in triage) that has any.
func (db *DB) CountAppeals(ctx context.Context, fn func(state, direction string, n int)) error {
	return db.countBy(ctx, `SELECT state, coalesce(direction, ''), count(*) FROM appeals GROUP BY 1, 2`, fn)
}

// CountJobRuns calls fn with the number of runs of each scheduled job
// with each outcome (job_runs: running, retrying, succeeded, failed,
// skipped).
func (db *DB) CountJobRuns(ctx context.Context, fn func(job, outcome string, n int)) error {
	return db.countBy(ctx, `SELECT job, outcome, count(*) FROM job_runs GROUP BY 1, 2`, fn)
}

// countBy runs a query of two text columns and a count, calling fn per row.
func (db *DB) countBy(ctx context.Context, query string, fn func(a, b string, n int)) error {
	rows, err := db.pool.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("storage: unable to count: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		var n int
		if err := rows.Scan(&a, &b, &n); err != nil {
			return fmt.Errorf("storage: unable to count: %w", err)
		}
		fn(a, b, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: unable to count: %w", err)
	}
	return nil
}
