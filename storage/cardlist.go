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

// maxListed is the most new cards one list message takes (its buttons and
// its 4096 characters).
const maxListed = 30

// loadWaiting loads, for a group's new card m, the chat's backlog (the
// Telegram messages its queue holds: a row each, and a new card's photos)
// and the new cards waiting in its queue, m's first (see migration 00014).
// The rows behind m are not claimed by anyone else while m is: only the
// head of a chat's queue can be.
func (t *Tx) loadWaiting(ctx context.Context, m *outbox.Message) error {
	err := t.tx.QueryRow(ctx, `
		SELECT count(*) + coalesce(sum(x.n), 0) FROM outbox o
		LEFT JOIN LATERAL (
			SELECT count(*) AS n FROM appeal_attachments f
			WHERE o.kind = 'card' AND f.appeal_id = o.appeal_id AND f.purpose = $2
			  AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.appeal_id = o.appeal_id AND c.chat_id = o.chat_id)
		) x ON true
		WHERE o.chat_id = $1 AND o.sent_at IS NULL AND o.failed_at IS NULL`,
		m.ChatID, workflow.PurposeAppeal).Scan(&m.Backlog)
	if err != nil {
		return fmt.Errorf("storage: unable to measure the queue of chat %d: %w", m.ChatID, err)
	}
	rows, err := t.tx.Query(ctx, `
		SELECT o.id, o.appeal_id FROM outbox o
		WHERE o.chat_id = $1 AND o.kind = 'card' AND o.appeal_id IS NOT NULL
		  AND o.sent_at IS NULL AND o.failed_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.appeal_id = o.appeal_id AND c.chat_id = o.chat_id)
		ORDER BY o.id LIMIT $2`, m.ChatID, 4*maxListed)
	if err != nil {
		return fmt.Errorf("storage: unable to find the new cards of chat %d: %w", m.ChatID, err)
	}
	type row struct{ id, appealID int64 }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.appealID)
	})
	if err != nil {
		return fmt.Errorf("storage: unable to read the new cards of chat %d: %w", m.ChatID, err)
	}
	appeals := map[int64]*workflow.Appeal{m.Appeal.ID: m.Appeal}
	for _, r := range list {
		if _, ok := appeals[r.appealID]; ok || len(appeals) >= maxListed {
			continue
		}
		a, err := scanAppeal(t.tx.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.id = $1`, r.appealID))
		if err != nil {
			return fmt.Errorf("storage: unable to load appeal %d: %w", r.appealID, err)
		}
		appeals[r.appealID] = a
	}
	m.Waiting = append(m.Waiting, outbox.Waiting{OutboxID: m.ID, Appeal: m.Appeal})
	// An appeal changed again before its first card went (joined to an
	// incident, say) has several rows waiting: it is listed once, by its
	// first; the others find it listed and are done.
	listed := map[int64]bool{m.Appeal.ID: true}
	for _, r := range list {
		if a, ok := appeals[r.appealID]; ok && r.id != m.ID && !listed[r.appealID] {
			listed[r.appealID] = true
			m.Waiting = append(m.Waiting, outbox.Waiting{OutboxID: r.id, Appeal: a})
		}
	}
	return nil
}

// recordList records a list message that took the place of new cards:
// the rows merged into it are done (the claimed one is recorded by
// finishOutbox), and their appeals are listed in it.
func (t *Tx) recordList(ctx context.Context, m outbox.Message, l *outbox.Listed) error {
	_, err := t.tx.Exec(ctx, `
		UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = $3
		WHERE id = ANY($1) AND id <> $2 AND sent_at IS NULL`,
		l.OutboxIDs, m.ID, fmt.Sprintf("listed in message %d", l.MessageID))
	if err != nil {
		return fmt.Errorf("storage: unable to record the rows listed in chat %d: %w", m.ChatID, err)
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO cards (appeal_id, chat_id, thread_id, message_id, media_ids, listed_in)
		SELECT id, $2, $3, 0, '{}', $4 FROM unnest($1::bigint[]) AS id
		ON CONFLICT (appeal_id, chat_id) DO UPDATE SET listed_in = $4, updated_at = now()`,
		l.AppealIDs, m.ChatID, m.ThreadID, l.MessageID)
	if err != nil {
		return fmt.Errorf("storage: unable to record the appeals listed in chat %d: %w", m.ChatID, err)
	}
	return nil
}

// PostListedCard asks for the card of an appeal listed in a chat (see
// migration 00014): the appeal is no longer listed there, and its card
// goes to the chat (with its photos) ahead of the bulk, since somebody
// pressed for it. It reports false when the appeal is not listed in the
// chat (its card is there already, or the button is not of this chat).
func (db *DB) PostListedCard(ctx context.Context, appealID, chatID int64) (bool, error) {
	var thread int
	var direction string
	err := db.q(ctx).QueryRow(ctx, `
		UPDATE cards c SET listed_in = 0, updated_at = now()
		FROM appeals a
		WHERE c.appeal_id = $1 AND c.chat_id = $2 AND c.listed_in <> 0 AND c.message_id = 0 AND a.id = c.appeal_id
		RETURNING c.thread_id, coalesce(a.direction, '')`, appealID, chatID).Scan(&thread, &direction)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("storage: unable to unlist appeal %d in chat %d: %w", appealID, chatID, err)
	}
	payload, err := json.Marshal(workflow.Notification{AppealID: appealID, Audience: workflow.AudienceCard, Direction: direction})
	if err != nil {
		return false, fmt.Errorf("storage: unable to encode a notification: %w", err)
	}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO outbox (appeal_id, chat_id, thread_id, kind, payload, priority) VALUES ($1, $2, $3, $4, $5, $6)`,
		appealID, chatID, thread, workflow.AudienceCard, payload, replyPriority)
	after := db.wakeDispatcher(ctx, batch)
	if err := db.q(ctx).SendBatch(ctx, batch).Close(); err != nil {
		return false, fmt.Errorf("storage: unable to enqueue the card of appeal %d: %w", appealID, mapError(err))
	}
	after()
	return true, nil
}
