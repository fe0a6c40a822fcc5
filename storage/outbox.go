package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
	"mcu/workflow"
)

// outboxChannel is the LISTEN/NOTIFY channel that wakes the dispatcher
// when a transaction enqueues messages.
const outboxChannel = "mcu_outbox"

// Enqueue writes notifications to the outbox, resolving each to its chat:
// the resident's private chat, or the chat bound to the direction (the
// triage chat for ""). A notification for a resident not in Telegram (or
// who blocked the bot) is skipped; one for a chat not bound yet is kept
// with no chat, so it is not lost and shows in the outbox. All of it goes
// to the server in one round trip.
func (t *Tx) Enqueue(ctx context.Context, ns ...workflow.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, n := range ns {
		payload, err := json.Marshal(n)
		if err != nil {
			return fmt.Errorf("storage: unable to encode notification: %w", err)
		}
		if n.Audience == workflow.AudienceResident {
			batch.Queue(`
				INSERT INTO outbox (appeal_id, chat_id, thread_id, kind, payload)
				SELECT a.id, r.chat_id, 0, $2, $3 FROM appeals a JOIN residents r ON r.id = a.resident_id
				WHERE a.id = $1 AND r.chat_id IS NOT NULL AND r.blocked_at IS NULL`,
				n.AppealID, n.Audience, payload)
			continue
		}
		batch.Queue(`
			INSERT INTO outbox (appeal_id, chat_id, thread_id, kind, payload)
			SELECT $1, b.chat_id, coalesce(b.thread_id, 0), $2, $3
			FROM (SELECT 1) AS one LEFT JOIN chat_bindings b
				ON (b.purpose = 'direction' AND b.direction = $4) OR (b.purpose = 'triage' AND $4 = '')`,
			nullInt(n.AppealID), n.Audience, payload, n.Direction)
	}
	t.wakeDispatcher(batch)
	if err := t.tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("storage: unable to enqueue notifications: %w", mapError(err))
	}
	return nil
}

// FindChatlessOutbox returns the outbox messages kept with no chat (their
// chat was not bound when they were enqueued) and not sent or given up,
// oldest first, locked until the transaction ends. A message whose payload
// cannot be read comes with only its audience.
func (t *Tx) FindChatlessOutbox(ctx context.Context) ([]workflow.QueuedNotification, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT id, kind, payload FROM outbox
		WHERE chat_id IS NULL AND sent_at IS NULL AND failed_at IS NULL
		ORDER BY id FOR UPDATE`)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find queued messages: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.QueuedNotification, error) {
		var q workflow.QueuedNotification
		var kind string
		var payload []byte
		if err := row.Scan(&q.ID, &kind, &payload); err != nil {
			return q, err
		}
		if json.Unmarshal(payload, &q.Notification) != nil {
			q.Notification = workflow.Notification{}
		}
		q.Notification.Audience = workflow.Audience(kind)
		return q, nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read queued messages: %w", err)
	}
	return out, nil
}

// AttachOutbox gives outbox messages a chat (and topic) and wakes the
// dispatcher; it returns how many messages it changed.
func (t *Tx) AttachOutbox(ctx context.Context, ids []int64, chatID int64, threadID int) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := t.tx.Exec(ctx, `UPDATE outbox SET chat_id = $2, thread_id = $3 WHERE id = ANY($1)`,
		ids, chatID, threadID)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to attach queued messages to chat %d: %w", chatID, mapError(err))
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, '')`, outboxChannel); err != nil {
		return 0, fmt.Errorf("storage: unable to wake the dispatcher: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ClaimOutbox claims up to limit messages whose turn has come — each the
// oldest unsent message of its chat, so at most one a chat, replies
// first, except that up to bulk of them are taken from the rest first
// (cards, notices, announcements), so that replies to a crowd do not
// hold them back for as long as the crowd lasts — in one statement
// (claimSQL), leasing each for lease: a leased
// message is claimed by nobody else until FinishOutbox records it or the
// lease ends (RenewOutbox extends it), and its chat's next messages wait
// behind it. It returns the messages to send and how many it claimed
// (a message whose record cannot be read is given up at once, not
// returned). What sending a notification needs besides is loaded by
// LoadOutbox, in the worker that sends it.
func (db *DB) ClaimOutbox(ctx context.Context, limit, bulk int, lease time.Duration) ([]outbox.Message, int, error) {
	limit = max(limit, 1)
	bulk = min(max(bulk, 0), limit)
	// One round trip: the claim is one statement, sent in one pipeline
	// with its settings; the two run in one implicit transaction,
	// committed at its end. The commit does not wait for the disk. The
	// planner is kept off sequential scans: the claim reads rows by
	// index only, and a plan made while the outbox was small (a new
	// database, statistics not yet gathered) and then cached would scan
	// the whole queue on every claim once it has grown.
	b := &pgx.Batch{}
	b.Queue(`SELECT ` + withoutFlush + `, set_config('enable_seqscan', 'off', true)`)
	b.Queue(claimSQL, limit, bulk, lease.Seconds(), bulkPriority)
	res := db.pool.SendBatch(ctx, b)
	if _, err := res.Exec(); err != nil {
		_ = res.Close()
		return nil, 0, fmt.Errorf("storage: unable to set the claim's durability: %w", mapError(err))
	}
	rows, err := res.Query()
	if err != nil {
		_ = res.Close()
		return nil, 0, fmt.Errorf("storage: unable to claim outbox messages: %w", mapError(err))
	}
	claims, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (claimedRow, error) {
		var c claimedRow
		var priority int
		err := row.Scan(&c.m.ID, &c.m.ChatID, &c.m.ThreadID, &c.m.Attempts, &c.m.CreatedAt, &c.kind, &c.payload, &c.file, &c.parts, &priority, &c.m.Next)
		c.m.Bulk = priority >= bulkPriority
		return c, err
	})
	if cerr := res.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to claim outbox messages: %w", mapError(err))
	}
	var ms []outbox.Message
	var bad []outbox.Done
	for _, c := range claims {
		m, err := readClaimed(c.m, c.kind, c.payload, c.file, c.parts)
		if err != nil {
			bad = append(bad, outbox.Done{Message: c.m, Outcome: outbox.Outcome{Failed: true, Err: err}})
			continue
		}
		ms = append(ms, m)
	}
	if len(bad) > 0 {
		// Given up at once: it would fail the same way on every claim.
		if err := db.FinishOutbox(ctx, bad); err != nil {
			return ms, len(claims), err
		}
	}
	return ms, len(claims), nil
}

// claimSQL leases, in one statement, up to $1 heads of chats' queues due
// now: up to $2 of them bulk (priority $4 and above) first, then the
// rest, replies first; each row returned tells whether its chat has
// more queued behind it.
//
// The heads are found chat by chat, one probe of outbox_pending each (a
// loose index scan), so a claim costs the number of chats with messages
// queued, not the number of messages: a group with two thousand cards
// queued costs one probe, not two thousand. The heads due are ordered
// and cut to the limits before their rows are locked, so that the
// planner cannot walk the whole queue in order instead; the locks
// re-check that each is still unsent and unclaimed, and skip one locked
// elsewhere, which leaves the claim one message short. The bulk's rows
// are left out of the rest by id, as a transaction does not skip the
// rows it has locked itself.
const claimSQL = `
	WITH RECURSIVE heads AS (
		(SELECT o.chat_id, o.id, o.priority, o.next_attempt_at, o.claimed_until FROM outbox o
		 WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.chat_id IS NOT NULL
		 ORDER BY o.chat_id, o.id LIMIT 1)
		UNION ALL
		SELECT n.* FROM heads c CROSS JOIN LATERAL (
			SELECT o.chat_id, o.id, o.priority, o.next_attempt_at, o.claimed_until FROM outbox o
			WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.chat_id > c.chat_id
			ORDER BY o.chat_id, o.id LIMIT 1) n
	), due AS MATERIALIZED (
		SELECT o.id, o.priority, o.next_attempt_at FROM heads o
		WHERE ` + dueNow + `
	), bulk AS MATERIALIZED (
		SELECT o.id FROM outbox o
		WHERE o.id = ANY (ARRAY(SELECT id FROM due WHERE priority >= $4 ORDER BY priority, next_attempt_at, id LIMIT $2))
		  AND ` + claimable + `
		FOR UPDATE OF o SKIP LOCKED
	), rest AS MATERIALIZED (
		SELECT o.id FROM outbox o
		WHERE o.id = ANY (ARRAY(SELECT id FROM due WHERE id NOT IN (SELECT id FROM bulk)
		                        ORDER BY priority, next_attempt_at, id LIMIT $1 - (SELECT count(*) FROM bulk)))
		  AND ` + claimable + `
		FOR UPDATE OF o SKIP LOCKED
	), claimed AS (
		UPDATE outbox SET claimed_until = now() + make_interval(secs => $3)
		WHERE id IN (SELECT id FROM bulk UNION ALL SELECT id FROM rest)
		RETURNING id, chat_id, thread_id, attempts, created_at, kind, payload, file, parts, priority, next_attempt_at
	)
	SELECT c.id, c.chat_id, c.thread_id, c.attempts, c.created_at, c.kind, c.payload, c.file, c.parts, c.priority,
		EXISTS (SELECT 1 FROM outbox x
		        WHERE x.chat_id = c.chat_id AND x.id > c.id AND x.sent_at IS NULL AND x.failed_at IS NULL)
	FROM claimed c
	ORDER BY c.priority, c.next_attempt_at, c.id`

// dueNow is the condition on an outbox row o (or a head found by the
// claim) that it is due now and leased to nobody.
const dueNow = `o.next_attempt_at <= now() AND (o.claimed_until IS NULL OR o.claimed_until <= now())`

// claimable is the condition on an outbox row o, fetched by id, that it
// is still unsent, due now and leased to nobody. "Unsent" is written as
// coalesce(…) IS NULL, not as the partial indexes' predicate, which
// would let the planner walk a whole index of the queue instead of
// fetching the few heads by id.
const claimable = `coalesce(o.sent_at, o.failed_at) IS NULL AND ` + dueNow

// bulkPriority is the outbox priority of everything but replies.
const bulkPriority = 1

// claimedRow is a message claimed, as read before it is decoded.
type claimedRow struct {
	m                    outbox.Message
	kind                 string
	payload, file, parts []byte
}

// FinishOutbox records the outcomes of claimed messages, ending their
// leases, in one transaction — in one round trip when each outcome
// changes only its message's row, as a message sent does; when that
// fails, it records them one by one, so that one bad record does not
// leave the others to be sent again. It returns the first error.
func (db *DB) FinishOutbox(ctx context.Context, done []outbox.Done) error {
	plain := true
	for _, d := range done {
		plain = plain && plainOutcome(d.Outcome)
	}
	var err error
	if plain {
		err = db.finishPlain(ctx, done)
	} else {
		err = db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
			if err := t.commitWithoutFlush(ctx); err != nil {
				return err
			}
			for _, d := range done {
				if err := t.finishOutbox(ctx, d.Message, d.Outcome); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil || len(done) == 1 || ctx.Err() != nil {
		return err
	}
	var first error
	for _, d := range done {
		err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
			if err := t.commitWithoutFlush(ctx); err != nil {
				return err
			}
			return t.finishOutbox(ctx, d.Message, d.Outcome)
		})
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// commitWithoutFlush has the transaction commit without waiting for its
// WAL to reach the disk (synchronous_commit off, for this transaction
// only): the claims and the records of the outbox, which stand on the
// path from a resident's update to the reply and to the next reply. A
// PostgreSQL crash (not an mcu one) may then lose the last fraction of a
// second of them — a claim lost is claimed again, a record lost sends
// its message once more, as a crash of mcu may (docs/delivery.md) — and
// never anything a resident sent: an update's own transaction, the
// outbox rows it writes included, still waits for the disk.
func (t *Tx) commitWithoutFlush(ctx context.Context) error {
	if _, err := t.tx.Exec(ctx, `SELECT `+withoutFlush); err != nil {
		return fmt.Errorf("storage: unable to set the commit's durability: %w", err)
	}
	return nil
}

// withoutFlush is the expression that has the current transaction (an
// explicit one, or a pipeline's implicit one) commit without waiting for
// its WAL to reach the disk; see commitWithoutFlush for when that is
// safe.
const withoutFlush = `set_config('synchronous_commit', 'off', true)`

// RenewOutbox extends the leases of claimed messages still being sent.
func (db *DB) RenewOutbox(ctx context.Context, ids []int64, lease time.Duration) error {
	_, err := db.pool.Exec(ctx, `
		UPDATE outbox SET claimed_until = now() + make_interval(secs => $2)
		WHERE id = ANY($1) AND sent_at IS NULL AND failed_at IS NULL`, ids, lease.Seconds())
	if err != nil {
		return fmt.Errorf("storage: unable to renew the leases of %d outbox messages: %w", len(ids), err)
	}
	return nil
}

// readClaimed decodes a claimed row; a row that cannot be decoded is
// an error, and the claim gives it up. What sending a notification needs
// besides (its appeal, card, chat) is loaded by LoadOutbox, by the worker
// that sends it, not by the claim: the claim stays one statement.
func readClaimed(m outbox.Message, kind string, payload, file, parts []byte) (outbox.Message, error) {
	if err := json.Unmarshal(parts, &m.Parts); err != nil {
		return m, fmt.Errorf("bad parts: %w", err)
	}
	var err error
	switch kind {
	case outbox.KindReply:
		if m.Reply, err = decodeReply(payload); err != nil {
			return m, err
		}
	case outbox.KindPrepared:
		if m.Prepared, err = decodePrepared(payload, file); err != nil {
			return m, err
		}
	default:
		if err := json.Unmarshal(payload, &m.Notification); err != nil {
			return m, fmt.Errorf("bad payload: %w", err)
		}
		m.NeedsContext = true
	}
	return m, nil
}

// LoadOutbox loads what sending a claimed notification needs: its
// appeal, the appeal's card in the chat, the chat's direction and, for a
// card, what the card shows. A message that is not a notification needs
// nothing.
func (db *DB) LoadOutbox(ctx context.Context, m *outbox.Message) error {
	if !m.NeedsContext {
		return nil
	}
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		return t.loadOutboxContext(ctx, m)
	})
}

// loadOutboxContext loads the appeal, its card in the chat and the chat's
// direction.
func (t *Tx) loadOutboxContext(ctx context.Context, m *outbox.Message) error {
	if m.Notification.Audience == workflow.AudienceIncidentCard && m.Notification.IncidentID != 0 {
		if err := t.loadIncidentCard(ctx, m); err != nil {
			return err
		}
	} else if id := m.Notification.AppealID; id != 0 {
		a, err := scanAppeal(t.tx.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.id = $1`, id))
		if err != nil {
			return fmt.Errorf("storage: unable to load appeal %d of outbox message %d: %w", id, m.ID, err)
		}
		if a.Attachments, err = findAttachments(ctx, t.tx, id, workflow.PurposeAppeal); err != nil {
			return err
		}
		m.Appeal = a
		err = t.tx.QueryRow(ctx, `SELECT message_id, media_ids, listed_in FROM cards WHERE appeal_id = $1 AND chat_id = $2`,
			id, m.ChatID).Scan(&m.CardMessageID, &m.CardMediaIDs, &m.CardListedIn)
		newCard := errors.Is(err, pgx.ErrNoRows)
		if err != nil && !newCard {
			return fmt.Errorf("storage: unable to find card of appeal %d: %w", id, err)
		}
		if newCard && m.Notification.Audience == workflow.AudienceCard && m.ChatID < 0 {
			if err := t.loadWaiting(ctx, m); err != nil {
				return err
			}
		}
		switch {
		case m.Notification.Audience == workflow.AudienceCard:
			if err := t.loadCardContext(ctx, m); err != nil {
				return err
			}
		case m.Notification.Audience == workflow.AudienceResident && m.Notification.Event == workflow.EventApprove:
			// The answer goes with the draft's evidence.
			if err := t.loadDraftAttachments(ctx, m); err != nil {
				return err
			}
		}
	}
	err := t.tx.QueryRow(ctx, `SELECT coalesce(direction, '') FROM chat_bindings WHERE chat_id = $1 AND thread_id = $2`,
		m.ChatID, m.ThreadID).Scan(&m.ChatDirection)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("storage: unable to find binding of chat %d: %w", m.ChatID, err)
	}
	return nil
}

// loadDraftAttachments loads the evidence of the appeal's latest draft,
// which is in its submit_draft event's payload.
func (t *Tx) loadDraftAttachments(ctx context.Context, m *outbox.Message) error {
	a := m.Appeal
	if a.Draft == "" {
		return nil
	}
	var payload []byte
	err := t.tx.QueryRow(ctx, `
		SELECT payload FROM appeal_events WHERE appeal_id = $1 AND event = $2
		ORDER BY id DESC LIMIT 1`, a.ID, workflow.EventSubmitDraft).Scan(&payload)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("storage: unable to load the draft of appeal %d: %w", a.ID, err)
	}
	if len(payload) == 0 {
		return nil
	}
	var in workflow.Input
	if err := json.Unmarshal(payload, &in); err != nil {
		return fmt.Errorf("storage: unable to decode the draft of appeal %d: %w", a.ID, err)
	}
	m.DraftAttachments = in.Attachments
	return nil
}

// cardHistory is how many of the latest audit events a card shows.
const cardHistory = 6

// loadCardContext loads what a card shows besides the appeal: the latest
// history with staff names, the executor, the draft's evidence, the
// contact of a citizen who wrote by another channel and the similar
// appeals.
func (t *Tx) loadCardContext(ctx context.Context, m *outbox.Message) error {
	a := m.Appeal
	rows, err := t.tx.Query(ctx, `
		SELECT e.at, e.event, e.actor_kind, e.actor_id, e.role, coalesce(s.name, ''), e.payload
		FROM (SELECT * FROM appeal_events WHERE appeal_id = $1 ORDER BY id DESC LIMIT $2) e
		LEFT JOIN staff s ON e.actor_kind = 'staff' AND s.user_id = e.actor_id
		ORDER BY e.id`, a.ID, cardHistory)
	if err != nil {
		return fmt.Errorf("storage: unable to load history of appeal %d: %w", a.ID, err)
	}
	m.History, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.CardEvent, error) {
		var e workflow.CardEvent
		var payload []byte
		if err := row.Scan(&e.At, &e.Event, &e.Actor.Kind, &e.Actor.UserID, &e.Role, &e.ActorName, &payload); err != nil {
			return e, err
		}
		return e, json.Unmarshal(payload, &e.Payload)
	})
	if err != nil {
		return fmt.Errorf("storage: unable to read history of appeal %d: %w", a.ID, err)
	}
	if a.ExecutorID != 0 {
		names, err := findStaffNames(ctx, t.tx, []int64{a.ExecutorID})
		if err != nil {
			return err
		}
		m.ExecutorName = names[a.ExecutorID]
	}
	if err := t.loadDraftAttachments(ctx, m); err != nil {
		return err
	}
	err = t.tx.QueryRow(ctx, `SELECT name, contact FROM appeal_contacts WHERE appeal_id = $1`, a.ID).
		Scan(&m.ContactName, &m.Contact)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("storage: unable to load contact of appeal %d: %w", a.ID, err)
	}
	if a.IncidentID != 0 {
		// Joined: the card collapses into a line naming the incident.
		return t.loadAppealIncident(ctx, m)
	}
	return t.loadSimilar(ctx, m)
}

// finishOutbox records the outcome of an attempt: the parts it sent
// (whatever the outcome), the card, a chat that blocked the bot or moved
// to a supergroup, and whether the message is sent, given up or retried.
func (t *Tx) finishOutbox(ctx context.Context, m outbox.Message, o outbox.Outcome) error {
	id := m.ID
	parts, err := outcomeParts(id, o)
	if err != nil {
		return err
	}
	// The dispatcher sets the card's media only with a message done, so
	// a message retried sees the same media on every attempt.
	if o.CardMessageID != 0 && m.Notification.AppealID == 0 && m.Notification.IncidentID != 0 {
		if err := t.rememberIncidentCard(ctx, m, o.CardMessageID); err != nil {
			return err
		}
	}
	if (o.CardMessageID != 0 || len(o.CardMediaIDs) > 0) && m.Notification.AppealID != 0 {
		_, err := t.tx.Exec(ctx, `
			INSERT INTO cards (appeal_id, chat_id, thread_id, message_id, media_ids) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (appeal_id, chat_id) DO UPDATE SET message_id = $4, thread_id = $3, media_ids = $5, listed_in = 0, updated_at = now()`,
			m.Notification.AppealID, m.ChatID, m.ThreadID, o.CardMessageID, mediaIDs(o.CardMediaIDs))
		if err != nil {
			return fmt.Errorf("storage: unable to remember card of appeal %d: %w", m.Notification.AppealID, err)
		}
	}
	if o.Blocked {
		_, err := t.tx.Exec(ctx, `UPDATE residents SET blocked_at = now() WHERE chat_id = $1 AND blocked_at IS NULL`, m.ChatID)
		if err != nil {
			return fmt.Errorf("storage: unable to mark chat %d blocked: %w", m.ChatID, err)
		}
		o.Failed = true
	}
	if o.Alert != nil {
		if err := t.alertAdmins(ctx, m.ChatID, o.Alert); err != nil {
			return err
		}
	}
	if o.Listed != nil {
		if err := t.recordList(ctx, m, o.Listed); err != nil {
			return err
		}
	}
	if o.MigratedTo != 0 {
		// The message moves with its chat and goes again at once, to the
		// supergroup, from the part that failed.
		bound, err := t.moveChat(ctx, m.ChatID, o.MigratedTo)
		if err != nil {
			return err
		}
		if bound {
			err := t.RecordStaffAction(ctx, workflow.StaffAction{
				At: o.MigratedAt, Action: workflow.ActionMigrate, ChatID: o.MigratedTo,
				Details: fmt.Sprintf("from %d (told by Telegram on a send)", m.ChatID),
			})
			if err != nil {
				return err
			}
		}
	}
	sql, args := outcomeUpdate(id, o, parts)
	if _, err := t.tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("storage: unable to record outbox outcome of %d: %w", id, err)
	}
	return nil
}

// outcomeParts encodes the parts an outcome adds to its message's.
func outcomeParts(id int64, o outbox.Outcome) ([]byte, error) {
	if len(o.Parts) == 0 {
		return []byte("{}"), nil
	}
	parts, err := json.Marshal(o.Parts)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to encode the parts of outbox message %d: %w", id, err)
	}
	return parts, nil
}

// plainOutcome reports whether recording o changes the message's own row
// and nothing else: no card, chat, list or alert to record with it.
func plainOutcome(o outbox.Outcome) bool {
	return o.CardMessageID == 0 && len(o.CardMediaIDs) == 0 && !o.Blocked && o.Alert == nil &&
		o.Listed == nil && o.MigratedTo == 0
}

// outcomeUpdate is the statement that records outcome o of message id on
// its row, ending its lease.
func outcomeUpdate(id int64, o outbox.Outcome, parts []byte) (string, []any) {
	switch {
	case o.MigratedTo != 0:
		return `
			UPDATE outbox SET attempts = attempts + 1, last_error = $2, parts = parts || $3, next_attempt_at = now(), claimed_until = NULL
			WHERE id = $1`, []any{id, errText(o.Err), parts}
	case o.Failed:
		return `UPDATE outbox SET failed_at = now(), attempts = attempts + 1, last_error = $2, parts = parts || $3, claimed_until = NULL WHERE id = $1`,
			[]any{id, errText(o.Err), parts}
	case o.Deferred && o.RetryAfter > 0:
		// Paced, not failed: the parts done are kept, the attempt is not
		// counted.
		return `
			UPDATE outbox SET parts = parts || $3, next_attempt_at = clock_timestamp() + make_interval(secs => $2), claimed_until = NULL
			WHERE id = $1`, []any{id, o.RetryAfter.Seconds(), parts}
	case o.RetryAfter > 0:
		// From clock_timestamp(), when Telegram has answered, not now(),
		// when the transaction that claimed the message began, before the
		// send: Telegram counts retry_after from its answer.
		return `
			UPDATE outbox SET attempts = attempts + 1, last_error = $2, parts = parts || $4,
				next_attempt_at = clock_timestamp() + make_interval(secs => $3), claimed_until = NULL
			WHERE id = $1`, []any{id, errText(o.Err), o.RetryAfter.Seconds(), parts}
	default:
		// Err, when set, tells of parts skipped.
		return `UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = $2, parts = parts || $3, claimed_until = NULL WHERE id = $1`,
			[]any{id, errText(o.Err), parts}
	}
}

// finishPlain records plain outcomes (plainOutcome) in one round trip:
// their updates in one pipeline with the setting that has the commit not
// wait for the disk, in one implicit transaction.
func (db *DB) finishPlain(ctx context.Context, done []outbox.Done) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT ` + withoutFlush)
	for _, d := range done {
		parts, err := outcomeParts(d.Message.ID, d.Outcome)
		if err != nil {
			return err
		}
		sql, args := outcomeUpdate(d.Message.ID, d.Outcome, parts)
		b.Queue(sql, args...)
	}
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("storage: unable to record the outcomes of %d outbox messages: %w", len(done), mapError(err))
	}
	return nil
}

// alertAdmins queues a prepared message for the private chats of the
// admins (a.Admins, the bootstrap admins, and the staff with the admin
// role) about chatID, unless they were alerted about it on a.Day already.
func (t *Tx) alertAdmins(ctx context.Context, chatID int64, a *outbox.Alert) error {
	tag, err := t.tx.Exec(ctx, `INSERT INTO chat_alerts (chat_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		chatID, a.Day)
	if err != nil {
		return fmt.Errorf("storage: unable to record the alert about chat %d: %w", chatID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	rows, err := t.tx.Query(ctx, `
		SELECT DISTINCT id FROM (
			SELECT unnest($1::bigint[]) AS id
			UNION SELECT user_id FROM staff_roles WHERE role = $2
		) admins ORDER BY id`, a.Admins, workflow.RoleAdmin)
	if err != nil {
		return fmt.Errorf("storage: unable to find the admins: %w", err)
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("storage: unable to read the admins: %w", err)
	}
	for _, admin := range admins {
		if _, err := t.EnqueuePrepared(ctx, outbox.Recipient{ChatID: admin}, a.Message); err != nil {
			return err
		}
	}
	return nil
}

// mediaIDs returns ids as a non-nil slice, for a NOT NULL array column.
func mediaIDs(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ListenOutbox returns a channel that receives a value soon after a
// transaction enqueues messages. It holds one connection of the pool until
// ctx ends, reconnecting after errors; the channel is closed when ctx ends.
// Wake-ups may be coalesced, so the receiver drains the outbox each time.
func (db *DB) ListenOutbox(ctx context.Context) <-chan struct{} {
	wake := make(chan struct{}, 1)
	stop := db.listeners.add(wake)
	go func() {
		defer close(wake)
		defer stop()
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			err := db.listen(ctx, wake)
			if ctx.Err() != nil {
				return
			}
			db.logger.WarnContext(ctx, "outbox listener failed", "error", err, "retry_in", backoff)
			signal(wake) // something may have been missed while down
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
		}
	}()
	return wake
}

func (db *DB) listen(ctx context.Context, wake chan<- struct{}) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("storage: unable to acquire listener connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+outboxChannel); err != nil {
		return fmt.Errorf("storage: unable to listen: %w", err)
	}
	defer func() {
		// A connection that still listens must not go back to the pool.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
	}()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return fmt.Errorf("storage: unable to wait for notification: %w", err)
		}
		signal(wake)
	}
}

func signal(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}
