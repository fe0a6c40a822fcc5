package report

import (
	"testing"
	"time"

	"mcu/reportrow"
	"mcu/workflow"
)

var msk = mustLocation("Europe/Moscow")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a time in Moscow: at(11, 2, 10) is 2 November 2026, 10:00.
func at(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, msk)
}

func TestAssess(t *testing.T) {
	cal := workflow.NewCalendar(nil, nil)
	asOf := at(12, 3, 10)
	due := workflow.EndOfDay(at(11, 16, 0))
	tests := []struct {
		name string
		a    reportrow.Appeal
		want outcome
	}{
		{"answered on time, across the holiday of 4 November",
			reportrow.Appeal{State: workflow.StateClosed, ReceivedAt: at(11, 2, 10), RegisteredAt: at(11, 2, 10), DueAt: due, AnsweredAt: at(11, 6, 12)},
			outcome{answered: true, onTime: true, days: 3}},
		{"answered at the last second of the deadline",
			reportrow.Appeal{State: workflow.StateAnswered, ReceivedAt: at(11, 2, 10), RegisteredAt: at(11, 2, 10), DueAt: due, AnsweredAt: due},
			outcome{answered: true, onTime: true, days: 9}},
		{"answered a second late, on the next day",
			reportrow.Appeal{State: workflow.StateAnswered, ReceivedAt: at(11, 2, 10), RegisteredAt: at(11, 2, 10), DueAt: due, AnsweredAt: due.Add(time.Second)},
			outcome{answered: true, overdue: true, days: 10}},
		{"answered the day it was registered",
			reportrow.Appeal{State: workflow.StateAnswered, ReceivedAt: at(11, 27, 8), RegisteredAt: at(11, 27, 8), DueAt: at(11, 28, 8), AnsweredAt: at(11, 27, 20)},
			outcome{answered: true, onTime: true, days: 0}},
		{"open past the deadline",
			reportrow.Appeal{State: workflow.StateInProgress, ReceivedAt: at(11, 2, 10), RegisteredAt: at(11, 2, 10), DueAt: due},
			outcome{overdue: true}},
		{"open within the deadline",
			reportrow.Appeal{State: workflow.StateClarification, ReceivedAt: at(11, 30, 10), RegisteredAt: at(11, 30, 10), DueAt: at(12, 14, 23)},
			outcome{}},
		{"rejected past the deadline: closed, not overdue",
			reportrow.Appeal{State: workflow.StateRejected, ReceivedAt: at(11, 2, 10), RegisteredAt: at(11, 2, 10), DueAt: due, ClosedAt: at(11, 3, 9)},
			outcome{}},
		{"reopened after an answer in time, still open past the deadline: the answer counts",
			reportrow.Appeal{State: workflow.StateReopened, ReceivedAt: at(11, 2, 10), RegisteredAt: at(11, 2, 10), DueAt: due, AnsweredAt: at(11, 6, 12), ReopenCount: 1},
			outcome{answered: true, onTime: true, days: 3, reopened: true}},
		{"registered 4 days after receipt",
			reportrow.Appeal{State: workflow.StateAssigned, ReceivedAt: at(11, 5, 0), RegisteredAt: at(11, 9, 9), DueAt: at(12, 9, 23)},
			outcome{lateRegistered: true}},
		{"registered 3 days after receipt, late in the evening",
			reportrow.Appeal{State: workflow.StateAssigned, ReceivedAt: at(11, 20, 0), RegisteredAt: at(11, 23, 23), DueAt: at(12, 23, 23)},
			outcome{}},
		{"not registered 4 days after receipt",
			reportrow.Appeal{State: workflow.StateReceived, ReceivedAt: at(11, 29, 10)},
			outcome{lateRegistered: true}},
		{"not registered for 3 days",
			reportrow.Appeal{State: workflow.StateReceived, ReceivedAt: at(11, 30, 10)},
			outcome{}},
		{"withdrawn before registration",
			reportrow.Appeal{State: workflow.StateWithdrawn, ReceivedAt: at(11, 2, 10), ClosedAt: at(11, 2, 11)},
			outcome{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := assess(&tt.a, asOf, msk, cal); got != tt.want {
				t.Errorf("assess = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRegistrationDelayTakesDatesInTheZone(t *testing.T) {
	// 23:30 in Moscow on 1 November is 20:30 UTC: the same date in both,
	// while 00:30 Moscow on 2 November is still 1 November in UTC.
	tests := []struct {
		from, to time.Time
		want     int
	}{
		{at(11, 1, 23), at(11, 2, 0), 1},
		{at(11, 1, 0), at(11, 1, 23), 0},
		{at(11, 1, 10), at(11, 4, 10), 3},
		{at(10, 30, 10), at(11, 2, 10), 3},
	}
	for _, tt := range tests {
		if got := workflow.RegistrationDelay(tt.from, tt.to, msk); got != tt.want {
			t.Errorf("RegistrationDelay(%v, %v) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		hist map[int]int
		want float64
		ok   bool
	}{
		{"nothing", map[int]int{}, 0, false},
		{"one", map[int]int{7: 1}, 7, true},
		{"odd", map[int]int{1: 1, 3: 1, 12: 1}, 3, true},
		{"even: the mean of the middle two", map[int]int{3: 1, 12: 1}, 7.5, true},
		{"repeated values", map[int]int{0: 3, 10: 1}, 0, true},
		{"middle pair across values", map[int]int{2: 2, 5: 2}, 3.5, true},
		{"middle pair within one value", map[int]int{1: 1, 4: 3, 9: 2}, 4, true},
		{"zero counts are nothing", map[int]int{5: 0}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := median(tt.hist)
			if got != tt.want || ok != tt.ok {
				t.Errorf("median(%v) = %v, %v; want %v, %v", tt.hist, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTally(t *testing.T) {
	tl := newTally()
	tl.add(&reportrow.Appeal{Kind: workflow.KindMessage, Source: workflow.SourceBot, Ratings: []int{2, 4}},
		outcome{answered: true, overdue: true, days: 12, reopened: true})
	tl.add(&reportrow.Appeal{Kind: workflow.KindMessage, Source: workflow.SourceBot, Ratings: []int{5}},
		outcome{answered: true, onTime: true, days: 3})
	tl.add(&reportrow.Appeal{Kind: workflow.KindAppeal59, Source: workflow.SourceEmail},
		outcome{lateRegistered: true})
	check := func(name string, got, want float64, gotOK, wantOK bool) {
		t.Helper()
		if got != want || gotOK != wantOK {
			t.Errorf("%s = %v, %v; want %v, %v", name, got, gotOK, want, wantOK)
		}
	}
	if tl.received != 3 || tl.byKind[workflow.KindMessage] != 2 || tl.bySource[workflow.SourceEmail] != 1 ||
		tl.answered != 2 || tl.onTime != 1 || tl.overdue != 1 || tl.reopened != 1 || tl.lateRegistered != 1 || tl.ratings != 3 {
		t.Errorf("counts %+v", *tl)
	}
	v, ok := tl.averageDays()
	check("averageDays", v, 7.5, ok, true)
	v, ok = tl.medianDays()
	check("medianDays", v, 7.5, ok, true)
	v, ok = tl.averageRating()
	check("averageRating", v, 11.0/3, ok, true)
	v, ok = tl.shareHigh()
	check("shareHigh", v, 2.0/3, ok, true)
	v, ok = tl.reopenRate()
	check("reopenRate", v, 0.5, ok, true)

	empty := newTally()
	v, ok = empty.averageRating()
	check("averageRating of nothing", v, 0, ok, false)
	v, ok = empty.averageDays()
	check("averageDays of nothing", v, 0, ok, false)
}

func TestDirectionOrder(t *testing.T) {
	ds := []workflow.Direction{
		{Code: "politics", Active: true}, {Code: "social", Active: false},
		{Code: "housing", Active: true}, {Code: "economy", Active: false},
	}
	f := newFigures()
	f.direction("economy")  // inactive, with appeals: shown
	f.direction("archived") // not listed at all: shown after the listed ones
	got := directionOrder(ds, f)
	want := []string{"politics", "housing", "economy", "archived", ""}
	if len(got) != len(want) {
		t.Fatalf("directionOrder = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("directionOrder = %q, want %q", got, want)
		}
	}
}

func TestParseMonth(t *testing.T) {
	for _, s := range []string{"", "2026-13", "2026-00", "2026-1", "26-11", "2026-11-01", "2026/11", "1999-12", "ноябрь"} {
		if _, err := ParseMonth(s); err == nil {
			t.Errorf("ParseMonth(%q) = nil error", s)
		}
	}
	m, err := ParseMonth("2026-11")
	if err != nil || m != (Month{2026, time.November}) || m.String() != "2026-11" || FileName(m) != "mcu-report-2026-11.xlsx" {
		t.Fatalf("ParseMonth(2026-11) = %v, %v", m, err)
	}
	from, to := Month{2026, time.December}.Bounds(msk)
	if !from.Equal(at(12, 1, 0)) || !to.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, msk)) {
		t.Errorf("December 2026 is [%v, %v)", from, to)
	}
	if got := MonthOf(time.Date(2026, 10, 31, 21, 30, 0, 0, time.UTC), msk); got != (Month{2026, time.November}) {
		t.Errorf("MonthOf 31 Oct 21:30 UTC in Moscow = %v, want 2026-11", got)
	}
}

func TestExcelTimeIsTheWallClockOfTheZone(t *testing.T) {
	utc := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC) // 10:00 in Moscow
	if got, want := excelTime(utc, msk), time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("excelTime(%v) = %v, want %v", utc, got, want)
	}
}
