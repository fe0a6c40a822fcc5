package storage

import (
	"context"
	"fmt"
	"time"

	"mcu/workflow"
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

// OpenAppealsSQL is the predicate of open appeals in the digest's
// queries.
const OpenAppealsSQL = openAppeals

// DigestQuery is one of the digest's queries with its arguments for a
// window, for EXPLAIN.
type DigestQuery struct {
	Name string
	SQL  string
	Args []any
}

// DigestQueries returns the digest's queries with their arguments for w.
func DigestQueries(w workflow.DigestWindow) []DigestQuery {
	out := make([]DigestQuery, len(digestQueries))
	for i, q := range digestQueries {
		out[i] = DigestQuery{Name: q.name, SQL: q.sql, Args: q.args(w)}
	}
	return out
}

// SimilarQuery is FindSimilar's query, for EXPLAIN.
var SimilarQuery = similarQuery

// ForgetResidentInTx is ForgetResident in a transaction of the caller's.
func (t *Tx) ForgetResidentInTx(ctx context.Context, residentID int64, now time.Time) (int, error) {
	return t.forgetResident(ctx, residentID, now)
}

// ExecInTx runs a statement in the transaction.
func (t *Tx) ExecInTx(ctx context.Context, sql string, args ...any) error {
	_, err := t.tx.Exec(ctx, sql, args...)
	return err
}
