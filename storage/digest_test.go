package storage_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/workflow"
)

// digestSeed writes appeals and audit events straight into the tables,
// so that every boundary of the digest's window can be set to the second.
type digestSeed struct {
	t   *testing.T
	db  *storage.DB
	seq int
}

// appeal inserts an appeal of direction ("" for triage) in state, created
// (and registered) at created and due at due (zero for none), and returns
// its id.
func (s *digestSeed) appeal(direction string, state workflow.State, created, due time.Time) int64 {
	s.t.Helper()
	s.seq++
	var dir *string
	if direction != "" {
		dir = &direction
	}
	var dueAt *time.Time
	if !due.IsZero() {
		dueAt = &due
	}
	var id int64
	err := s.db.Pool().QueryRow(context.Background(), `
		INSERT INTO appeals (year, seq, kind, source, state, direction, text, due_at, created_at, registered_at, updated_at)
		VALUES (2026, $1, 'message', 'bot', $2, $3, 'Текст', $4, $5, $5, $5) RETURNING id`,
		s.seq, state, dir, dueAt, created).Scan(&id)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// event appends an audit event of an appeal with a JSON payload. An
// approval also moves the appeal's answered_at to it when it is the
// latest, as the workflow does.
func (s *digestSeed) event(appealID int64, event workflow.Event, at time.Time, payload string) {
	s.t.Helper()
	dbtest.Exec(s.t, s.db, `
		INSERT INTO appeal_events (appeal_id, at, actor_kind, event, from_state, to_state, payload)
		VALUES ($1, $2, 'system', $3, '', '', $4)`, appealID, at, event, payload)
	if event == workflow.EventApprove {
		dbtest.Exec(s.t, s.db, `UPDATE appeals SET answered_at = greatest(answered_at, $2) WHERE id = $1`, appealID, at)
	}
}

// TestFindDigestRows counts on appeals and events set at the edges of the
// window: [Since, Now) for new appeals, answers and closings; due at Now
// is not overdue; due soon ends with DueBy; the periods are half-open;
// answer dates are local dates (Moscow), not UTC ones.
func TestFindDigestRows(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	s := &digestSeed{t: t, db: db}
	msk := moscow(t)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, msk)
	since := now.Add(-24 * time.Hour)
	w := workflow.NewDigestWindow(workflow.NewCalendar(nil, nil), msk, since, now)
	sec := time.Second
	old := time.Date(2026, 3, 2, 10, 0, 0, 0, msk)

	// New since: created at Since counts, at Now does not.
	s.appeal("housing", workflow.StateInProgress, since.Add(-sec), now.Add(-sec))    // 1: overdue by a second
	s.appeal("housing", workflow.StateAssigned, since, now)                          // 2: new; due at Now: due soon, not overdue
	s.appeal("social", workflow.StateRegistered, now, w.DueBy)                       // 3: not new; due soon at its last second
	s.appeal("social", workflow.StateClosed, since.Add(time.Hour), old)              // 4: new, not open
	s.appeal("", workflow.StateRegistered, since.Add(2*time.Hour), w.DueBy.Add(sec)) // 5: new in triage, not due soon
	s.appeal("economy", workflow.StateReceived, old, time.Time{})                    // 6: open with no deadline
	for _, st := range workflow.ClosedStates() {                                     // 7–11: not open
		s.appeal("economy", st, old, old)
	}
	// Overdue in politics: six, two of them due at the same moment (by
	// number then); the five earliest are listed.
	for i, due := range []time.Time{old.Add(5 * time.Hour), old, old.Add(time.Hour), old, old.Add(3 * time.Hour), old.Add(4 * time.Hour)} {
		st := []workflow.State{workflow.StateAssigned, workflow.StateInProgress, workflow.StateClarification,
			workflow.StateOnApproval, workflow.StateReopened, workflow.StateRegistered}[i]
		s.appeal("politics", st, old, due) // 12–17
	}

	// Answers and closings since the last digest.
	s.event(2, workflow.EventApprove, since, `{}`)
	s.event(2, workflow.EventApprove, now, `{}`) // at Now: not yet
	s.event(4, workflow.EventClose, since.Add(time.Minute), `{"solved":"yes"}`)
	s.event(4, workflow.EventClose, since.Add(-sec), `{}`) // before Since
	s.event(4, workflow.EventReject, since.Add(time.Minute), `{}`)

	// Answer times: registered late on 2 March in Moscow is 3 March
	// there (still 2 March in UTC); answered early on 10 March in Moscow,
	// once at the deadline itself (on time) and once a second later.
	due := time.Date(2026, 3, 10, 0, 30, 0, 0, msk)
	reg := s.appeal("housing", workflow.StateAnswered, time.Date(2026, 3, 3, 1, 0, 0, 0, msk), due) // 18
	s.event(reg, workflow.EventApprove, due, `{}`)
	s.event(reg, workflow.EventApprove, due.Add(sec), `{}`)
	// The periods are half-open: [PreviousStart, PeriodStart) and
	// [PeriodStart, Now).
	for _, at := range []time.Time{w.PeriodStart, w.PeriodStart.Add(-sec), w.PreviousStart, w.PreviousStart.Add(-sec), now} {
		s.event(1, workflow.EventApprove, at, `{}`)
	}
	// Ratings: current 4 and 3; previous 5 and 2; one before both.
	s.event(1, workflow.EventRate, now.Add(-time.Hour), `{"rating":4}`)
	s.event(1, workflow.EventRate, now.Add(-2*time.Hour), `{"rating":3}`)
	s.event(1, workflow.EventRate, w.PeriodStart.Add(-time.Hour), `{"rating":5}`)
	s.event(1, workflow.EventRate, w.PreviousStart, `{"rating":2}`)
	s.event(1, workflow.EventRate, w.PreviousStart.Add(-sec), `{"rating":5}`)
	// Reopenings: one current, two previous, one at Now (not yet).
	s.event(1, workflow.EventReopen, now.Add(-time.Hour), `{"solved":"no"}`)
	s.event(1, workflow.EventReopen, w.PeriodStart.Add(-time.Hour), `{"solved":"partly"}`)
	s.event(1, workflow.EventReopen, w.PreviousStart, `{"solved":"no"}`)
	s.event(1, workflow.EventReopen, now, `{"solved":"no"}`)

	got, err := db.FindDigestRows(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	utcDate := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	// Appeals 1 and 2 were registered (created) on 16 March in Moscow;
	// appeal 1 is due at the digest, so its answers are all on time.
	want := workflow.DigestRows{
		New:     map[string]int{"housing": 1, "social": 1, "": 1},
		Open:    map[string]int{"housing": 2, "social": 1, "": 1, "economy": 1, "politics": 6},
		Overdue: map[string]int{"housing": 1, "social": 0, "": 0, "economy": 0, "politics": 6},
		Worst: []workflow.OverdueAppeal{
			{ID: 13, Number: "2026-000013", Direction: "politics", DueAt: old},
			{ID: 15, Number: "2026-000015", Direction: "politics", DueAt: old},
			{ID: 14, Number: "2026-000014", Direction: "politics", DueAt: old.Add(time.Hour)},
			{ID: 16, Number: "2026-000016", Direction: "politics", DueAt: old.Add(3 * time.Hour)},
			{ID: 17, Number: "2026-000017", Direction: "politics", DueAt: old.Add(4 * time.Hour)},
		},
		DueSoon: 2, Answered: 1, Closed: 1,
		Current: workflow.PeriodRows{
			Answers: []workflow.AnswerCount{
				{Registered: utcDate(3, 3), Answered: utcDate(3, 10), Count: 2, OnTime: 1},
				{Registered: utcDate(3, 16), Answered: utcDate(2, 15), Count: 1, OnTime: 1},
				{Registered: utcDate(3, 16), Answered: utcDate(3, 16), Count: 1, OnTime: 1}, // appeal 2 at Since
			},
			Ratings: 2, GoodRatings: 1, Reopens: 1,
		},
		Previous: workflow.PeriodRows{
			Answers: []workflow.AnswerCount{
				{Registered: utcDate(3, 16), Answered: utcDate(1, 16), Count: 1, OnTime: 1},
				{Registered: utcDate(3, 16), Answered: utcDate(2, 15), Count: 1, OnTime: 1},
			},
			Ratings: 2, GoodRatings: 1, Reopens: 2,
		},
	}
	byDate := cmpopts.SortSlices(func(a, b workflow.AnswerCount) bool {
		return a.Registered.Before(b.Registered) || a.Registered.Equal(b.Registered) && a.Answered.Before(b.Answered)
	})
	if diff := cmp.Diff(want, got, byDate, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// alert records an alert of deadline control about an appeal, as
// control does (storage.DB.SendAlert) with nothing to send.
func (s *digestSeed) alert(appealID int64, threshold string, due, sent time.Time) {
	s.t.Helper()
	dbtest.Exec(s.t, s.db, `INSERT INTO deadline_alerts (appeal_id, threshold, due_at, sent_at) VALUES ($1, $2, $3, $4)`,
		appealID, threshold, due, sent)
}

// TestFindDigestRowsEscalations: the appeals escalated in [Since, Now),
// by either threshold that escalates and no other, each once (its latest
// escalation), earliest first, the first five listed and all counted.
func TestFindDigestRowsEscalations(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	s := &digestSeed{t: t, db: db}
	msk := moscow(t)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, msk)
	since := now.Add(-24 * time.Hour)
	w := workflow.NewDigestWindow(workflow.NewCalendar(nil, nil), msk, since, now)
	old := time.Date(2026, 3, 2, 10, 0, 0, 0, msk)
	due, later := time.Date(2026, 3, 16, 23, 59, 59, 0, msk), time.Date(2026, 3, 26, 23, 59, 59, 0, msk)
	var ids []int64
	for _, dir := range []string{"housing", "", "politics", "politics", "social", "economy", "property", "housing", "housing", "housing"} {
		ids = append(ids, s.appeal(dir, workflow.StateInProgress, old, due))
	}
	s.alert(ids[0], "escalate", due, since)                          // 1: at Since
	s.alert(ids[1], "redirect_escalate", due, since.Add(time.Hour))  // 2: in triage, 59-ФЗ
	s.alert(ids[2], "escalate", due, since.Add(-time.Second))        // 3: before Since
	s.alert(ids[3], "escalate", due, now)                            // 4: at Now: not yet
	s.alert(ids[4], "remind_1", due, since.Add(2*time.Hour))         // 5: a reminder
	s.alert(ids[5], "escalate", due, since.Add(30*time.Minute))      // 6: escalated,
	s.alert(ids[5], "escalate", later, now.Add(-time.Second))        //    extended and escalated again
	s.alert(ids[6], "redirect_escalate", due, since.Add(-time.Hour)) // 7: not redirected before,
	s.alert(ids[6], "escalate", later, since.Add(3*time.Hour))       //    its deadline passed since
	for _, id := range ids[7:] {                                     // 8–10
		s.alert(id, "escalate", due, since.Add(4*time.Hour))
	}

	got, err := db.FindDigestRows(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	esc := func(id int64, dir string, redirect bool, sent time.Time) workflow.EscalatedAppeal {
		return workflow.EscalatedAppeal{ID: id, Number: workflow.FormatNumber(2026, int(id)), Direction: dir, Redirect: redirect, SentAt: sent}
	}
	want := []workflow.EscalatedAppeal{
		esc(1, "housing", false, since),
		esc(2, "", true, since.Add(time.Hour)),
		esc(7, "property", false, since.Add(3*time.Hour)),
		esc(8, "housing", false, since.Add(4*time.Hour)),
		esc(9, "housing", false, since.Add(4*time.Hour)),
	}
	timeEqual := cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
	if diff := cmp.Diff(want, got.Escalations, timeEqual); diff != "" {
		t.Errorf("escalations listed (-want +got)\n%s", diff)
	}
	// 1, 2, 6, 7, 8, 9, 10.
	if got.Escalated != 7 {
		t.Errorf("%d appeals escalated, want 7", got.Escalated)
	}

	w.Escalations = 0
	if all, err := db.FindDigestRows(context.Background(), w); err != nil || len(all.Escalations) != 7 || all.Escalated != 7 ||
		all.Escalations[6].ID != 6 || !all.Escalations[6].SentAt.Equal(now.Add(-time.Second)) {
		t.Errorf("with no limit: %+v, %v; want all 7, 6 last at its latest escalation", all.Escalations, err)
	}
	// The hour before 7's redirect alert (at its end: not in it).
	w.Since, w.Now = since.Add(-2*time.Hour), since.Add(-time.Hour)
	if none, err := db.FindDigestRows(context.Background(), w); err != nil || len(none.Escalations) != 0 || none.Escalated != 0 {
		t.Errorf("none escalated: %+v, %d, %v", none.Escalations, none.Escalated, err)
	}
}

// TestDigestOpenPredicate: the digest's «open» is the workflow's, and the
// partial indexes the digest reads have the same predicate (or the
// planner could not use them).
func TestDigestOpenPredicate(t *testing.T) {
	t.Parallel()
	var closed []string
	for _, m := range regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(storage.OpenAppealsSQL, -1) {
		closed = append(closed, m[1])
	}
	var want []string
	for _, s := range workflow.ClosedStates() {
		want = append(want, string(s))
	}
	slices.Sort(closed)
	slices.Sort(want)
	if !slices.Equal(closed, want) {
		t.Errorf("open appeals are %s; the workflow's closed states are %v", storage.OpenAppealsSQL, want)
	}
	db := dbtest.New(t)
	rows, err := db.Pool().Query(context.Background(), `
		SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('appeals_due_open', 'appeals_open_direction')`)
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		_, defs[name], _ = strings.Cut(def, " WHERE ")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(defs) != 2 || defs["appeals_due_open"] != defs["appeals_open_direction"] {
		t.Errorf("the partial indexes of open appeals differ: %v", defs)
	}
}

func moscow(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
