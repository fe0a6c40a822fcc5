package storage

import (
	"context"
	"fmt"

	"mcu/workflow"
)

type updateKey struct{}

// updateMark is the Telegram update being processed.
type updateMark struct {
	id       int64
	recorded bool
}

// WithUpdate returns a context in which the first committed transaction
// records the Telegram update id, so that the update's effects and the
// record of it commit together. A second delivery of the same update makes
// that transaction fail with a conflict.
func WithUpdate(ctx context.Context, updateID int64) context.Context {
	return context.WithValue(ctx, updateKey{}, &updateMark{id: updateID})
}

// WithUpdate is the function WithUpdate as a method, for callers that
// know the database through an interface.
func (db *DB) WithUpdate(ctx context.Context, updateID int64) context.Context {
	return WithUpdate(ctx, updateID)
}

func updateFrom(ctx context.Context) *updateMark {
	m, _ := ctx.Value(updateKey{}).(*updateMark)
	return m
}

// UpdateRecorded is the function UpdateRecorded as a method.
func (db *DB) UpdateRecorded(ctx context.Context) bool { return UpdateRecorded(ctx) }

// UpdateRecorded reports whether the update of ctx has been recorded by a
// committed transaction (or ctx carries no update).
func UpdateRecorded(ctx context.Context) bool {
	m := updateFrom(ctx)
	return m == nil || m.recorded
}

// duplicateUpdate is the error of an update processed before: a conflict.
func duplicateUpdate(id int64) error {
	return workflow.Errorf(workflow.EConflict, "update %d already processed", id)
}

func (t *Tx) recordUpdate(ctx context.Context, id int64) error {
	tag, err := t.tx.Exec(ctx,
		`INSERT INTO processed_updates (update_id) VALUES ($1) ON CONFLICT DO NOTHING`, id)
	if err != nil {
		return fmt.Errorf("storage: unable to record update %d: %w", id, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return duplicateUpdate(id)
	}
	// Handled: the raw update leaves the inbox with its effects.
	if _, err := t.tx.Exec(ctx, `DELETE FROM inbox WHERE update_id = $1`, id); err != nil {
		return fmt.Errorf("storage: unable to clear update %d from the inbox: %w", id, err)
	}
	return nil
}

// UpdateProcessed reports whether the update was processed before.
func (db *DB) UpdateProcessed(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM processed_updates WHERE update_id = $1)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("storage: unable to check update %d: %w", id, err)
	}
	return ok, nil
}

// MarkUpdate records the update of ctx if no transaction has yet, for
// updates whose handling wrote nothing else. It fails with a conflict when
// the update was processed before.
func (db *DB) MarkUpdate(ctx context.Context) error {
	if UpdateRecorded(ctx) {
		return nil
	}
	return db.InTxStore(ctx, func(context.Context, *Tx) error { return nil })
}
