package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
	"mcu/workflow"
)

// The reads and writes of deadline control (package control): the appeals
// it watches, the curators it escalates to, and the records of what it
// sent (deadline_alerts, staff_summaries), each written in the
// transaction that enqueues its messages.

// PreparedEnqueuer writes a prepared message to the outbox inside the
// transaction of SendAlert or SendSummary (see Tx.EnqueuePrepared).
type PreparedEnqueuer = func(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error)

// FindOpenAppeals returns the registered appeals that still wait for an
// answer (an open state other than received), soonest deadline first,
// without their attachments.
func (db *DB) FindOpenAppeals(ctx context.Context) ([]*workflow.Appeal, error) {
	var open []string
	for _, s := range workflow.OpenStates() {
		if s != workflow.StateReceived {
			open = append(open, string(s))
		}
	}
	return db.findAppeals(ctx, `a.state = ANY($1) AND a.due_at IS NOT NULL ORDER BY a.due_at, a.id`, open)
}

// FindUnratedAnswers returns the answered appeals with no rating whose
// answer came at or before before, oldest answer first, without their
// attachments.
func (db *DB) FindUnratedAnswers(ctx context.Context, before time.Time) ([]*workflow.Appeal, error) {
	return db.findAppeals(ctx, `a.state = $1 AND a.rating IS NULL AND a.answered_at <= $2
		ORDER BY a.answered_at, a.id`, workflow.StateAnswered, before)
}

// findAppeals returns the appeals matching where (which may end with an
// ORDER BY), without attachments.
func (db *DB) findAppeals(ctx context.Context, where string, args ...any) ([]*workflow.Appeal, error) {
	rows, err := db.q(ctx).Query(ctx, `SELECT `+appealColumns+appealFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find appeals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*workflow.Appeal, error) { return scanAppeal(row) })
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read appeals: %w", err)
	}
	return out, nil
}

// FindResidentChat returns the private chat of a resident who can be
// written to; 0 when the resident has no chat or blocked the bot.
func (db *DB) FindResidentChat(ctx context.Context, residentID int64) (int64, error) {
	var chatID int64
	err := db.q(ctx).QueryRow(ctx, `
		SELECT coalesce(max(chat_id), 0) FROM residents WHERE id = $1 AND blocked_at IS NULL`, residentID).Scan(&chatID)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to find the chat of resident %d: %w", residentID, err)
	}
	return chatID, nil
}

// FindCurators returns the Telegram ids of a direction's curators, in
// order.
func (db *DB) FindCurators(ctx context.Context, direction string) ([]int64, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT user_id FROM staff_roles WHERE role = $1 AND direction = $2 ORDER BY user_id`,
		workflow.RoleCurator, direction)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find the curators of %q: %w", direction, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read the curators of %q: %w", direction, err)
	}
	return out, nil
}

// SendAlert records that an alert about an appeal (its threshold and the
// due date it was computed for) was sent at at and, when it was not
// recorded before, calls send in the same transaction with an enqueuer
// of prepared messages there. It reports whether the alert was new. When
// send fails, nothing is recorded and nothing enqueued; of two runs at
// once, the second waits for the first and finds the alert recorded.
func (db *DB) SendAlert(ctx context.Context, appealID int64, threshold string, dueAt, at time.Time,
	send func(ctx context.Context, enqueue PreparedEnqueuer) error) (bool, error) {
	return db.sendOnce(ctx, `
		INSERT INTO deadline_alerts (appeal_id, threshold, due_at, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, []any{appealID, threshold, dueAt, at}, send)
}

// SendSummary records the morning summary of a direction for a slot,
// with the number of appeals it lists (0 when there is nothing to
// report), and, when it was not recorded before, calls send in the same
// transaction (see SendAlert). It reports whether the summary was new.
func (db *DB) SendSummary(ctx context.Context, slot time.Time, direction string, items int, at time.Time,
	send func(ctx context.Context, enqueue PreparedEnqueuer) error) (bool, error) {
	return db.sendOnce(ctx, `
		INSERT INTO staff_summaries (slot, direction, items, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, []any{slot, direction, items, at}, send)
}

// sendOnce runs insert (an INSERT … ON CONFLICT DO NOTHING) and, when it
// inserted a row, send, in one transaction.
func (db *DB) sendOnce(ctx context.Context, insert string, args []any,
	send func(ctx context.Context, enqueue PreparedEnqueuer) error) (bool, error) {
	inserted := false
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		tag, err := t.tx.Exec(ctx, insert, args...)
		if err != nil {
			return fmt.Errorf("storage: unable to record what was sent: %w", mapError(err))
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		inserted = true
		return send(ctx, t.EnqueuePrepared)
	})
	if err != nil {
		return false, err
	}
	return inserted, nil
}

// RepostCard forgets the card of an appeal in a chat (its message; the
// photos sent with it stay) and enqueues the card for the chat bound to
// direction ("" for triage), which is that chat: the dispatcher then
// sends a new card at the bottom of the chat, replying to the photos.
func (db *DB) RepostCard(ctx context.Context, appealID, chatID int64, direction string) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		_, err := t.tx.Exec(ctx, `UPDATE cards SET message_id = 0, updated_at = now() WHERE appeal_id = $1 AND chat_id = $2`,
			appealID, chatID)
		if err != nil {
			return fmt.Errorf("storage: unable to forget the card of appeal %d in chat %d: %w", appealID, chatID, err)
		}
		return t.Enqueue(ctx, workflow.Notification{AppealID: appealID, Audience: workflow.AudienceCard, Direction: direction})
	})
}

// DeadlineAlert is an alert deadline control sent about an appeal.
type DeadlineAlert struct {
	AppealID  int64
	Number    string
	Direction string // "" for triage
	Threshold string // escalate or redirect_escalate
	DueAt     time.Time
	SentAt    time.Time
}

// FindEscalations returns the escalations sent at or after since and
// before until, oldest first: appeals whose deadline passed unanswered
// (escalate) and appeals of 59-ФЗ left in triage on the last day they may
// be redirected (redirect_escalate). The digest lists them.
func (db *DB) FindEscalations(ctx context.Context, since, until time.Time) ([]DeadlineAlert, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT d.appeal_id, coalesce(a.number, ''), coalesce(a.direction, ''), d.threshold, d.due_at, d.sent_at
		FROM deadline_alerts d JOIN appeals a ON a.id = d.appeal_id
		WHERE d.threshold IN ('escalate', 'redirect_escalate') AND d.sent_at >= $1 AND d.sent_at < $2
		ORDER BY d.sent_at, d.appeal_id`, since, until)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find escalations: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DeadlineAlert])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read escalations: %w", err)
	}
	return out, nil
}
