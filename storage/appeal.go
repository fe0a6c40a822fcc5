package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/similar"
	"mcu/workflow"
)

// appealColumns are selected by every query that returns appeals, in the
// order scanAppeal reads them.
const appealColumns = `a.id, coalesce(a.year, 0), coalesce(a.seq, 0), a.kind, a.source, a.state,
	coalesce(a.direction, ''), coalesce(a.resident_id, 0), coalesce(r.telegram_user_id, 0),
	a.text, a.address, a.latitude, a.longitude, coalesce(a.executor_id, 0),
	a.draft, a.answer, a.reason, a.due_at, a.extended, coalesce(a.rating, 0), a.solved,
	a.reopen_count, a.version, a.created_at, a.registered_at, a.answered_at, a.closed_at, a.updated_at,
	a.received_at, coalesce(a.incident_id, 0), a.forgotten_at IS NOT NULL`

const appealFrom = ` FROM appeals a LEFT JOIN residents r ON r.id = a.resident_id`

func scanAppeal(row pgx.Row) (*workflow.Appeal, error) {
	var a workflow.Appeal
	var lat, lon *float64
	var due, registered, answered, closed, received *time.Time
	err := row.Scan(&a.ID, &a.Year, &a.Seq, &a.Kind, &a.Source, &a.State,
		&a.Direction, &a.ResidentID, &a.ResidentUserID,
		&a.Text, &a.Address, &lat, &lon, &a.ExecutorID,
		&a.Draft, &a.Answer, &a.Reason, &due, &a.Extended, &a.Rating, &a.Solved,
		&a.ReopenCount, &a.Version, &a.CreatedAt, &registered, &answered, &closed, &a.UpdatedAt,
		&received, &a.IncidentID, &a.Forgotten)
	if err != nil {
		return nil, err
	}
	if lat != nil && lon != nil {
		a.Location = &workflow.Location{Latitude: *lat, Longitude: *lon}
	}
	a.DueAt = deref(due)
	a.RegisteredAt = deref(registered)
	a.AnsweredAt = deref(answered)
	a.ClosedAt = deref(closed)
	a.ReceivedAt = deref(received)
	return &a, nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// nullTime returns nil for the zero time, so it is stored as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullInt(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

// CreateAppeal inserts a new appeal and sets a.ID.
func (t *Tx) CreateAppeal(ctx context.Context, a *workflow.Appeal, contactName, contact string) error {
	var lat, lon *float64
	if a.Location != nil {
		lat, lon = &a.Location.Latitude, &a.Location.Longitude
	}
	var rating *int
	if a.Rating != 0 {
		rating = &a.Rating
	}
	addr := similar.NormalAddress(a.Address)
	err := t.tx.QueryRow(ctx, `
		INSERT INTO appeals (kind, source, state, direction, resident_id, text, address,
			latitude, longitude, rating, version, created_at, updated_at, received_at,
			similar_text, address_key, street_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		RETURNING id`,
		a.Kind, a.Source, a.State, nullString(a.Direction), nullInt(a.ResidentID), a.Text, a.Address,
		lat, lon, rating, a.Version, a.CreatedAt, a.UpdatedAt, nullTime(a.ReceivedAt),
		similar.Text(a.Text), addr.Key, addr.Street).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("storage: unable to create appeal: %w", mapError(err))
	}
	if contactName != "" || contact != "" {
		_, err := t.tx.Exec(ctx, `INSERT INTO appeal_contacts (appeal_id, name, contact) VALUES ($1, $2, $3)`,
			a.ID, contactName, contact)
		if err != nil {
			return fmt.Errorf("storage: unable to store contact of appeal %d: %w", a.ID, mapError(err))
		}
	}
	return nil
}

// LockAppeal loads an appeal FOR UPDATE, with its attachments.
func (t *Tx) LockAppeal(ctx context.Context, id int64) (*workflow.Appeal, error) {
	a, err := scanAppeal(t.tx.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.id = $1 FOR UPDATE OF a`, id))
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, workflow.Errorf(workflow.ENotFound, "appeal %d not found", id)
		}
		return nil, fmt.Errorf("storage: unable to lock appeal %d: %w", id, mapError(err))
	}
	if a.Attachments, err = findAttachments(ctx, t.tx, id, workflow.PurposeAppeal); err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAppeal writes the mutable fields of a; the stored version must be
// a.Version-1, or it fails with a conflict.
func (t *Tx) UpdateAppeal(ctx context.Context, a *workflow.Appeal) error {
	var rating *int
	if a.Rating != 0 {
		rating = &a.Rating
	}
	var year, seq *int
	if a.Year != 0 {
		year, seq = &a.Year, &a.Seq
	}
	tag, err := t.tx.Exec(ctx, `
		UPDATE appeals SET year = $2, seq = $3, state = $4, direction = $5, executor_id = $6,
			draft = $7, answer = $8, reason = $9, due_at = $10, extended = $11, rating = $12,
			solved = $13, reopen_count = $14, version = $15, registered_at = $16,
			answered_at = $17, closed_at = $18, updated_at = $19, incident_id = $20
		WHERE id = $1 AND version = $15 - 1`,
		a.ID, year, seq, a.State, nullString(a.Direction), nullInt(a.ExecutorID),
		a.Draft, a.Answer, a.Reason, nullTime(a.DueAt), a.Extended, rating,
		a.Solved, a.ReopenCount, a.Version, nullTime(a.RegisteredAt),
		nullTime(a.AnsweredAt), nullTime(a.ClosedAt), a.UpdatedAt, nullInt(a.IncidentID))
	if err != nil {
		return fmt.Errorf("storage: unable to update appeal %d: %w", a.ID, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return workflow.Errorf(workflow.EConflict, "appeal %d was changed concurrently", a.ID)
	}
	return nil
}

// NextAppealSeq returns the next registration sequence of year. The
// counter row stays locked until the transaction ends, so numbers are
// consecutive and a rolled-back registration leaves no gap.
func (t *Tx) NextAppealSeq(ctx context.Context, year int) (int, error) {
	var seq int
	err := t.tx.QueryRow(ctx, `
		INSERT INTO appeal_numbers (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = appeal_numbers.last + 1
		RETURNING last`, year).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to take registration number of %d: %w", year, mapError(err))
	}
	return seq, nil
}

// AddAttachments stores files of an appeal.
func (t *Tx) AddAttachments(ctx context.Context, appealID int64, purpose string, files []workflow.Attachment) error {
	for _, f := range files {
		_, err := t.tx.Exec(ctx, `
			INSERT INTO appeal_attachments (appeal_id, purpose, kind, file_id, file_unique_id)
			VALUES ($1, $2, $3, $4, $5)`, appealID, purpose, f.Kind, f.FileID, f.FileUniqueID)
		if err != nil {
			return fmt.Errorf("storage: unable to add attachment to appeal %d: %w", appealID, mapError(err))
		}
	}
	return nil
}

func findAttachments(ctx context.Context, q querier, appealID int64, purpose string) ([]workflow.Attachment, error) {
	rows, err := q.Query(ctx, `
		SELECT kind, file_id, file_unique_id FROM appeal_attachments
		WHERE appeal_id = $1 AND purpose = $2 ORDER BY id`, appealID, purpose)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find attachments of appeal %d: %w", appealID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.Attachment, error) {
		var f workflow.Attachment
		err := row.Scan(&f.Kind, &f.FileID, &f.FileUniqueID)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read attachments of appeal %d: %w", appealID, err)
	}
	return out, nil
}

// FindResidentAppealTimes returns when the resident's appeals created at
// or after since were created, oldest first.
func (t *Tx) FindResidentAppealTimes(ctx context.Context, residentID int64, since time.Time) ([]time.Time, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT created_at FROM appeals WHERE resident_id = $1 AND created_at >= $2 ORDER BY created_at`,
		residentID, since)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find recent appeals: %w", err)
	}
	times, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read recent appeals: %w", err)
	}
	return times, nil
}

// FindAppeal returns an appeal with its attachments.
func (db *DB) FindAppeal(ctx context.Context, id int64) (*workflow.Appeal, error) {
	return db.findAppeal(ctx, `a.id = $1`, id)
}

// FindAppealByNumber returns the appeal with registration number
// YYYY-NNNNNN.
func (db *DB) FindAppealByNumber(ctx context.Context, number string) (*workflow.Appeal, error) {
	year, seq, err := workflow.ParseNumber(number)
	if err != nil {
		return nil, err
	}
	return db.findAppeal(ctx, `a.year = $1 AND a.seq = $2`, year, seq)
}

func (db *DB) findAppeal(ctx context.Context, where string, args ...any) (*workflow.Appeal, error) {
	a, err := scanAppeal(db.q(ctx).QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE `+where, args...))
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, workflow.Errorf(workflow.ENotFound, "appeal not found")
		}
		return nil, fmt.Errorf("storage: unable to find appeal: %w", err)
	}
	if a.Attachments, err = findAttachments(ctx, db.pool, a.ID, workflow.PurposeAppeal); err != nil {
		return nil, err
	}
	return a, nil
}

// AppealFilter selects appeals; zero fields select everything.
type AppealFilter struct {
	ResidentID int64
	Direction  string
	States     []workflow.State
	Limit      int
	Offset     int
}

// FindAppeals returns the appeals matching f, newest first, without
// attachments, and how many match in all.
func (db *DB) FindAppeals(ctx context.Context, f AppealFilter) ([]*workflow.Appeal, int, error) {
	where := `($1 = 0 OR a.resident_id = $1) AND ($2 = '' OR a.direction = $2)
		AND (cardinality($3::text[]) = 0 OR a.state = ANY($3))`
	states := make([]string, len(f.States))
	for i, s := range f.States {
		states[i] = string(s)
	}
	var total int
	err := db.q(ctx).QueryRow(ctx, `SELECT count(*) FROM appeals a WHERE `+where,
		f.ResidentID, f.Direction, states).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to count appeals: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.q(ctx).Query(ctx, `SELECT `+appealColumns+appealFrom+` WHERE `+where+`
		ORDER BY a.created_at DESC, a.id DESC LIMIT $4 OFFSET $5`,
		f.ResidentID, f.Direction, states, limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to find appeals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*workflow.Appeal, error) { return scanAppeal(row) })
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to read appeals: %w", err)
	}
	return out, total, nil
}
