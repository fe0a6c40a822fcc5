package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
)

// replyPriority is the outbox priority of a reply: somebody is waiting
// for it (see migration 00013).
const replyPriority = 0

// EnqueueReply writes a handler's reply in one chat to the outbox, ahead
// of the bulk: with the context of an update (HandleUpdate), in the
// update's transaction, so it is sent exactly when the update's effects
// commit.
func (db *DB) EnqueueReply(ctx context.Context, chatID int64, threadID int, r outbox.Reply) error {
	if len(r.Calls) == 0 {
		return nil
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("storage: unable to encode a reply: %w", err)
	}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO outbox (chat_id, thread_id, kind, payload, priority) VALUES ($1, $2, $3, $4, $5)`,
		chatID, threadID, outbox.KindReply, payload, replyPriority)
	batch.Queue(`SELECT pg_notify($1, '')`, outboxChannel)
	if err := db.q(ctx).SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("storage: unable to enqueue a reply to chat %d: %w", chatID, mapError(err))
	}
	return nil
}

// decodeReply reads a reply's payload.
func decodeReply(payload []byte) (*outbox.Reply, error) {
	var r outbox.Reply
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, fmt.Errorf("decode reply: %w", err)
	}
	return &r, nil
}
