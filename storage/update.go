package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mcu/tgstate"
	"mcu/workflow"
)

type updateKey struct{}

// updateTx is the transaction of the Telegram update being handled.
type updateTx struct {
	id int64
	tx pgx.Tx
	// woke: the update enqueued messages for a dispatcher of this
	// process, woken after the commit.
	woke bool
}

// HandleUpdate handles the Telegram update id in one transaction: the
// update is recorded as processed (and leaves the inbox) first, fn then
// reads and writes through the context it is given — every method of db
// called with that context joins the transaction, and InTx becomes a
// savepoint in it — and the transaction commits when fn returns nil, or
// rolls back, the update unrecorded, when it returns an error. So an
// update's effects, the record of it and the replies it enqueues commit
// together, in one commit, or not at all. An update processed before
// fails with a conflict, and fn is not called.
func (db *DB) HandleUpdate(ctx context.Context, id int64, fn func(ctx context.Context) error) (err error) {
	if updateFrom(ctx) != nil {
		return fmt.Errorf("storage: update %d handled inside update %d", id, updateFrom(ctx).id)
	}
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("storage: unable to begin the transaction of update %d: %w", id, mapError(err))
	}
	defer db.rollbackOnError(ctx, ptx, &err)
	u := &updateTx{id: id, tx: ptx}
	t := &Tx{tx: ptx, similarWindow: db.similarWindow, db: db, woke: &u.woke}
	if err := t.recordUpdate(ctx, id); err != nil {
		return err
	}
	if err := fn(context.WithValue(ctx, updateKey{}, u)); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("storage: unable to commit update %d: %w", id, mapError(err))
	}
	if u.woke {
		db.listeners.wake()
	}
	return nil
}

func updateFrom(ctx context.Context) *updateTx {
	u, _ := ctx.Value(updateKey{}).(*updateTx)
	return u
}

// querier is what runs a statement: the pool, or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// q returns what a method called with ctx runs its statements on: the
// transaction of the update being handled (see HandleUpdate), so that it
// sees what the handler wrote so far, or else the pool.
func (db *DB) q(ctx context.Context) querier {
	if u := updateFrom(ctx); u != nil {
		return u.tx
	}
	return db.pool
}

// duplicateUpdate is the error of an update processed before: a
// conflict, and tgstate.ErrProcessed.
func duplicateUpdate(id int64) error {
	return fmt.Errorf("%w: %w", workflow.Errorf(workflow.EConflict, "update %d", id), tgstate.ErrProcessed)
}

func (t *Tx) recordUpdate(ctx context.Context, id int64) error {
	// Handled: the raw update leaves the inbox with its effects; one
	// round trip for both.
	var recorded int
	err := t.tx.QueryRow(ctx, `
		WITH rec AS (
			INSERT INTO processed_updates (update_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING update_id
		), gone AS (
			DELETE FROM inbox WHERE update_id IN (SELECT update_id FROM rec)
		)
		SELECT count(*) FROM rec`, id).Scan(&recorded)
	if err != nil {
		return fmt.Errorf("storage: unable to record update %d: %w", id, mapError(err))
	}
	if recorded == 0 {
		return duplicateUpdate(id)
	}
	return nil
}
