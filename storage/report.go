package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/reportrow"
	"mcu/workflow"
)

// receivedAt is when an appeal was received: the day an appeal from
// another channel came in there, or when a bot message was created. The
// index appeals_received is on this expression.
const receivedAt = `coalesce(a.received_at, a.created_at)`

// reportAppeals are the appeals received in [$1, $2), oldest first, each
// with the ratings its resident gave (from the audit trail: a reopen
// clears appeals.rating). The range and the order come from the index
// appeals_received; the ratings from appeal_events_quality.
const reportAppeals = `
	SELECT a.id, coalesce(a.number, ''), a.kind, a.source, a.state, coalesce(a.direction, ''),
		` + receivedAt + `, a.registered_at, a.due_at, a.extended, a.answered_at, a.closed_at,
		a.reopen_count, coalesce(a.executor_id, 0), coalesce(q.ratings, '{}')
	FROM appeals a
	LEFT JOIN LATERAL (
		SELECT array_agg((e.payload->>'rating')::int ORDER BY e.id) AS ratings
		FROM appeal_events e
		WHERE e.appeal_id = a.id AND e.event = 'rate'
	) q ON true
	WHERE ` + receivedAt + ` >= $1 AND ` + receivedAt + ` < $2
	ORDER BY ` + receivedAt + `, a.id`

// reportReturns are the drafts returned on the appeals of reportAppeals,
// in the same order.
const reportReturns = `
	SELECT a.id, coalesce(a.number, ''), coalesce(a.direction, ''), e.at, e.actor_id, e.role,
		coalesce(e.payload->>'reason', '')
	FROM appeals a
	JOIN appeal_events e ON e.appeal_id = a.id AND e.event = 'return'
	WHERE ` + receivedAt + ` >= $1 AND ` + receivedAt + ` < $2
	ORDER BY ` + receivedAt + `, a.id, e.id`

// reportIncidents are the incidents made in [$1, $2), oldest first, each
// with the appeals ever joined to it and those its answer answered,
// counted from the audit trail (a detached appeal no longer points at
// its incident): appeal_events_event_at from the incident's making on.
const reportIncidents = `
	SELECT i.id, i.title, i.direction, i.created_at, i.expected_at, i.state, i.answered_at,
		(SELECT count(DISTINCT e.appeal_id) FROM appeal_events e
			WHERE e.event = 'join_incident' AND e.at >= i.created_at AND (e.payload->>'incident')::bigint = i.id),
		(SELECT count(*) FROM appeal_events e
			WHERE e.event = 'answer_incident' AND e.at >= i.created_at AND (e.payload->>'incident')::bigint = i.id)
	FROM incidents i
	WHERE i.created_at >= $1 AND i.created_at < $2
	ORDER BY i.created_at, i.id`

// ReadMonth feeds sink with what the report of the appeals received in
// [from, to) needs, in the order reportrow.Sink documents, from one
// read-only snapshot: the figures of every sheet agree even while the bot
// works on. Rows are streamed, never collected.
func (db *DB) ReadMonth(ctx context.Context, from, to time.Time, sink reportrow.Sink) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("storage: unable to begin report snapshot: %w", mapError(err))
	}
	// Read only: a rollback is all the ending it needs.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	steps := []func(context.Context, pgx.Tx, time.Time, time.Time, reportrow.Sink) error{
		readReportDirections, readStaffNames, readReportAppeals, readReportReturns, readReportIncidents,
	}
	for _, step := range steps {
		if err := step(ctx, tx, from, to, sink); err != nil {
			return err
		}
	}
	return nil
}

func readReportDirections(ctx context.Context, tx pgx.Tx, _, _ time.Time, sink reportrow.Sink) error {
	rows, err := tx.Query(ctx, `SELECT code, name, position, active FROM directions ORDER BY position, code`)
	if err != nil {
		return fmt.Errorf("storage: unable to read directions: %w", mapError(err))
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByPos[workflow.Direction])
	if err != nil {
		return fmt.Errorf("storage: unable to read directions: %w", mapError(err))
	}
	return sink.Directions(ds)
}

func readStaffNames(ctx context.Context, tx pgx.Tx, _, _ time.Time, sink reportrow.Sink) error {
	rows, err := tx.Query(ctx, `SELECT user_id, name FROM staff`)
	if err != nil {
		return fmt.Errorf("storage: unable to read staff names: %w", mapError(err))
	}
	names := make(map[int64]string)
	var id int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		names[id] = name
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: unable to read staff names: %w", mapError(err))
	}
	return sink.StaffNames(names)
}

func readReportAppeals(ctx context.Context, tx pgx.Tx, from, to time.Time, sink reportrow.Sink) error {
	rows, err := tx.Query(ctx, reportAppeals, from, to)
	if err != nil {
		return fmt.Errorf("storage: unable to read the month's appeals: %w", mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var a reportrow.Appeal
		var registered, due, answered, closed *time.Time
		err := rows.Scan(&a.ID, &a.Number, &a.Kind, &a.Source, &a.State, &a.Direction,
			&a.ReceivedAt, &registered, &due, &a.Extended, &answered, &closed,
			&a.ReopenCount, &a.ExecutorID, &a.Ratings)
		if err != nil {
			return fmt.Errorf("storage: unable to read an appeal of the month: %w", mapError(err))
		}
		a.RegisteredAt, a.DueAt, a.AnsweredAt, a.ClosedAt = deref(registered), deref(due), deref(answered), deref(closed)
		if err := sink.Appeal(&a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: unable to read the month's appeals: %w", mapError(err))
	}
	return nil
}

func readReportReturns(ctx context.Context, tx pgx.Tx, from, to time.Time, sink reportrow.Sink) error {
	rows, err := tx.Query(ctx, reportReturns, from, to)
	if err != nil {
		return fmt.Errorf("storage: unable to read returned drafts: %w", mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r reportrow.Return
		if err := rows.Scan(&r.AppealID, &r.Number, &r.Direction, &r.At, &r.ActorID, &r.Role, &r.Reason); err != nil {
			return fmt.Errorf("storage: unable to read a returned draft: %w", mapError(err))
		}
		if err := sink.Return(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: unable to read returned drafts: %w", mapError(err))
	}
	return nil
}

func readReportIncidents(ctx context.Context, tx pgx.Tx, from, to time.Time, sink reportrow.Sink) error {
	rows, err := tx.Query(ctx, reportIncidents, from, to)
	if err != nil {
		return fmt.Errorf("storage: unable to read the month's incidents: %w", mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var i reportrow.Incident
		var expected, answered *time.Time
		err := rows.Scan(&i.ID, &i.Title, &i.Direction, &i.CreatedAt, &expected, &i.State, &answered,
			&i.Gathered, &i.Answered)
		if err != nil {
			return fmt.Errorf("storage: unable to read an incident of the month: %w", mapError(err))
		}
		i.ExpectedAt, i.AnsweredAt = deref(expected), deref(answered)
		if err := sink.Incident(&i); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: unable to read the month's incidents: %w", mapError(err))
	}
	return nil
}
