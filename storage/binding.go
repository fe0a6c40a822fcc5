package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// DeleteChatBinding deletes the binding of a chat (or topic) and returns
// it; found is false when the chat was not bound.
func (t *Tx) DeleteChatBinding(ctx context.Context, chatID int64, threadID int) (b workflow.Binding, found bool, err error) {
	b, err = scanBinding(t.tx.QueryRow(ctx, `
		DELETE FROM chat_bindings WHERE chat_id = $1 AND thread_id = $2
		RETURNING `+bindingColumns, chatID, threadID))
	if errors.Is(err, pgx.ErrNoRows) {
		return workflow.Binding{}, false, nil
	}
	if err != nil {
		return workflow.Binding{}, false, fmt.Errorf("storage: unable to unbind chat %d: %w", chatID, mapError(err))
	}
	return b, true, nil
}

// DeleteTargetBinding deletes the binding of a purpose (with its
// direction, "" for none), whichever chat holds it.
func (t *Tx) DeleteTargetBinding(ctx context.Context, purpose, direction string) error {
	_, err := t.tx.Exec(ctx, `
		DELETE FROM chat_bindings WHERE purpose = $1 AND coalesce(direction, '') = $2`, purpose, direction)
	if err != nil {
		return fmt.Errorf("storage: unable to unbind %s %s: %w", purpose, direction, mapError(err))
	}
	return nil
}

// InsertBinding stores a binding.
func (t *Tx) InsertBinding(ctx context.Context, b workflow.Binding) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO chat_bindings (chat_id, thread_id, purpose, direction, bound_by, bound_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		b.ChatID, b.ThreadID, b.Purpose, nullString(b.Direction), b.BoundBy, b.BoundAt)
	if err != nil {
		return fmt.Errorf("storage: unable to bind chat %d: %w", b.ChatID, mapError(err))
	}
	return nil
}

// TargetBindingExists reports whether some chat is bound to a purpose
// (with its direction, "" for none).
func (t *Tx) TargetBindingExists(ctx context.Context, purpose, direction string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM chat_bindings WHERE purpose = $1 AND coalesce(direction, '') = $2)`,
		purpose, direction).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("storage: unable to find the chat of %s %s: %w", purpose, direction, mapError(err))
	}
	return ok, nil
}

// ChatBindingExists reports whether a chat (or topic) is bound.
func (t *Tx) ChatBindingExists(ctx context.Context, chatID int64, threadID int) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM chat_bindings WHERE chat_id = $1 AND thread_id = $2)`,
		chatID, threadID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("storage: unable to find the binding of chat %d: %w", chatID, mapError(err))
	}
	return ok, nil
}

const bindingColumns = `chat_id, thread_id, purpose, coalesce(direction, ''), bound_by, bound_at`

func scanBinding(row pgx.Row) (workflow.Binding, error) {
	var b workflow.Binding
	err := row.Scan(&b.ChatID, &b.ThreadID, &b.Purpose, &b.Direction, &b.BoundBy, &b.BoundAt)
	return b, err
}

// FindBinding returns the binding of a chat (or topic), or a not-found
// error.
func (db *DB) FindBinding(ctx context.Context, chatID int64, threadID int) (workflow.Binding, error) {
	b, err := scanBinding(db.q(ctx).QueryRow(ctx, `SELECT `+bindingColumns+` FROM chat_bindings
		WHERE chat_id = $1 AND thread_id = $2`, chatID, threadID))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, workflow.Errorf(workflow.ENotFound, "chat %d topic %d is not bound", chatID, threadID)
	}
	if err != nil {
		return b, fmt.Errorf("storage: unable to find binding of chat %d: %w", chatID, err)
	}
	return b, nil
}

// FindBindings returns every binding: triage, head, then directions in
// their order.
func (db *DB) FindBindings(ctx context.Context) ([]workflow.Binding, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT b.chat_id, b.thread_id, b.purpose, coalesce(b.direction, ''), b.bound_by, b.bound_at
		FROM chat_bindings b LEFT JOIN directions d ON d.code = b.direction
		ORDER BY b.purpose = 'direction', b.purpose DESC, d.position, b.direction`)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find bindings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.Binding, error) { return scanBinding(row) })
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read bindings: %w", err)
	}
	return out, nil
}

// MigrateChat moves everything kept about a group to the supergroup it
// was upgraded to: bindings, cards, unsent outbox messages and dialogs.
// It reports whether the supergroup is bound: also when the dispatcher,
// told by Telegram on a send, moved the group first (and logged it).
func (db *DB) MigrateChat(ctx context.Context, from, to int64, act workflow.StaffAction) (bool, error) {
	var bound bool
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		moved, err := t.moveChat(ctx, from, to)
		if err != nil {
			return err
		}
		if moved {
			bound = true
			return t.RecordStaffAction(ctx, act)
		}
		err = t.tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM chat_bindings WHERE chat_id = $1)
			   AND EXISTS (SELECT 1 FROM staff_actions WHERE action = $2 AND chat_id = $1 AND details LIKE $3)`,
			to, workflow.ActionMigrate, fmt.Sprintf("from %d %%", from)).Scan(&bound)
		if err != nil {
			return fmt.Errorf("storage: unable to find bindings of chat %d: %w", to, err)
		}
		return nil
	})
	return bound, err
}

// moveChat moves a group's bindings, cards, unsent outbox messages and
// dialogs to the supergroup it was upgraded to, and wakes the dispatcher.
// It reports whether the group was bound.
func (t *Tx) moveChat(ctx context.Context, from, to int64) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE chat_bindings SET chat_id = $2 WHERE chat_id = $1`, from, to)
	if err != nil {
		return false, fmt.Errorf("storage: unable to move bindings of chat %d: %w", from, mapError(err))
	}
	bound := tag.RowsAffected() > 0
	for _, q := range []string{
		`UPDATE cards SET chat_id = $2 WHERE chat_id = $1`,
		`UPDATE incident_cards SET chat_id = $2 WHERE chat_id = $1`,
		`UPDATE outbox SET chat_id = $2 WHERE chat_id = $1 AND sent_at IS NULL AND failed_at IS NULL`,
		`UPDATE dialogs SET chat_id = $2 WHERE chat_id = $1`,
	} {
		if _, err := t.tx.Exec(ctx, q, from, to); err != nil {
			return false, fmt.Errorf("storage: unable to move chat %d to %d: %w", from, to, mapError(err))
		}
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, '')`, outboxChannel); err != nil {
		return false, fmt.Errorf("storage: unable to wake the dispatcher: %w", err)
	}
	return bound, nil
}
