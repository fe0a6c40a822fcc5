package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// finishedStates are the states an appeal is done with for good: nothing
// more happens to it but a reopening of a closed one.
const finishedStates = `('closed', 'rejected', 'redirected', 'withdrawn')`

// expiredResident is the predicate of a resident r past the retention
// period ending at $2: came before it, takes no news, and has no appeal
// open or changed since.
const expiredResident = `r.created_at < $2 AND NOT r.news
	AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.resident_id = r.id
		AND (a.state NOT IN ` + finishedStates + ` OR a.updated_at >= $2))`

// ForgetResident erases a resident's personal data (152-ФЗ): their
// Telegram ids, name and phone, their dialogs, what the outbox holds for
// their chat, and the content of their appeals (see forgetAppeals). The
// numbers, states, directions, dates and ratings of the appeals stay.
// before, when not nil, runs first in the same transaction (the
// resident's open appeals withdrawn): both happen or neither. It returns
// how many appeals were erased; ENotFound when there is no such resident
// or they are forgotten already.
func (db *DB) ForgetResident(ctx context.Context, residentID int64, now time.Time, before func(ctx context.Context, tx workflow.Tx) error) (int, error) {
	n := 0
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		if before != nil {
			if err := before(ctx, t); err != nil {
				return err
			}
		}
		var err error
		n, err = t.forgetResident(ctx, residentID, now)
		return err
	})
	return n, err
}

// ForgetAppealContent erases the content of one appeal registered by
// staff for somebody without Telegram, and its contact (see
// forgetAppeals); ENotFound when there is no such appeal, or it has a
// resident (ForgetResident forgets them), or it is erased already.
func (db *DB) ForgetAppealContent(ctx context.Context, appealID int64, now time.Time) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		n, err := t.forgetAppeals(ctx, `id = $1 AND resident_id IS NULL`, now, appealID)
		if err == nil && n == 0 {
			return workflow.Errorf(workflow.ENotFound, "no appeal %d without a resident to forget", appealID)
		}
		return err
	})
}

// FindOpenResidentAppeals returns the resident's appeals still waiting for
// an answer (see workflow.State.Open), newest first.
func (db *DB) FindOpenResidentAppeals(ctx context.Context, residentID int64) ([]*workflow.Appeal, error) {
	if residentID == 0 {
		return nil, workflow.Errorf(workflow.EInvalid, "no resident") // 0 would match everybody's
	}
	out, _, err := db.FindAppeals(ctx, AppealFilter{ResidentID: residentID, States: workflow.OpenStates(), Limit: 1000})
	return out, err
}

func (t *Tx) forgetResident(ctx context.Context, residentID int64, now time.Time) (int, error) {
	forgotten, n, err := t.forgetResidents(ctx, []int64{residentID}, time.Time{}, now)
	if err == nil && forgotten == 0 {
		err = workflow.Errorf(workflow.ENotFound, "no resident %d to forget", residentID)
	}
	return n, err
}

// forgetResidents forgets those of the residents ids not forgotten yet
// (and, when cutoff is not zero, still past the retention period ending
// then: one who wrote meanwhile is kept), set by set (a statement over
// the outbox reads all of it), and returns how many residents and
// appeals.
func (t *Tx) forgetResidents(ctx context.Context, ids []int64, cutoff, now time.Time) (residents, appeals int, err error) {
	var locked, userIDs, chatIDs []int64
	rows, err := t.tx.Query(ctx, `
		SELECT r.id, r.telegram_user_id, r.chat_id FROM residents r
		WHERE r.id = ANY($1) AND r.anonymised_at IS NULL AND ($2::timestamptz IS NULL OR (`+expiredResident+`))
		ORDER BY r.id FOR UPDATE OF r`, ids, nullTime(cutoff))
	if err != nil {
		return 0, 0, fmt.Errorf("storage: unable to lock residents to forget: %w", mapError(err))
	}
	for rows.Next() {
		var id int64
		var userID, chatID *int64
		if err := rows.Scan(&id, &userID, &chatID); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("storage: unable to lock residents to forget: %w", mapError(err))
		}
		locked = append(locked, id)
		if userID != nil {
			userIDs = append(userIDs, *userID)
		}
		if chatID != nil {
			chatIDs = append(chatIDs, *chatID)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("storage: unable to lock residents to forget: %w", mapError(err))
	}
	if len(locked) == 0 {
		return 0, 0, nil
	}
	appeals, err = t.forgetAppeals(ctx, `resident_id = ANY($1)`, now, locked)
	if err != nil {
		return 0, 0, err
	}
	steps := []struct {
		what, sql string
		args      []any
		skip      bool
	}{
		{"dialogs", `DELETE FROM dialogs WHERE user_id = ANY($1)`, []any{userIDs}, len(userIDs) == 0},
		// What waits for their chats is not sent; what went keeps only its
		// outcome (announcements count it), not its text or chat.
		{"the outbox", `
			UPDATE outbox SET
				failed_at = CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN $2 ELSE failed_at END,
				last_error = CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 'resident forgotten' ELSE last_error END,
				payload = '{}', file = NULL, chat_id = NULL
			WHERE chat_id = ANY($1)`, []any{chatIDs, now}, len(chatIDs) == 0},
		{"the residents", `
			UPDATE residents SET telegram_user_id = NULL, chat_id = NULL, name = '', phone = '',
				news = false, anonymised_at = $2
			WHERE id = ANY($1)`, []any{locked, now}, false},
	}
	for _, s := range steps {
		if s.skip {
			continue
		}
		if _, err := t.tx.Exec(ctx, s.sql, s.args...); err != nil {
			return 0, 0, fmt.Errorf("storage: unable to forget %s of residents: %w", s.what, mapError(err))
		}
	}
	return len(locked), appeals, nil
}

// forgetAppeals erases the content of the appeals matching where (args
// from $1, now is the last one) not erased yet (workflow.Appeal.Forgotten):
// the text, draft, answer, address, place and similarity keys go, and so
// do the photos and the contact of an appeal registered by staff; the audit trail keeps its events but not the texts and photos
// they carried, nor a resident's Telegram id. It returns how many.
func (t *Tx) forgetAppeals(ctx context.Context, where string, now time.Time, args ...any) (int, error) {
	args = append(args, now)
	rows, err := t.tx.Query(ctx, `
		UPDATE appeals SET text = '', address = '', latitude = NULL, longitude = NULL, draft = '', answer = '',
			similar_text = '', address_key = '', street_key = '', forgotten_at = $`+strconv.Itoa(len(args))+`
		WHERE forgotten_at IS NULL AND `+where+`
		RETURNING id`, args...)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to erase appeals: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("storage: unable to erase appeals: %w", mapError(err))
	}
	if len(ids) == 0 {
		return 0, nil
	}
	steps := []struct{ what, sql string }{
		{"photos", `DELETE FROM appeal_attachments WHERE appeal_id = ANY($1)`},
		{"contacts", `UPDATE appeal_contacts SET name = '', contact = '' WHERE appeal_id = ANY($1)`},
		// The trail is append-only but for this, with mcu.forget on (set
		// below, and off again after these steps).
		{"the audit trail", `
			UPDATE appeal_events SET payload = payload - '{text,attachments}'::text[],
				actor_id = CASE WHEN actor_kind = 'resident' THEN 0 ELSE actor_id END
			WHERE appeal_id = ANY($1) AND (payload ?| '{text,attachments}' OR actor_kind = 'resident')`},
		// Messages about them: those sent keep their outcome, not what
		// they said; those still to go (a card waiting for its chat to
		// be bound, say) lose the text and photos they quote, and are
		// rendered from the erased appeal when they go.
		{"messages", `
			UPDATE outbox SET
				payload = CASE WHEN sent_at IS NOT NULL OR failed_at IS NOT NULL THEN '{}'::jsonb
					ELSE payload #- '{Input,text}' #- '{Input,attachments}' END,
				file = CASE WHEN sent_at IS NOT NULL OR failed_at IS NOT NULL THEN NULL ELSE file END
			WHERE appeal_id = ANY($1)`},
	}
	if _, err := t.tx.Exec(ctx, `SELECT set_config('mcu.forget', 'on', true)`); err != nil {
		return 0, fmt.Errorf("storage: unable to open the audit trail: %w", mapError(err))
	}
	for _, s := range steps {
		if _, err := t.tx.Exec(ctx, s.sql, ids); err != nil {
			return 0, fmt.Errorf("storage: unable to erase %s of appeals: %w", s.what, mapError(err))
		}
	}
	if _, err := t.tx.Exec(ctx, `SELECT set_config('mcu.forget', 'off', true)`); err != nil {
		return 0, fmt.Errorf("storage: unable to close the audit trail again: %w", mapError(err))
	}
	return len(ids), nil
}

// ForgetExpired forgets what the retention period ending at cutoff is
// over for, limit at a time: the residents (see ForgetResident) who came
// before cutoff, take no news, and whose appeals are all finished
// (closed, rejected, redirected or withdrawn) and last changed before it;
// then the content of every other finished appeal last changed before it
// (see forgetAppeals), whoever wrote it. It returns how many residents
// and appeals it forgot.
func (db *DB) ForgetExpired(ctx context.Context, cutoff, now time.Time, limit int) (residents, appeals int, err error) {
	for {
		ids, err := db.expiredResidents(ctx, cutoff, limit)
		if err != nil {
			return residents, appeals, err
		}
		err = db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
			r, a, err := t.forgetResidents(ctx, ids, cutoff, now)
			residents, appeals = residents+r, appeals+a
			return err
		})
		if err != nil {
			return residents, appeals, err
		}
		if len(ids) < limit {
			break
		}
	}
	// Then the content of every finished appeal past the period, of a
	// resident kept (one who takes the news, or wrote since) or of
	// somebody without Telegram: by id, limit appeals a transaction.
	err = db.inIDRanges(ctx, "appeals", limit, func(from int64) error {
		return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
			n, err := t.forgetAppeals(ctx, `id > $1 AND id <= $1 + $2 AND state IN `+finishedStates+` AND updated_at < $3`,
				now, from, limit, cutoff)
			appeals += n
			return err
		})
	})
	return residents, appeals, err
}

// inIDRanges calls fn with the start of each range of size ids, (from,
// from+size], up to the largest id table has now: a nightly sweep reads
// each row once, by the primary key, however many rows it changes.
func (db *DB) inIDRanges(ctx context.Context, table string, size int, fn func(from int64) error) error {
	var last int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+table).Scan(&last); err != nil {
		return fmt.Errorf("storage: unable to find the last id of %s: %w", table, mapError(err))
	}
	for from := int64(0); from < last; from += int64(size) {
		if err := fn(from); err != nil {
			return err
		}
	}
	return nil
}

// expiredResidents returns at most limit residents whose appeals are all
// finished and last changed before cutoff, who came before cutoff and
// are not subscribed to news.
func (db *DB) expiredResidents(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT r.id FROM residents r
		WHERE r.anonymised_at IS NULL AND `+expiredResident+`
		ORDER BY r.id LIMIT $1`, limit, cutoff)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find residents to forget: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find residents to forget: %w", mapError(err))
	}
	return ids, nil
}

// SentKeep is how long a sent (or given up) message keeps what it said
// and, for a private chat, whom it went to: long enough to look into a
// complaint about a delivery, no longer.
const SentKeep = 7 * 24 * time.Hour

// ExpireMessages erases what the outbox keeps of messages sent or given
// up before now - SentKeep: their text and file, and a private chat's id
// (their outcome stays, for the announcements' counts, and so do the ids
// of the messages Telegram gave them, which prompts and progress messages
// are found by). It walks the outbox by id, limit rows a statement, so
// each row is read once a night. It also deletes the rejected updates,
// and the updates whose handling was given up, kept for inspection
// longer than 30 days. It returns how many messages it erased.
func (db *DB) ExpireMessages(ctx context.Context, now time.Time, limit int) (int, error) {
	cutoff := now.Add(-SentKeep)
	total := 0
	err := db.inIDRanges(ctx, "outbox", limit, func(from int64) error {
		tag, err := db.pool.Exec(ctx, `
			UPDATE outbox SET payload = '{}', file = NULL,
				chat_id = CASE WHEN chat_id > 0 THEN NULL ELSE chat_id END
			WHERE id > $2 AND id <= $2 + $3 AND (sent_at < $1 OR failed_at < $1)
				AND (payload <> '{}' OR file IS NOT NULL OR chat_id > 0)`, cutoff, from, limit)
		if err != nil {
			return fmt.Errorf("storage: unable to expire sent messages: %w", mapError(err))
		}
		total += int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return total, err
	}
	// An update still in the inbox after 30 days was given up weeks ago
	// (its retries end within the hour).
	for _, table := range []string{"rejected_updates", "inbox"} {
		_, err := db.pool.Exec(ctx, `DELETE FROM `+table+` WHERE received_at < $1`, now.Add(-rejectedKeep))
		if err != nil {
			return total, fmt.Errorf("storage: unable to delete old updates from %s: %w", table, mapError(err))
		}
	}
	return total, nil
}
