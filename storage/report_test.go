package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/internal/dbtest"
	"mcu/reportrow"
	"mcu/workflow"
)

// recorder is a reportrow.Sink that keeps what it is fed, in order.
type recorder struct {
	calls      []string
	directions []workflow.Direction
	names      map[int64]string
	appeals    []reportrow.Appeal
	returns    []reportrow.Return
	incidents  []reportrow.Incident
	stopAt     string // the call that fails, if any
}

var errStop = errors.New("stop")

func (r *recorder) note(call string) error {
	r.calls = append(r.calls, call)
	if call == r.stopAt {
		return errStop
	}
	return nil
}

func (r *recorder) Directions(ds []workflow.Direction) error {
	r.directions = ds
	return r.note("directions")
}

func (r *recorder) StaffNames(names map[int64]string) error {
	r.names = names
	return r.note("staff")
}

func (r *recorder) Appeal(a *reportrow.Appeal) error {
	r.appeals = append(r.appeals, *a)
	return r.note("appeal " + a.Number)
}

func (r *recorder) Return(x *reportrow.Return) error {
	r.returns = append(r.returns, *x)
	return r.note("return " + x.Number)
}

func (r *recorder) Incident(i *reportrow.Incident) error {
	r.incidents = append(r.incidents, *i)
	return r.note("incident " + i.Title)
}

// TestReadMonth: the month is [from, to) of the receipt (the receipt date
// of another channel, the creation of a bot message), oldest first;
// ratings come from the audit trail even after a reopen cleared the
// appeal's; returns follow their appeals; nothing else is read.
func TestReadMonth(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	msk, _ := time.LoadLocation("Europe/Moscow")
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, msk)
	to := from.AddDate(0, 1, 0)
	dbtest.Exec(t, db, `INSERT INTO staff (user_id, name) VALUES (501, 'Петров'), (502, 'Сидорова')`)
	// 1: a bot message created 00:30 MSK on 1 November (21:30 UTC on 31 October).
	// 2: a letter received in October, registered in November: not in the month.
	// 3: a letter received on 30 November, created in December: in the month.
	// 4: a bot message created at midnight of 1 December: not in the month.
	// 5: reopened after a rating of 2, then rated 5; two drafts returned.
	dbtest.Exec(t, db, `
		INSERT INTO appeals (id, year, seq, kind, source, state, direction, text, created_at, updated_at,
			received_at, registered_at, due_at, answered_at, extended, reopen_count, executor_id)
		VALUES
		(1, 2026, 1, 'message', 'bot', 'assigned', 'housing', 't', '2026-10-31 21:30Z', now(), NULL, '2026-10-31 21:30Z', '2026-11-16 20:59:59Z', NULL, false, 0, NULL),
		(2, 2026, 2, 'appeal59', 'email', 'assigned', 'social', 't', '2026-11-02 09:00+03', now(), '2026-10-30 00:00+03', '2026-11-02 09:00+03', '2026-12-02 23:59:59+03', NULL, false, 0, NULL),
		(3, 2026, 3, 'appeal59', 'pos', 'registered', NULL, 't', '2026-12-01 10:00+03', now(), '2026-11-30 00:00+03', '2026-12-01 10:00+03', '2026-12-31 23:59:59+03', NULL, true, 0, NULL),
		(4, 2026, 4, 'message', 'bot', 'assigned', 'housing', 't', '2026-12-01 00:00+03', now(), NULL, '2026-12-01 00:00+03', NULL, NULL, false, 0, NULL),
		(5, 2026, 5, 'message', 'bot', 'answered', 'housing', 't', '2026-11-10 12:00+03', now(), NULL, '2026-11-10 12:00+03', '2026-11-24 23:59:59+03', '2026-11-20 15:00+03', false, 1, 501)`)
	dbtest.Exec(t, db, `
		INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload) VALUES
		(5, '2026-11-12 10:00+03', 'staff', 502, 'curator', 'return', 'on_approval', 'in_progress', '{"reason": "отписка"}'),
		(5, '2026-11-13 10:00+03', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 2}'),
		(1, '2026-11-13 11:00+03', 'staff', 502, 'curator', 'return', 'on_approval', 'in_progress', '{"reason": "нет срока"}'),
		(5, '2026-11-14 10:00+03', 'resident', 9, '', 'reopen', 'answered', 'reopened', '{"solved": "no"}'),
		(5, '2026-11-18 10:00+03', 'staff', 502, 'admin', 'return', 'on_approval', 'in_progress', '{"reason": "противоречия"}'),
		(5, '2026-11-21 10:00+03', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 5}'),
		(4, '2026-12-02 10:00+03', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 1}')`)
	// Incidents: «Отопление» made on 5 November gathered 1, 2 and 5; 2
	// was detached, 1 and 5 answered by it. «Октябрь» (31 October 23:00)
	// and «Декабрь» (1 December 00:00) are not the month's; «Декабрь»
	// joined 5 too, and is not counted for «Отопление».
	dbtest.Exec(t, db, `
		INSERT INTO incidents (id, direction, title, expected_at, state, created_by, created_at, answered_at) VALUES
		(1, 'housing', 'Отопление', '2026-11-06 18:00+03', 'answered', 501, '2026-11-05 10:00+03', '2026-11-07 12:00+03'),
		(2, 'housing', 'Октябрь', NULL, 'open', 501, '2026-10-31 23:00+03', NULL),
		(3, 'housing', 'Декабрь', NULL, 'open', 501, '2026-12-01 00:00+03', NULL);
		INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload) VALUES
		(1, '2026-11-05 10:00+03', 'staff', 501, 'curator', 'join_incident', 'assigned', 'assigned', '{"incident": 1}'),
		(2, '2026-11-05 11:00+03', 'staff', 501, 'curator', 'join_incident', 'assigned', 'assigned', '{"incident": 1}'),
		(5, '2026-11-05 12:00+03', 'staff', 501, 'curator', 'join_incident', 'assigned', 'assigned', '{"incident": 1}'),
		(2, '2026-11-06 11:00+03', 'staff', 501, 'curator', 'leave_incident', 'assigned', 'assigned', '{"incident": 1}'),
		(1, '2026-11-07 12:00+03', 'staff', 502, 'curator', 'answer_incident', 'assigned', 'answered', '{"incident": 1}'),
		(5, '2026-11-07 12:00+03', 'staff', 502, 'curator', 'answer_incident', 'assigned', 'answered', '{"incident": 1}'),
		(5, '2026-12-01 10:00+03', 'staff', 501, 'curator', 'join_incident', 'assigned', 'assigned', '{"incident": 3}')`)

	var r recorder
	if err := db.ReadMonth(ctx, from, to, &r); err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{"directions", "staff", "appeal 2026-000001", "appeal 2026-000005", "appeal 2026-000003",
		"return 2026-000001", "return 2026-000005", "return 2026-000005", "incident Отопление"}
	if diff := cmp.Diff(wantCalls, r.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if len(r.directions) != 5 || r.directions[0].Code != "politics" || r.names[502] != "Сидорова" {
		t.Errorf("directions %v, staff %v", r.directions, r.names)
	}
	want5 := reportrow.Appeal{
		ID: 5, Number: "2026-000005", Kind: workflow.KindMessage, Source: workflow.SourceBot,
		State: workflow.StateAnswered, Direction: "housing",
		ReceivedAt:   time.Date(2026, 11, 10, 12, 0, 0, 0, msk),
		RegisteredAt: time.Date(2026, 11, 10, 12, 0, 0, 0, msk),
		DueAt:        time.Date(2026, 11, 24, 23, 59, 59, 0, msk),
		AnsweredAt:   time.Date(2026, 11, 20, 15, 0, 0, 0, msk),
		ReopenCount:  1, ExecutorID: 501, Ratings: []int{2, 5},
	}
	if len(r.appeals) == 3 {
		if diff := cmp.Diff(want5, r.appeals[1], cmp.Comparer(time.Time.Equal)); diff != "" {
			t.Errorf("appeal 5 (-want +got):\n%s", diff)
		}
		if a := r.appeals[2]; a.Direction != "" || !a.Extended || !a.ReceivedAt.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, msk)) || len(a.Ratings) != 0 {
			t.Errorf("appeal 3: %+v", a)
		}
	}
	if len(r.returns) == 3 {
		got := r.returns[2]
		if got.ActorID != 502 || got.Role != "admin" || got.Reason != "противоречия" || got.Direction != "housing" ||
			!got.At.Equal(time.Date(2026, 11, 18, 10, 0, 0, 0, msk)) {
			t.Errorf("the last return: %+v", got)
		}
	}
	wantIncident := reportrow.Incident{ID: 1, Title: "Отопление", Direction: "housing",
		CreatedAt:  time.Date(2026, 11, 5, 10, 0, 0, 0, msk),
		ExpectedAt: time.Date(2026, 11, 6, 18, 0, 0, 0, msk), State: workflow.IncidentAnswered,
		AnsweredAt: time.Date(2026, 11, 7, 12, 0, 0, 0, msk), Gathered: 3, Answered: 2}
	if len(r.incidents) == 1 {
		if diff := cmp.Diff(wantIncident, r.incidents[0], cmp.Comparer(time.Time.Equal)); diff != "" {
			t.Errorf("the incident (-want +got):\n%s", diff)
		}
	}

	stopped := recorder{stopAt: "appeal 2026-000005"}
	if err := db.ReadMonth(ctx, from, to, &stopped); !errors.Is(err, errStop) || len(stopped.calls) != 4 {
		t.Errorf("a sink error: %v after %v, want it returned at once", err, stopped.calls)
	}
}
