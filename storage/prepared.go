package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
	"mcu/workflow"
)

// EnqueuePrepared writes a prepared message to the outbox for to: its
// chat, or the chat bound to its purpose (a not-found error when none is).
// It returns the outbox id.
func (t *Tx) EnqueuePrepared(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error) {
	chatID, threadID := to.ChatID, 0
	if chatID == 0 {
		err := t.tx.QueryRow(ctx, `
			SELECT chat_id, thread_id FROM chat_bindings WHERE purpose = $1 AND coalesce(direction, '') = $2`,
			to.Purpose, to.Direction).Scan(&chatID, &threadID)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, workflow.Errorf(workflow.ENotFound, "no chat is bound to %s %s", to.Purpose, to.Direction)
		}
		if err != nil {
			return 0, fmt.Errorf("storage: unable to find the chat of %s: %w", to.Purpose, err)
		}
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to encode a prepared message: %w", err)
	}
	var file []byte
	if p.File != nil {
		file = p.File.Data
	}
	var id int64
	err = t.tx.QueryRow(ctx, `
		INSERT INTO outbox (chat_id, thread_id, kind, payload, file) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		chatID, threadID, outbox.KindPrepared, payload, file).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to enqueue a prepared message: %w", mapError(err))
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, '')`, outboxChannel); err != nil {
		return 0, fmt.Errorf("storage: unable to wake the dispatcher: %w", err)
	}
	return id, nil
}

// EnqueuePrepared writes a prepared message to the outbox in a
// transaction of its own (see Tx.EnqueuePrepared).
func (db *DB) EnqueuePrepared(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error) {
	var id int64
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		var err error
		id, err = t.EnqueuePrepared(ctx, to, p)
		return err
	})
	return id, err
}

// OutboxDelivery is what became of one outbox message so far.
type OutboxDelivery struct {
	Sent, Failed bool
	Attempts     int
	LastError    string
}

// FindOutboxDelivery tells whether an outbox message was sent or given
// up, and its last error.
func (db *DB) FindOutboxDelivery(ctx context.Context, id int64) (OutboxDelivery, error) {
	var d OutboxDelivery
	err := db.q(ctx).QueryRow(ctx, `
		SELECT sent_at IS NOT NULL, failed_at IS NOT NULL, attempts, last_error FROM outbox WHERE id = $1`, id).
		Scan(&d.Sent, &d.Failed, &d.Attempts, &d.LastError)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, workflow.Errorf(workflow.ENotFound, "outbox message %d not found", id)
	}
	if err != nil {
		return d, fmt.Errorf("storage: unable to find outbox message %d: %w", id, err)
	}
	return d, nil
}

// decodePrepared reads a prepared message's payload and file.
func decodePrepared(payload, file []byte) (*outbox.Prepared, error) {
	var p outbox.Prepared
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("decode prepared message: %w", err)
	}
	if p.File != nil {
		p.File.Data = file
	}
	return &p, nil
}
