package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
)

// replyPriority is the outbox priority of a reply: somebody is waiting
// for it (see migration 00013).
const replyPriority = 0

// EnqueueReply writes a handler's reply in one chat to the outbox, ahead
// of the bulk, and returns its outbox id: with the context of an update
// (HandleUpdate), in the update's transaction, so it is sent exactly when
// the update's effects commit.
func (db *DB) EnqueueReply(ctx context.Context, chatID int64, threadID int, r outbox.Reply) (int64, error) {
	if len(r.Calls) == 0 {
		return 0, nil
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to encode a reply: %w", err)
	}
	var id int64
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO outbox (chat_id, thread_id, kind, payload, priority) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		chatID, threadID, outbox.KindReply, payload, replyPriority).QueryRow(func(row pgx.Row) error { return row.Scan(&id) })
	after := db.wakeDispatcher(ctx, batch)
	if err := db.q(ctx).SendBatch(ctx, batch).Close(); err != nil {
		return 0, fmt.Errorf("storage: unable to enqueue a reply to chat %d: %w", chatID, mapError(err))
	}
	after()
	return id, nil
}

// SentMessageIDs returns the Telegram messages an outbox row has sent so
// far (none while it waits): how a handler knows its earlier prompt when
// somebody replies to it. A row being sent right now (leased, see
// ClaimOutbox) is waited for, up to sentWait, so that a press on a
// message Telegram has just shown is not taken for a press on some other
// message.
func (db *DB) SentMessageIDs(ctx context.Context, outboxID int64) ([]int, error) {
	var raw []byte
	for waited := time.Duration(0); ; waited += sentPoll {
		var inFlight bool
		err := db.q(ctx).QueryRow(ctx, `
			SELECT parts, coalesce(claimed_until > now() AND sent_at IS NULL AND failed_at IS NULL, false)
			FROM outbox WHERE id = $1`, outboxID).Scan(&raw, &inFlight)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("storage: unable to read outbox message %d: %w", outboxID, err)
		}
		if !inFlight || waited >= sentWait {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("storage: waiting for outbox message %d: %w", outboxID, ctx.Err())
		case <-time.After(sentPoll):
		}
	}
	var parts map[string]outbox.Part
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("storage: unable to decode the parts of outbox message %d: %w", outboxID, err)
	}
	var ids []int
	for _, p := range parts {
		ids = append(ids, p.IDs...)
	}
	return ids, nil
}

// sentWait is how long SentMessageIDs waits for a row being sent, and
// sentPoll how often it looks.
const (
	sentWait = 5 * time.Second
	sentPoll = 20 * time.Millisecond
)

// decodeReply reads a reply's payload.
func decodeReply(payload []byte) (*outbox.Reply, error) {
	var r outbox.Reply
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, fmt.Errorf("decode reply: %w", err)
	}
	return &r, nil
}
