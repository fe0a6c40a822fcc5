package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// openAppeals selects the appeals open now (workflow.State.Open). It is
// the predicate of the partial indexes appeals_due_open and
// appeals_open_direction word for word, so that the planner uses them;
// TestDigestOpenPredicate keeps it in step with workflow.ClosedStates.
const openAppeals = `state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered')`

// The digest's queries, one job each (see workflow.DigestRows), with the
// index each one reads named. Times are compared as instants; the answer
// times group by local dates, in the time zone named by the window's
// location.
const (
	// New appeals by direction: appeals_created (created_at, direction).
	digestNewSQL = `
		SELECT coalesce(direction, ''), count(*) FROM appeals
		WHERE created_at >= $1 AND created_at < $2
		GROUP BY 1`
	// Open and overdue appeals by direction: appeals_open_direction.
	digestOpenSQL = `
		SELECT coalesce(direction, ''), count(*), count(*) FILTER (WHERE due_at < $1) FROM appeals
		WHERE ` + openAppeals + `
		GROUP BY 1`
	// The most overdue: appeals_due_open, read in order.
	digestWorstSQL = `
		SELECT id, year, seq, coalesce(direction, ''), due_at FROM appeals
		WHERE ` + openAppeals + ` AND due_at < $1
		ORDER BY due_at, number LIMIT $2`
	// Due soon: appeals_due_open.
	digestDueSoonSQL = `
		SELECT count(*) FROM appeals
		WHERE ` + openAppeals + ` AND due_at >= $1 AND due_at <= $2`
	// Answers (an appeal's own approved, or its incident's) and closings
	// since the last digest: appeal_events_event_at.
	digestSinceSQL = `
		SELECT count(*) FILTER (WHERE event IN ('approve', 'answer_incident')), count(*) FILTER (WHERE event = 'close')
		FROM appeal_events
		WHERE event IN ('approve', 'answer_incident', 'close') AND at >= $1 AND at < $2`
	// Answers of both periods by registration date and answer date: the
	// approvals and incident answers in appeal_events_event_at joined with their appeals in
	// appeals_answered. An appeal's answered_at is its latest approval
	// (nothing clears it), so every appeal approved in the window has
	// answered_at in it or later: the condition on a.answered_at loses
	// no row and lets the join read 60 days of appeals from an index
	// instead of all of them from the table.
	digestAnswersSQL = `
		SELECT e.at >= $2, (a.registered_at AT TIME ZONE $4)::date, (e.at AT TIME ZONE $4)::date,
			count(*), count(*) FILTER (WHERE e.at <= a.due_at)
		FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id
		WHERE e.event IN ('approve', 'answer_incident') AND e.at >= $1 AND e.at < $3
			AND a.answered_at >= $1 AND a.registered_at IS NOT NULL
		GROUP BY 1, 2, 3`
	// Ratings and reopenings of both periods: appeal_events_event_at.
	digestJudgedSQL = `
		SELECT at >= $2, count(*) FILTER (WHERE event = 'rate'),
			count(*) FILTER (WHERE event = 'rate' AND (payload->>'rating')::int >= 4),
			count(*) FILTER (WHERE event = 'reopen')
		FROM appeal_events
		WHERE event IN ('rate', 'reopen') AND at >= $1 AND at < $3
		GROUP BY 1`
	// Incidents: not answered now, with the appeals joined to them; made
	// and answered since the last digest. The table holds a row per
	// problem, not per message: it is read whole.
	digestIncidentsSQL = `
		SELECT count(*) FILTER (WHERE i.state <> 'answered'),
			coalesce(sum(j.n) FILTER (WHERE i.state <> 'answered'), 0),
			count(*) FILTER (WHERE i.created_at >= $1 AND i.created_at < $2),
			count(*) FILTER (WHERE i.answered_at >= $1 AND i.answered_at < $2)
		FROM incidents i
		LEFT JOIN LATERAL (SELECT count(*) AS n FROM appeals a WHERE a.incident_id = i.id) j ON i.state <> 'answered'
		WHERE i.state <> 'answered' OR i.created_at >= $1 OR i.answered_at >= $1`
	// Appeals escalated since the last digest (deadline control's
	// escalate and redirect_escalate alerts): deadline_alerts_escalations,
	// then each appeal by its key. An appeal escalated twice in the window
	// is its latest escalation; the first $3 (all for 0) are listed, each
	// row with how many there are in all.
	digestEscalationsSQL = `
		SELECT appeal_id, year, seq, direction, redirect, sent_at, count(*) OVER ()
		FROM (
			SELECT DISTINCT ON (d.appeal_id) d.appeal_id, a.year, a.seq, coalesce(a.direction, '') AS direction,
				d.threshold = 'redirect_escalate' AS redirect, d.sent_at
			FROM deadline_alerts d JOIN appeals a ON a.id = d.appeal_id
			WHERE d.threshold IN ('escalate', 'redirect_escalate') AND d.sent_at >= $1 AND d.sent_at < $2
			ORDER BY d.appeal_id, d.sent_at DESC
		) e
		ORDER BY sent_at, appeal_id LIMIT nullif($3::int, 0)`
)

// digestQuery is one of the digest's queries with its arguments for a
// window, and what reads its rows into the digest's rows.
type digestQuery struct {
	name string
	sql  string
	args func(w workflow.DigestWindow) []any
	scan func(rows pgx.Rows, out *workflow.DigestRows) error
}

// digestQueries are the digest's queries in the order they run.
var digestQueries = []digestQuery{
	{"new", digestNewSQL, func(w workflow.DigestWindow) []any { return []any{w.Since, w.Now} }, scanNew},
	{"open", digestOpenSQL, func(w workflow.DigestWindow) []any { return []any{w.Now} }, scanOpen},
	{"worst", digestWorstSQL, func(w workflow.DigestWindow) []any { return []any{w.Now, w.Worst} }, scanWorst},
	{"due_soon", digestDueSoonSQL, func(w workflow.DigestWindow) []any { return []any{w.Now, w.DueBy} }, scanDueSoon},
	{"since", digestSinceSQL, func(w workflow.DigestWindow) []any { return []any{w.Since, w.Now} }, scanSince},
	{"answers", digestAnswersSQL, func(w workflow.DigestWindow) []any {
		return []any{w.PreviousStart, w.PeriodStart, w.Now, w.Location.String()}
	}, scanAnswers},
	{"judged", digestJudgedSQL, func(w workflow.DigestWindow) []any {
		return []any{w.PreviousStart, w.PeriodStart, w.Now}
	}, scanJudged},
	{"incidents", digestIncidentsSQL, func(w workflow.DigestWindow) []any { return []any{w.Since, w.Now} }, scanIncidents},
	{"escalations", digestEscalationsSQL, func(w workflow.DigestWindow) []any {
		return []any{w.Since, w.Now, w.Escalations}
	}, scanEscalations},
}

// FindDigestRows counts what the digest of window w shows. Its queries
// run in one read-only transaction at one snapshot, sent in one round
// trip.
func (db *DB) FindDigestRows(ctx context.Context, w workflow.DigestWindow) (workflow.DigestRows, error) {
	out := workflow.DigestRows{New: map[string]int{}, Open: map[string]int{}, Overdue: map[string]int{}}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			batch := &pgx.Batch{}
			for _, q := range digestQueries {
				batch.Queue(q.sql, q.args(w)...).Query(func(rows pgx.Rows) error {
					if err := q.scan(rows, &out); err != nil {
						return fmt.Errorf("%s: %w", q.name, err)
					}
					return nil
				})
			}
			return tx.SendBatch(ctx, batch).Close()
		})
	if err != nil {
		return workflow.DigestRows{}, fmt.Errorf("storage: unable to count the digest: %w", err)
	}
	return out, nil
}

// scanByDirection reads rows of a direction and counts into the maps.
func scanByDirection(rows pgx.Rows, into ...map[string]int) error {
	for rows.Next() {
		var code string
		counts := make([]int, len(into))
		dest := []any{&code}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, m := range into {
			m[code] = counts[i]
		}
	}
	return rows.Err()
}

func scanNew(rows pgx.Rows, out *workflow.DigestRows) error {
	return scanByDirection(rows, out.New)
}

func scanOpen(rows pgx.Rows, out *workflow.DigestRows) error {
	return scanByDirection(rows, out.Open, out.Overdue)
}

func scanWorst(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		var a workflow.OverdueAppeal
		var year, seq int
		if err := rows.Scan(&a.ID, &year, &seq, &a.Direction, &a.DueAt); err != nil {
			return err
		}
		a.Number = workflow.FormatNumber(year, seq)
		out.Worst = append(out.Worst, a)
	}
	return rows.Err()
}

func scanDueSoon(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		if err := rows.Scan(&out.DueSoon); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanSince(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		if err := rows.Scan(&out.Answered, &out.Closed); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanIncidents(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		f := &out.Incidents
		if err := rows.Scan(&f.Open, &f.Appeals, &f.Made, &f.Answered); err != nil {
			return err
		}
	}
	return rows.Err()
}

// period returns the rows of the current period or the previous one.
func period(out *workflow.DigestRows, current bool) *workflow.PeriodRows {
	if current {
		return &out.Current
	}
	return &out.Previous
}

func scanAnswers(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		var current bool
		var a workflow.AnswerCount
		if err := rows.Scan(&current, &a.Registered, &a.Answered, &a.Count, &a.OnTime); err != nil {
			return err
		}
		p := period(out, current)
		p.Answers = append(p.Answers, a)
	}
	return rows.Err()
}

func scanJudged(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		var current bool
		var ratings, good, reopens int
		if err := rows.Scan(&current, &ratings, &good, &reopens); err != nil {
			return err
		}
		p := period(out, current)
		p.Ratings, p.GoodRatings, p.Reopens = ratings, good, reopens
	}
	return rows.Err()
}

func scanEscalations(rows pgx.Rows, out *workflow.DigestRows) error {
	for rows.Next() {
		var a workflow.EscalatedAppeal
		var year, seq int
		if err := rows.Scan(&a.ID, &year, &seq, &a.Direction, &a.Redirect, &a.SentAt, &out.Escalated); err != nil {
			return err
		}
		a.Number = workflow.FormatNumber(year, seq)
		out.Escalations = append(out.Escalations, a)
	}
	return rows.Err()
}
