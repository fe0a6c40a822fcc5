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

// SetNews records a resident's answer about the district's news (on or
// off), with the wording's version and time; false when the resident has
// not consented (there is no row).
func (db *DB) SetNews(ctx context.Context, userID int64, on bool, version string, at time.Time) (bool, error) {
	tag, err := db.q(ctx).Exec(ctx, `
		UPDATE residents SET news = $2, news_version = $3, news_at = $4
		WHERE telegram_user_id = $1 AND consent_at IS NOT NULL`, userID, on, version, at)
	if err != nil {
		return false, fmt.Errorf("storage: unable to record the news choice: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// FindNews tells whether a resident gets the district's news.
func (db *DB) FindNews(ctx context.Context, userID int64) (bool, error) {
	var on bool
	err := db.q(ctx).QueryRow(ctx, `SELECT news FROM residents WHERE telegram_user_id = $1`, userID).Scan(&on)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("storage: unable to read the news choice: %w", err)
	}
	return on, nil
}

const announcementColumns = `id, author_id, text, photo, audience, coalesce(direction, ''), days, send_at, status,
	created_at, coalesce(decided_by, 0), comment, coalesce(progress_row, 0), progress_at, progress_text, coalesce(progress_edit, 0),
	queued_after, queued_at, total, coalesce(incident_id, 0)`

func scanAnnouncement(row pgx.Row) (*workflow.Announcement, error) {
	a := &workflow.Announcement{}
	var sendAt, progressAt, queuedAt *time.Time
	err := row.Scan(&a.ID, &a.AuthorID, &a.Text, &a.Photo, &a.Audience, &a.Direction, &a.Days, &sendAt, &a.Status,
		&a.CreatedAt, &a.DecidedBy, &a.Comment, &a.ProgressRow, &progressAt, &a.ProgressText, &a.ProgressEdit,
		&a.QueuedAfter, &queuedAt, &a.Total, &a.IncidentID)
	if err != nil {
		return nil, err
	}
	a.SendAt, a.ProgressAt, a.QueuedAt = deref(sendAt), deref(progressAt), deref(queuedAt)
	return a, nil
}

// CreateAnnouncement stores a draft sent for approval and records who
// submitted it; it returns the announcement's id.
func (db *DB) CreateAnnouncement(ctx context.Context, a *workflow.Announcement, role workflow.Role, at time.Time) (int64, error) {
	var id int64
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		var dir *string
		if a.Direction != "" {
			dir = &a.Direction
		}
		var sendAt *time.Time
		if !a.SendAt.IsZero() {
			sendAt = &a.SendAt
		}
		var incident *int64
		if a.IncidentID != 0 {
			incident = &a.IncidentID
		}
		err := t.tx.QueryRow(ctx, `
			INSERT INTO announcements (author_id, text, photo, audience, direction, days, send_at, status, created_at, incident_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			a.AuthorID, a.Text, a.Photo, a.Audience, dir, a.Days, sendAt, workflow.AnnouncementPending, at, incident).Scan(&id)
		if err != nil {
			return fmt.Errorf("storage: unable to create an announcement: %w", mapError(err))
		}
		return t.announcementEvent(ctx, id, at, a.AuthorID, role, workflow.AnnounceEventSubmit, "")
	})
	return id, err
}

// announcementEvent appends to an announcement's audit trail.
func (t *Tx) announcementEvent(ctx context.Context, id int64, at time.Time, actor int64, role workflow.Role, event, details string) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO announcement_events (announcement_id, at, actor_id, role, event, details) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, at, actor, string(role), event, details)
	if err != nil {
		return fmt.Errorf("storage: unable to record an announcement event: %w", err)
	}
	return nil
}

// FindAnnouncement returns an announcement, or a not-found error.
func (db *DB) FindAnnouncement(ctx context.Context, id int64) (*workflow.Announcement, error) {
	a, err := scanAnnouncement(db.q(ctx).QueryRow(ctx, `SELECT `+announcementColumns+` FROM announcements WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENotFound, "announcement %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find announcement %d: %w", id, err)
	}
	return a, nil
}

// DecideAnnouncement approves (status approved) or returns (status
// returned, with comment) a pending announcement and records it; false
// when it is no longer pending (decided already).
func (db *DB) DecideAnnouncement(ctx context.Context, id int64, status string, by int64, role workflow.Role, comment string, at time.Time) (bool, error) {
	event := workflow.AnnounceEventApprove
	if status == workflow.AnnouncementReturned {
		event = workflow.AnnounceEventReturn
	}
	var ok bool
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		tag, err := t.tx.Exec(ctx, `
			UPDATE announcements SET status = $2, decided_by = $3, decided_at = $4, comment = $5
			WHERE id = $1 AND status = $6`, id, status, by, at, comment, workflow.AnnouncementPending)
		if err != nil {
			return fmt.Errorf("storage: unable to decide announcement %d: %w", id, err)
		}
		if ok = tag.RowsAffected() == 1; !ok {
			return nil
		}
		return t.announcementEvent(ctx, id, at, by, role, event, comment)
	})
	return ok, err
}

// SetAnnouncementProgress records the press secretary's progress message:
// its outbox row (0 keeps the one recorded), what it says and when; edit
// is the outbox row of the edit that says it (0 for none).
func (db *DB) SetAnnouncementProgress(ctx context.Context, id, row, edit int64, text string, at time.Time) error {
	_, err := db.q(ctx).Exec(ctx, `
		UPDATE announcements SET progress_row = CASE WHEN $2 = 0 THEN progress_row ELSE $2 END,
			progress_edit = nullif($5, 0), progress_text = $3, progress_at = $4 WHERE id = $1`, id, row, text, at, edit)
	if err != nil {
		return fmt.Errorf("storage: unable to record announcement %d's progress: %w", id, err)
	}
	return nil
}

// FindApprovedAnnouncements returns the announcements being sent (or
// waiting for their time), oldest first.
func (db *DB) FindApprovedAnnouncements(ctx context.Context) ([]*workflow.Announcement, error) {
	rows, err := db.q(ctx).Query(ctx, `SELECT `+announcementColumns+` FROM announcements WHERE status = $1 ORDER BY id`,
		workflow.AnnouncementApproved)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find announcements: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*workflow.Announcement, error) { return scanAnnouncement(row) })
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read announcements: %w", err)
	}
	return list, nil
}

// QueueAnnouncementBatch queues the announcement's message p for the
// next at most limit recipients (by resident id, after those queued
// before) in one transaction: residents who chose news, have not blocked
// the bot and, for an incident's audience, have an appeal joined to it,
// for a direction's, wrote on it since since (nobody who declined news
// gets an announcement; the residents of an incident hear of its term
// and its answer anyway). A resident already queued is not queued again.
// It returns how many were
// queued and whether every recipient now is (then the announcement's
// queued_at is set, and the chat bound to channel, if any, gets the
// announcement as a post, without the buttons).
func (db *DB) QueueAnnouncementBatch(ctx context.Context, a *workflow.Announcement, p outbox.Prepared, since, at time.Time, limit int) (int, bool, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return 0, false, fmt.Errorf("storage: unable to encode an announcement: %w", err)
	}
	var queued int
	var all bool
	err = db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		var after int64
		err := t.tx.QueryRow(ctx, `SELECT queued_after FROM announcements WHERE id = $1 AND queued_at IS NULL FOR UPDATE`, a.ID).Scan(&after)
		if errors.Is(err, pgx.ErrNoRows) {
			all = true // queued meanwhile by another instance
			return nil
		}
		if err != nil {
			return fmt.Errorf("storage: unable to lock announcement %d: %w", a.ID, err)
		}
		var picked int
		var last int64
		err = t.tx.QueryRow(ctx, `
			WITH batch AS (
				SELECT r.id, r.chat_id FROM residents r
				WHERE r.id > $2 AND r.news AND r.consent_at IS NOT NULL AND r.blocked_at IS NULL
					AND r.anonymised_at IS NULL AND r.chat_id IS NOT NULL
					AND CASE WHEN $8::bigint <> 0
						THEN EXISTS (SELECT 1 FROM appeals ap WHERE ap.resident_id = r.id AND ap.incident_id = $8)
						ELSE ($3 = '' OR EXISTS (SELECT 1 FROM appeals ap WHERE ap.resident_id = r.id
							AND ap.direction = $3 AND ap.created_at >= $4)) END
				ORDER BY r.id LIMIT $5),
			ins AS (
				INSERT INTO outbox (chat_id, kind, payload, announcement_id)
				SELECT chat_id, $6, $7, $1 FROM batch ORDER BY id
				ON CONFLICT (announcement_id, chat_id) WHERE announcement_id IS NOT NULL DO NOTHING
				RETURNING 1)
			SELECT (SELECT count(*) FROM batch), (SELECT coalesce(max(id), 0) FROM batch), (SELECT count(*) FROM ins)`,
			a.ID, after, a.Direction, since, limit, outbox.KindPrepared, payload, a.IncidentID).Scan(&picked, &last, &queued)
		if err != nil {
			return fmt.Errorf("storage: unable to queue announcement %d: %w", a.ID, err)
		}
		all = picked < limit
		var queuedAt *time.Time
		if all {
			queuedAt = &at
		}
		if _, err := t.tx.Exec(ctx, `
			UPDATE announcements SET queued_after = greatest(queued_after, $2), total = total + $3, queued_at = $4 WHERE id = $1`,
			a.ID, last, queued, queuedAt); err != nil {
			return fmt.Errorf("storage: unable to record announcement %d's queue: %w", a.ID, err)
		}
		if all {
			var total int
			if err := t.tx.QueryRow(ctx, `SELECT total FROM announcements WHERE id = $1`, a.ID).Scan(&total); err != nil {
				return fmt.Errorf("storage: unable to read announcement %d: %w", a.ID, err)
			}
			if err := t.announcementEvent(ctx, a.ID, at, 0, "", workflow.AnnounceEventQueued, fmt.Sprintf("%d recipients", total)); err != nil {
				return err
			}
			// The official channel gets it as a post, once, when one is bound.
			post := outbox.Prepared{Text: p.Text, File: p.File}
			_, err := t.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindChannel}, post)
			if err != nil && workflow.ErrorCode(err) != workflow.ENotFound {
				return err
			}
		}
		if queued > 0 {
			if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, '')`, outboxChannel); err != nil {
				return fmt.Errorf("storage: unable to wake the dispatcher: %w", err)
			}
		}
		return nil
	})
	return queued, all, err
}

// AnnouncementCounts returns how many of an announcement's messages to
// residents were sent and given up (undelivered: blocked, or refused).
func (db *DB) AnnouncementCounts(ctx context.Context, id int64) (sent, failed int, err error) {
	err = db.q(ctx).QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE sent_at IS NOT NULL), count(*) FILTER (WHERE failed_at IS NOT NULL)
		FROM outbox WHERE announcement_id = $1`, id).Scan(&sent, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("storage: unable to count announcement %d's messages: %w", id, err)
	}
	return sent, failed, nil
}

// OutboxPending reports whether an outbox row is still waiting to be
// sent (neither sent nor given up); false for no row.
func (db *DB) OutboxPending(ctx context.Context, id int64) (bool, error) {
	var pending bool
	err := db.q(ctx).QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL)`, id).Scan(&pending)
	if err != nil {
		return false, fmt.Errorf("storage: unable to read outbox row %d: %w", id, err)
	}
	return pending, nil
}

// FinishAnnouncement marks an announcement done and records it; false
// when it was done already.
func (db *DB) FinishAnnouncement(ctx context.Context, id int64, details string, at time.Time) (bool, error) {
	var ok bool
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		tag, err := t.tx.Exec(ctx, `UPDATE announcements SET status = $2 WHERE id = $1 AND status = $3`,
			id, workflow.AnnouncementDone, workflow.AnnouncementApproved)
		if err != nil {
			return fmt.Errorf("storage: unable to finish announcement %d: %w", id, err)
		}
		if ok = tag.RowsAffected() == 1; !ok {
			return nil
		}
		return t.announcementEvent(ctx, id, at, 0, "", workflow.AnnounceEventDone, details)
	})
	return ok, err
}

// FindAnnounceIncidents returns the incidents an announcement may be
// addressed to: not answered, made since since, newest first, at most
// limit, each with how many appeals it gathers now.
func (db *DB) FindAnnounceIncidents(ctx context.Context, since time.Time, limit int) ([]workflow.IncidentCount, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT i.id, i.title, (SELECT count(*) FROM appeals a WHERE a.incident_id = i.id)
		FROM incidents i WHERE i.state <> $1 AND i.created_at >= $2
		ORDER BY i.created_at DESC, i.id DESC LIMIT $3`, workflow.IncidentAnswered, since, limit)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find incidents to announce to: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[workflow.IncidentCount])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read incidents to announce to: %w", err)
	}
	return list, nil
}
