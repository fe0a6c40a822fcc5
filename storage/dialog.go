package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/tgstate"
	"mcu/workflow"
)

// FindDialog returns the dialog of a user in a chat, or a not-found error.
func (db *DB) FindDialog(ctx context.Context, userID, chatID int64) (*tgstate.Dialog, error) {
	d := &tgstate.Dialog{UserID: userID, ChatID: chatID}
	err := db.q(ctx).QueryRow(ctx, `
		SELECT kind, state, data, updated_at FROM dialogs WHERE user_id = $1 AND chat_id = $2`,
		userID, chatID).Scan(&d.Kind, &d.State, &d.Data, &d.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENotFound, "no dialog of %d in %d", userID, chatID)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find dialog: %w", err)
	}
	return d, nil
}

// SaveDialog creates or replaces the dialog of a user in a chat: one
// statement, so in the transaction of an update it needs no savepoint (a
// failure fails the update).
func (db *DB) SaveDialog(ctx context.Context, d *tgstate.Dialog) error {
	return saveDialog(ctx, db.q(ctx), d)
}

// SaveDialog creates or replaces the dialog inside the transaction.
func (t *Tx) SaveDialog(ctx context.Context, d *tgstate.Dialog) error {
	return saveDialog(ctx, t.tx, d)
}

func saveDialog(ctx context.Context, q querier, d *tgstate.Dialog) error {
	data := d.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	_, err := q.Exec(ctx, `
		INSERT INTO dialogs (user_id, chat_id, kind, state, data, updated_at) VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (user_id, chat_id) DO UPDATE SET kind = $3, state = $4, data = $5, updated_at = now()`,
		d.UserID, d.ChatID, d.Kind, d.State, data)
	if err != nil {
		return fmt.Errorf("storage: unable to save dialog: %w", mapError(err))
	}
	return nil
}

// DeleteDialog ends the dialog of a user in a chat; ending none is fine.
// One statement, as SaveDialog.
func (db *DB) DeleteDialog(ctx context.Context, userID, chatID int64) error {
	return deleteDialog(ctx, db.q(ctx), userID, chatID)
}

// DeleteDialog ends the dialog inside the transaction.
func (t *Tx) DeleteDialog(ctx context.Context, userID, chatID int64) error {
	return deleteDialog(ctx, t.tx, userID, chatID)
}

func deleteDialog(ctx context.Context, q querier, userID, chatID int64) error {
	if _, err := q.Exec(ctx, `DELETE FROM dialogs WHERE user_id = $1 AND chat_id = $2`, userID, chatID); err != nil {
		return fmt.Errorf("storage: unable to delete dialog: %w", err)
	}
	return nil
}

// StartDialog runs fn and then saves the dialog next (creating or
// replacing the user's dialog in its chat) in one transaction: a dialog
// opened by a change of the workflow exists exactly when the change does.
func (db *DB) StartDialog(ctx context.Context, next *tgstate.Dialog, fn func(ctx context.Context, tx workflow.Tx) error) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		if err := fn(ctx, t); err != nil {
			return err
		}
		return t.SaveDialog(ctx, next)
	})
}

// FinishDialog ends a dialog in the same transaction as fn: it locks the
// dialog of d.UserID in d.ChatID and checks it is still the one the
// caller read (kind, state and time of the last change), runs fn, and
// replaces the dialog with next (deletes it when next is nil). A dialog
// that changed or ended meanwhile fails with a conflict and fn does not
// run, so pressing «Отправить» twice submits once.
func (db *DB) FinishDialog(ctx context.Context, d, next *tgstate.Dialog, fn func(ctx context.Context, tx workflow.Tx) error) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		var kind, state string
		var updated time.Time
		err := t.tx.QueryRow(ctx, `
			SELECT kind, state, updated_at FROM dialogs WHERE user_id = $1 AND chat_id = $2 FOR UPDATE`,
			d.UserID, d.ChatID).Scan(&kind, &state, &updated)
		if errors.Is(err, pgx.ErrNoRows) {
			return workflow.Errorf(workflow.EConflict, "dialog of %d in %d has ended", d.UserID, d.ChatID)
		}
		if err != nil {
			return fmt.Errorf("storage: unable to lock dialog: %w", err)
		}
		if kind != d.Kind || state != d.State || !updated.Equal(d.UpdatedAt) {
			return workflow.Errorf(workflow.EConflict, "dialog of %d in %d has changed", d.UserID, d.ChatID)
		}
		if fn != nil {
			if err := fn(ctx, t); err != nil {
				return err
			}
		}
		if next != nil {
			return t.SaveDialog(ctx, next)
		}
		return t.DeleteDialog(ctx, d.UserID, d.ChatID)
	})
}
