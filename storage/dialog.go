package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/tgstate"
	"mcu/workflow"
)

// FindDialog returns the dialog of a user in a chat, or a not-found error.
func (db *DB) FindDialog(ctx context.Context, userID, chatID int64) (*tgstate.Dialog, error) {
	d := &tgstate.Dialog{UserID: userID, ChatID: chatID}
	err := db.pool.QueryRow(ctx, `
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

// SaveDialog creates or replaces the dialog of a user in a chat.
func (db *DB) SaveDialog(ctx context.Context, d *tgstate.Dialog) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error { return t.SaveDialog(ctx, d) })
}

// SaveDialog creates or replaces the dialog inside the transaction.
func (t *Tx) SaveDialog(ctx context.Context, d *tgstate.Dialog) error {
	data := d.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO dialogs (user_id, chat_id, kind, state, data, updated_at) VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (user_id, chat_id) DO UPDATE SET kind = $3, state = $4, data = $5, updated_at = now()`,
		d.UserID, d.ChatID, d.Kind, d.State, data)
	if err != nil {
		return fmt.Errorf("storage: unable to save dialog: %w", mapError(err))
	}
	return nil
}

// DeleteDialog ends the dialog of a user in a chat; ending none is fine.
func (db *DB) DeleteDialog(ctx context.Context, userID, chatID int64) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error { return t.DeleteDialog(ctx, userID, chatID) })
}

// DeleteDialog ends the dialog inside the transaction.
func (t *Tx) DeleteDialog(ctx context.Context, userID, chatID int64) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM dialogs WHERE user_id = $1 AND chat_id = $2`, userID, chatID); err != nil {
		return fmt.Errorf("storage: unable to delete dialog: %w", err)
	}
	return nil
}
