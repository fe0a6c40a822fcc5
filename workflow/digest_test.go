package workflow_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/workflow"
)

func digestClock(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestNewDigestWindow: «due soon» ends with the third working day, today
// counted when it is one; the periods are 30 days each; a missing or
// future «since» means a day ago.
func TestNewDigestWindow(t *testing.T) {
	loc := digestClock(t)
	cal := workflow.NewCalendar(nil, nil)
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, loc) }
	cases := []struct {
		name      string
		since     time.Time
		now       time.Time
		wantSince time.Time
		wantDueBy time.Time
	}{
		{"a Monday: Monday to Wednesday", at(2026, 3, 15, 9), at(2026, 3, 16, 9), at(2026, 3, 15, 9), at(2026, 3, 18, 0)},
		{"a Friday before a holiday Monday (9 March 2026)", at(2026, 3, 5, 9), at(2026, 3, 6, 9), at(2026, 3, 5, 9), at(2026, 3, 11, 0)},
		{"a Saturday: the next three working days", at(2026, 3, 6, 9), at(2026, 3, 7, 9), at(2026, 3, 6, 9), at(2026, 3, 12, 0)},
		{"late at night", at(2026, 3, 16, 9), at(2026, 3, 16, 23), at(2026, 3, 16, 9), at(2026, 3, 18, 0)},
		{"no previous digest", time.Time{}, at(2026, 3, 16, 9), at(2026, 3, 15, 9), at(2026, 3, 18, 0)},
		{"a previous digest in the future", at(2026, 3, 17, 9), at(2026, 3, 16, 9), at(2026, 3, 15, 9), at(2026, 3, 18, 0)},
	}
	for _, c := range cases {
		w := workflow.NewDigestWindow(cal, loc, c.since, c.now)
		want := workflow.DigestWindow{
			Since: c.wantSince, Now: c.now, DueBy: workflow.EndOfDay(c.wantDueBy),
			PeriodStart: c.now.AddDate(0, 0, -30), PreviousStart: c.now.AddDate(0, 0, -60),
			Location: loc, Worst: 5, Escalations: 5,
		}
		if diff := cmp.Diff(want, w, cmp.Comparer(func(a, b *time.Location) bool { return a == b })); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", c.name, diff)
		}
	}
}

func TestDaysLate(t *testing.T) {
	loc := digestClock(t)
	due := time.Date(2026, 3, 16, 23, 59, 59, 0, loc)
	cases := []struct {
		now  time.Time
		want int
	}{
		{due.Add(time.Second), 1},
		{time.Date(2026, 3, 17, 9, 0, 0, 0, loc), 1},
		{due.Add(24*time.Hour - time.Second), 1},
		{due.Add(24 * time.Hour), 2},
		{time.Date(2026, 3, 28, 9, 0, 0, 0, loc), 12},
	}
	for _, c := range cases {
		if got := workflow.DaysLate(due, c.now); got != c.want {
			t.Errorf("DaysLate(%v, %v) = %d, want %d", due, c.now, got, c.want)
		}
	}
}

func TestClosedStates(t *testing.T) {
	want := []workflow.State{workflow.StateAnswered, workflow.StateClosed, workflow.StateRejected,
		workflow.StateRedirected, workflow.StateWithdrawn}
	if diff := cmp.Diff(want, workflow.ClosedStates()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestComputeDigest: directions in order with inactive ones and triage
// after them, totals, the worst overdue sorted and cut, days late, the
// escalated appeals sorted and cut (their count kept), and the quality
// figures of both periods.
func TestComputeDigest(t *testing.T) {
	loc := digestClock(t)
	cal := workflow.NewCalendar(nil, nil)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, loc)
	w := workflow.NewDigestWindow(cal, loc, now.Add(-24*time.Hour), now)
	date := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	due := func(m time.Month, d int) time.Time { return workflow.EndOfDay(time.Date(2026, m, d, 0, 0, 0, 0, loc)) }
	at8 := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 8, 0, 0, 0, loc) }
	dirs := []workflow.Direction{{Code: "politics", Name: "Внутренняя политика"}, {Code: "housing", Name: "ЖКХ"}}
	rows := workflow.DigestRows{
		New:     map[string]int{"housing": 3, "": 1, "old": 0},
		Open:    map[string]int{"housing": 10, "politics": 2, "old": 1, "": 2},
		Overdue: map[string]int{"housing": 4, "old": 1, "": 1},
		Worst: []workflow.OverdueAppeal{
			{ID: 5, Number: "2026-000005", Direction: "housing", DueAt: due(3, 10)},
			{ID: 2, Number: "2026-000002", Direction: "", DueAt: due(3, 5)},
			{ID: 4, Number: "2026-000004", Direction: "housing", DueAt: due(3, 10)},
			{ID: 9, Number: "2026-000009", Direction: "old", DueAt: due(3, 16)},
			{ID: 7, Number: "2026-000007", Direction: "housing", DueAt: due(3, 12)},
			{ID: 8, Number: "2026-000008", Direction: "housing", DueAt: due(3, 13)},
		},
		DueSoon: 3, Answered: 4, Closed: 2,
		// Seven escalated, six listed out of order (the store lists at
		// most five; the digest sorts and cuts all the same).
		Escalated: 7,
		Escalations: []workflow.EscalatedAppeal{
			{ID: 11, Number: "2026-000011", Direction: "housing", SentAt: at8(3, 17)},
			{ID: 3, Number: "2026-000003", Direction: "", Redirect: true, SentAt: at8(3, 16).Add(time.Hour)},
			{ID: 12, Number: "2026-000012", Direction: "politics", SentAt: at8(3, 17)},
			{ID: 10, Number: "2026-000010", Direction: "housing", SentAt: at8(3, 17)},
			{ID: 1, Number: "2026-000001", Direction: "old", SentAt: at8(3, 17).Add(time.Hour)},
			{ID: 13, Number: "2026-000013", Direction: "housing", SentAt: at8(3, 17)},
		},
		Current: workflow.PeriodRows{
			Answers: []workflow.AnswerCount{
				// Registered Monday 2 March, answered Friday 6 March: 4 working days.
				{Registered: date(3, 2), Answered: date(3, 6), Count: 2, OnTime: 2},
				// Friday 6 March to Thursday 12 March: 10 and 11 are working,
				// 9 March is a day off: 10, 11, 12 — 3 working days.
				{Registered: date(3, 6), Answered: date(3, 12), Count: 1, OnTime: 1},
				// Thursday 12 February to Monday 16 March: 20 working days
				// (23 February and 9 March off).
				{Registered: date(2, 12), Answered: date(3, 16), Count: 1, OnTime: 0},
			},
			Ratings: 3, GoodRatings: 2, Reopens: 1,
		},
		Previous: workflow.PeriodRows{
			Answers: []workflow.AnswerCount{{Registered: date(2, 2), Answered: date(2, 12), Count: 2, OnTime: 2}},
			Ratings: 3, GoodRatings: 2,
		},
	}
	got := workflow.ComputeDigest(w, cal, dirs, rows)
	want := workflow.Digest{
		Since: now.Add(-24 * time.Hour), Now: now,
		Directions: []workflow.DirectionFigures{
			{Code: "politics", Name: "Внутренняя политика", Open: 2},
			{Code: "housing", Name: "ЖКХ", New: 3, Open: 10, Overdue: 4},
			{Code: "old", Name: "old", Open: 1, Overdue: 1},
			{Code: "", Name: "", New: 1, Open: 2, Overdue: 1},
		},
		New: 4, Open: 15, Overdue: 6,
		Worst: []workflow.OverdueAppeal{
			{ID: 2, Number: "2026-000002", Direction: "", DueAt: due(3, 5), DaysLate: 12},
			{ID: 4, Number: "2026-000004", Direction: "housing", DueAt: due(3, 10), DaysLate: 7},
			{ID: 5, Number: "2026-000005", Direction: "housing", DueAt: due(3, 10), DaysLate: 7},
			{ID: 7, Number: "2026-000007", Direction: "housing", DueAt: due(3, 12), DaysLate: 5},
			{ID: 8, Number: "2026-000008", Direction: "housing", DueAt: due(3, 13), DaysLate: 4},
		},
		DueSoon: 3, DueBy: w.DueBy, Answered: 4, Closed: 2,
		Escalated: 7,
		Escalations: []workflow.EscalatedAppeal{
			{ID: 3, Number: "2026-000003", Direction: "", Redirect: true, SentAt: at8(3, 16).Add(time.Hour)},
			{ID: 10, Number: "2026-000010", Direction: "housing", SentAt: at8(3, 17)},
			{ID: 11, Number: "2026-000011", Direction: "housing", SentAt: at8(3, 17)},
			{ID: 12, Number: "2026-000012", Direction: "politics", SentAt: at8(3, 17)},
			{ID: 13, Number: "2026-000013", Direction: "housing", SentAt: at8(3, 17)},
		},
		// (2×4 + 3 + 20) / 4 = 7.75, shown as 7.8 (rounded up); before:
		// 2 February to 12 February, 8 working days.
		AnswerTime: workflow.Indicator{Value: 7.8, Known: true, Previous: 8, PreviousKnown: true, Target: 8, LowerIsBetter: true},
		// 3 of 4 on time; before, 2 of 2.
		OnTime: workflow.Indicator{Value: 75, Known: true, Previous: 100, PreviousKnown: true, Target: 100},
		// 2 of 3 ratings are 4–5 (66.7 % shown as 66 %), as before.
		GoodRatings: workflow.Indicator{Value: 66, Known: true, Previous: 66, PreviousKnown: true, Target: 60},
		// 1 reopening per 4 answers; none before.
		Reopens: workflow.Indicator{Value: 25, Known: true, Previous: 0, PreviousKnown: true, LowerIsBetter: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestIndicators: a shown figure never meets a target the exact one
// misses; the trend compares what is shown; a period with nothing to
// measure has no figure and no trend.
func TestIndicators(t *testing.T) {
	loc := digestClock(t)
	cal := workflow.NewCalendar(nil, nil)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, loc)
	w := workflow.NewDigestWindow(cal, loc, time.Time{}, now)
	// answers returns n answers of days working days each, onTime of them
	// on time: registered on Monday 2 March 2026, a run of working days.
	answers := func(n, days, onTime int) []workflow.AnswerCount {
		reg := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		return []workflow.AnswerCount{{Registered: reg, Answered: cal.AddWorkdays(reg, days), Count: n, OnTime: onTime}}
	}
	cases := []struct {
		name     string
		cur      workflow.PeriodRows
		prev     workflow.PeriodRows
		pick     func(workflow.Digest) workflow.Indicator
		value    float64
		known    bool
		met      bool
		trend    workflow.Trend
		improved bool
	}{
		{name: "answer time exactly 8", cur: workflow.PeriodRows{Answers: answers(3, 8, 3)}, prev: workflow.PeriodRows{Answers: answers(1, 9, 1)},
			pick: answerTime, value: 8, known: true, met: true, trend: workflow.TrendDown, improved: true},
		{name: "answer time 8.01 shows 8.1", cur: workflow.PeriodRows{Answers: append(answers(99, 8, 99), answers(1, 9, 1)...)},
			pick: answerTime, value: 8.1, known: true, met: false, trend: workflow.TrendUnknown},
		{name: "on time 99.9 % shows 99 %", cur: workflow.PeriodRows{Answers: append(answers(999, 3, 999), answers(1, 3, 0)...)},
			prev: workflow.PeriodRows{Answers: answers(5, 3, 5)},
			pick: onTime, value: 99, known: true, met: false, trend: workflow.TrendDown},
		{name: "good ratings 59.9 % shows 59 %", cur: workflow.PeriodRows{Ratings: 1000, GoodRatings: 599},
			prev: workflow.PeriodRows{Ratings: 10, GoodRatings: 5},
			pick: goodRatings, value: 59, known: true, met: false, trend: workflow.TrendUp, improved: true},
		{name: "good ratings 60 %", cur: workflow.PeriodRows{Ratings: 5, GoodRatings: 3},
			prev: workflow.PeriodRows{Ratings: 5, GoodRatings: 3},
			pick: goodRatings, value: 60, known: true, met: true, trend: workflow.TrendSame},
		{name: "no ratings", prev: workflow.PeriodRows{Ratings: 5, GoodRatings: 3},
			pick: goodRatings, known: false, met: false, trend: workflow.TrendUnknown},
		{name: "one reopening in 300 answers shows 1 %", cur: workflow.PeriodRows{Answers: answers(300, 2, 300), Reopens: 1},
			prev: workflow.PeriodRows{Answers: answers(10, 2, 10)},
			pick: reopens, value: 1, known: true, met: false, trend: workflow.TrendUp},
		{name: "no answers: no time, no share, no reopen rate", cur: workflow.PeriodRows{Reopens: 2},
			pick: reopens, known: false, trend: workflow.TrendUnknown},
	}
	for _, c := range cases {
		d := workflow.ComputeDigest(w, cal, nil, workflow.DigestRows{Current: c.cur, Previous: c.prev})
		i := c.pick(d)
		if i.Value != c.value || i.Known != c.known || i.Met() != c.met || i.Trend() != c.trend || i.Improved() != c.improved {
			t.Errorf("%s: %+v: value %v known %v met %v trend %v improved %v; want %v %v %v %v %v", c.name, i,
				i.Value, i.Known, i.Met(), i.Trend(), i.Improved(), c.value, c.known, c.met, c.trend, c.improved)
		}
	}
}

func answerTime(d workflow.Digest) workflow.Indicator  { return d.AnswerTime }
func onTime(d workflow.Digest) workflow.Indicator      { return d.OnTime }
func goodRatings(d workflow.Digest) workflow.Indicator { return d.GoodRatings }
func reopens(d workflow.Digest) workflow.Indicator     { return d.Reopens }

// TestSeesAppeal: who may open an appeal's card from the digest.
func TestSeesAppeal(t *testing.T) {
	housing := &workflow.Appeal{Direction: "housing"}
	triage := &workflow.Appeal{}
	cases := []struct {
		grants        []workflow.Grant
		housing, tria bool
	}{
		{nil, false, false},
		{[]workflow.Grant{{Role: workflow.RoleHead}}, true, true},
		{[]workflow.Grant{{Role: workflow.RoleLeader}}, true, true},
		{[]workflow.Grant{{Role: workflow.RoleAdmin}}, true, true},
		{[]workflow.Grant{{Role: workflow.RoleOperator}}, true, true},
		{[]workflow.Grant{{Role: workflow.RoleCurator, Direction: "housing"}}, true, false},
		{[]workflow.Grant{{Role: workflow.RoleExecutor, Direction: "housing"}}, true, false},
		{[]workflow.Grant{{Role: workflow.RoleCurator, Direction: "economy"}, {Role: workflow.RoleExecutor, Direction: "social"}}, false, false},
	}
	for _, c := range cases {
		if got := workflow.SeesAppeal(c.grants, housing); got != c.housing {
			t.Errorf("%v sees a housing appeal: %v, want %v", c.grants, got, c.housing)
		}
		if got := workflow.SeesAppeal(c.grants, triage); got != c.tria {
			t.Errorf("%v sees an appeal in triage: %v, want %v", c.grants, got, c.tria)
		}
	}
}
