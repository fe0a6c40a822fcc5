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

// incidentColumns are selected by every query that returns incidents, in
// the order scanIncident reads them.
const incidentColumns = `i.id, i.direction, i.title, i.expected_at, i.state, i.draft, i.draft_files, coalesce(i.draft_by, 0),
	i.returned, i.answer, i.created_by, i.version, i.created_at, i.updated_at, i.answered_at`

func scanIncident(row pgx.Row) (*workflow.Incident, error) {
	var inc workflow.Incident
	var expected, answered *time.Time
	var files []byte
	err := row.Scan(&inc.ID, &inc.Direction, &inc.Title, &expected, &inc.State, &inc.Draft, &files, &inc.DraftBy,
		&inc.Returned, &inc.Answer, &inc.CreatedBy, &inc.Version, &inc.CreatedAt, &inc.UpdatedAt, &answered)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(files, &inc.DraftFiles); err != nil {
		return nil, fmt.Errorf("storage: unable to decode the draft's photos of incident %d: %w", inc.ID, err)
	}
	inc.ExpectedAt, inc.AnsweredAt = deref(expected), deref(answered)
	return &inc, nil
}

// CreateIncident inserts inc and sets inc.ID.
func (t *Tx) CreateIncident(ctx context.Context, inc *workflow.Incident) error {
	err := t.tx.QueryRow(ctx, `
		INSERT INTO incidents (direction, title, expected_at, state, created_by, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		inc.Direction, inc.Title, nullTime(inc.ExpectedAt), inc.State, inc.CreatedBy, inc.Version, inc.CreatedAt).Scan(&inc.ID)
	if err != nil {
		return fmt.Errorf("storage: unable to create incident: %w", mapError(err))
	}
	return nil
}

// LockIncident loads an incident FOR UPDATE.
func (t *Tx) LockIncident(ctx context.Context, id int64) (*workflow.Incident, error) {
	inc, err := scanIncident(t.tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENotFound, "incident %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: unable to lock incident %d: %w", id, mapError(err))
	}
	return inc, nil
}

// UpdateIncident writes the mutable fields of inc; the stored version
// must be inc.Version-1, or it fails with a conflict.
func (t *Tx) UpdateIncident(ctx context.Context, inc *workflow.Incident) error {
	files, err := json.Marshal(inc.DraftFiles)
	if err != nil || inc.DraftFiles == nil {
		files = []byte("[]")
	}
	tag, err := t.tx.Exec(ctx, `
		UPDATE incidents SET title = $2, expected_at = $3, state = $4, draft = $5, draft_by = $6,
			returned = $7, answer = $8, version = $9, updated_at = $10, answered_at = $11, draft_files = $12
		WHERE id = $1 AND version = $9 - 1`,
		inc.ID, inc.Title, nullTime(inc.ExpectedAt), inc.State, inc.Draft, nullInt(inc.DraftBy),
		inc.Returned, inc.Answer, inc.Version, inc.UpdatedAt, nullTime(inc.AnsweredAt), files)
	if err != nil {
		return fmt.Errorf("storage: unable to update incident %d: %w", inc.ID, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return workflow.Errorf(workflow.EConflict, "incident %d was changed concurrently", inc.ID)
	}
	return nil
}

// FindIncidentAppeals returns the ids of the appeals joined to incident
// id, oldest first.
func (t *Tx) FindIncidentAppeals(ctx context.Context, id int64) ([]int64, error) {
	rows, err := t.tx.Query(ctx, `SELECT id FROM appeals WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find the appeals of incident %d: %w", id, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read the appeals of incident %d: %w", id, err)
	}
	return ids, nil
}

// FindAppealIncident returns the incident appeal appealID is joined to
// (0 for none), or not found.
func (t *Tx) FindAppealIncident(ctx context.Context, appealID int64) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, `SELECT coalesce(incident_id, 0) FROM appeals WHERE id = $1`, appealID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, workflow.Errorf(workflow.ENotFound, "appeal %d not found", appealID)
	}
	if err != nil {
		return 0, fmt.Errorf("storage: unable to find the incident of appeal %d: %w", appealID, err)
	}
	return id, nil
}

// FindIncident returns an incident by id, or not found.
func (db *DB) FindIncident(ctx context.Context, id int64) (*workflow.Incident, error) {
	inc, err := scanIncident(db.q(ctx).QueryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENotFound, "incident %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find incident %d: %w", id, err)
	}
	return inc, nil
}

// similarLooked is how many of the most similar appeals are looked at
// for an open incident to offer.
const similarLooked = 20

// similarIncident finds, among the appeals similar to appealID (most
// similar first), the first one joined to an open incident; s is filled
// with the incident and how many appeals it gathers (left as it is when
// there is none).
func similarIncident(ctx context.Context, q querier, found []SimilarAppeal, s *outbox.Similar) error {
	if len(found) == 0 {
		return nil
	}
	ids := make([]int64, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	err := q.QueryRow(ctx, `
		SELECT i.id, i.title, (SELECT count(*) FROM appeals j WHERE j.incident_id = i.id)
		FROM appeals a JOIN incidents i ON i.id = a.incident_id
		WHERE a.id = ANY($1) AND i.state <> 'answered'
		ORDER BY array_position($1, a.id) LIMIT 1`, ids).Scan(&s.IncidentID, &s.IncidentTitle, &s.IncidentCount)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("storage: unable to find the incident of similar appeals: %w", err)
	}
	return nil
}

// FindJoinTarget returns what «Объединить» on the card of appeal
// appealID joins it to: the open incident of a similar appeal (incident
// set), or else the most similar appeal (appeal set, no incident yet); both 0
// when there is no similar appeal.
func (db *DB) FindJoinTarget(ctx context.Context, appealID int64) (appeal, incident int64, err error) {
	q := db.q(ctx)
	found, _, err := findSimilar(ctx, q, appealID, db.similarWindow, similarLooked)
	if err != nil || len(found) == 0 {
		return 0, 0, err
	}
	var s outbox.Similar
	if err := similarIncident(ctx, q, found, &s); err != nil {
		return 0, 0, err
	}
	return found[0].ID, s.IncidentID, nil
}

// incidentListed is how many of an incident's appeals its card loads:
// the card names the first few and counts the rest.
const incidentListed = 50

// loadIncidentCard loads what an incident's card shows: the incident,
// its appeals (the first incidentListed; the count is the incident's
// Count) and its card in the chat.
func (t *Tx) loadIncidentCard(ctx context.Context, m *outbox.Message) error {
	id := m.Notification.IncidentID
	inc, err := scanIncident(t.tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = $1`, id))
	if err != nil {
		return fmt.Errorf("storage: unable to load incident %d of outbox message %d: %w", id, m.ID, err)
	}
	m.Incident = inc
	rows, err := t.tx.Query(ctx, `
		SELECT coalesce(number, ''), address, state FROM appeals WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("storage: unable to load the appeals of incident %d: %w", id, err)
	}
	m.IncidentAppeals, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (outbox.IncidentAppeal, error) {
		var a outbox.IncidentAppeal
		err := row.Scan(&a.Number, &a.Address, &a.State)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("storage: unable to read the appeals of incident %d: %w", id, err)
	}
	err = t.tx.QueryRow(ctx, `SELECT message_id FROM incident_cards WHERE incident_id = $1 AND chat_id = $2`,
		id, m.ChatID).Scan(&m.CardMessageID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("storage: unable to find the card of incident %d: %w", id, err)
	}
	return nil
}

// rememberIncidentCard records the message that holds an incident's card
// in a chat.
func (t *Tx) rememberIncidentCard(ctx context.Context, m outbox.Message, messageID int) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO incident_cards (incident_id, chat_id, thread_id, message_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (incident_id, chat_id) DO UPDATE SET message_id = $4, thread_id = $3, updated_at = now()`,
		m.Notification.IncidentID, m.ChatID, m.ThreadID, messageID)
	if err != nil {
		return fmt.Errorf("storage: unable to remember the card of incident %d: %w", m.Notification.IncidentID, err)
	}
	return nil
}

// loadAppealIncident sets m.Incident to the incident m's appeal is
// joined to, for its collapsed card.
func (t *Tx) loadAppealIncident(ctx context.Context, m *outbox.Message) error {
	if m.Appeal.IncidentID == 0 {
		return nil
	}
	inc, err := scanIncident(t.tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = $1`, m.Appeal.IncidentID))
	if err != nil {
		return fmt.Errorf("storage: unable to load the incident of appeal %d: %w", m.Appeal.ID, err)
	}
	m.Incident = inc
	return nil
}
