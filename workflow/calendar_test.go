package workflow_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Moscow without a system zoneinfo

	"mcu/workflow"
)

// day returns the date at midnight UTC.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// warnings returns a logger writing to a buffer, and a func counting the
// "year not decreed" warnings written so far.
func warnings() (*slog.Logger, func() int, *bytes.Buffer) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	return logger, func() int { return strings.Count(buf.String(), "year not decreed") }, &buf
}

func TestCalendarIsWorkday(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	for _, tt := range []struct {
		date string
		want bool
		why  string
	}{
		// Pinned by the issue.
		{"2026-01-09", false, "ПП 1466: from Saturday 3 January"},
		{"2026-12-31", false, "ПП 1466: from Sunday 4 January"},
		{"2025-11-01", true, "ПП 1335: working Saturday"},

		// 2025, ПП 1335.
		{"2025-01-08", false, "New Year holidays"},
		{"2025-01-09", true, "first working day of 2025"},
		{"2025-02-24", true, "day off of Sunday 23 February moved to 8 May, not here"},
		{"2025-03-07", true, "Friday before 8 March (shortened, still working)"},
		{"2025-03-10", true, "day off of Saturday 8 March moved to 13 June, not here"},
		{"2025-05-02", false, "from Saturday 4 January"},
		{"2025-05-08", false, "from Sunday 23 February"},
		{"2025-05-09", false, "Victory Day"},
		{"2025-06-12", false, "Russia Day"},
		{"2025-06-13", false, "from Saturday 8 March"},
		{"2025-11-02", false, "Sunday"},
		{"2025-11-03", false, "from Saturday 1 November"},
		{"2025-11-04", false, "Unity Day"},
		{"2025-12-30", true, "last working day of 2025"},
		{"2025-12-31", false, "from Sunday 5 January"},

		// 2026, ПП 1466.
		{"2026-01-01", false, "New Year"},
		{"2026-01-07", false, "Christmas"},
		{"2026-01-10", false, "Saturday"},
		{"2026-01-12", true, "first working day of 2026"},
		{"2026-02-20", true, "Friday"},
		{"2026-02-23", false, "Defender of the Fatherland Day (Monday)"},
		{"2026-03-09", false, "art. 112: 8 March is a Sunday"},
		{"2026-03-10", true, "Tuesday"},
		{"2026-05-01", false, "Spring and Labour Day"},
		{"2026-05-04", true, "Monday after 1–3 May"},
		{"2026-05-11", false, "art. 112: 9 May is a Saturday"},
		{"2026-06-12", false, "Russia Day"},
		{"2026-06-15", true, "Monday"},
		{"2026-11-04", false, "Unity Day (Wednesday)"},
		{"2026-11-05", true, "Thursday"},
		{"2026-11-07", false, "Saturday"},
		{"2026-12-30", true, "Wednesday"},

		// 2027, ПП 1187.
		{"2027-01-08", false, "New Year holidays"},
		{"2027-01-11", true, "first working day of 2027"},
		{"2027-02-20", true, "ПП 1187: working Saturday"},
		{"2027-02-22", false, "ПП 1187: from Saturday 20 February"},
		{"2027-02-23", false, "Defender of the Fatherland Day (Tuesday)"},
		{"2027-03-08", false, "International Women's Day (Monday)"},
		{"2027-05-03", false, "art. 112: 1 May is a Saturday"},
		{"2027-05-04", true, "Tuesday"},
		{"2027-05-10", false, "art. 112: 9 May is a Sunday"},
		{"2027-06-14", false, "art. 112: 12 June is a Saturday"},
		{"2027-11-04", false, "Unity Day (Thursday)"},
		{"2027-11-05", false, "ПП 1187: from Saturday 2 January"},
		{"2027-11-08", true, "Monday"},
		{"2027-12-30", true, "Thursday"},
		{"2027-12-31", false, "ПП 1187: from Sunday 3 January"},
	} {
		if got := c.IsWorkday(day(tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
}

func TestCalendarMonthlyWorkdays(t *testing.T) {
	t.Parallel()
	// Working days of a five-day week by month, from the official production
	// calendars (findh.org for 2025; glavaudit.org for 2026).
	want := map[int][12]int{
		2025: {17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22},
		2026: {15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22},
	}
	wantYear := map[int]int{2025: 247, 2026: 247}

	logger, count, buf := warnings()
	c := workflow.NewCalendar(logger, nil)
	for _, tt := range []struct {
		year  int
		month time.Month
	}{
		{2025, time.January}, {2025, time.February}, {2025, time.March},
		{2025, time.April}, {2025, time.May}, {2025, time.June},
		{2025, time.July}, {2025, time.August}, {2025, time.September},
		{2025, time.October}, {2025, time.November}, {2025, time.December},
		{2026, time.January}, {2026, time.February}, {2026, time.March},
		{2026, time.April}, {2026, time.May}, {2026, time.June},
		{2026, time.July}, {2026, time.August}, {2026, time.September},
		{2026, time.October}, {2026, time.November}, {2026, time.December},
	} {
		got := 0
		for d := time.Date(tt.year, tt.month, 1, 0, 0, 0, 0, time.UTC); d.Month() == tt.month; d = d.AddDate(0, 0, 1) {
			if c.IsWorkday(d) {
				got++
			}
		}
		if w := want[tt.year][tt.month-1]; got != w {
			t.Errorf("%d %s: %d working days, want %d", tt.year, tt.month, got, w)
		}
	}
	for year, w := range wantYear {
		last := time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC)
		if got := c.CountWorkdays(last.AddDate(-1, 0, 0), last); got != w {
			t.Errorf("%d: %d working days, want %d", year, got, w)
		}
	}
	// CountWorkdays starts after 2024-12-31, so no undecreed year is asked.
	if n := count(); n != 0 {
		t.Errorf("warnings: %q, want none", buf.String())
	}
}

func TestCalendarAddWorkdays(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	for _, tt := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-12-26", 10, "2026-01-21"}, // pinned by the issue
		{"2025-12-26", 1, "2025-12-29"},
		{"2025-12-26", 2, "2025-12-30"},
		{"2025-12-26", 3, "2026-01-12"},
		{"2025-12-31", 1, "2026-01-12"}, // from a day off
		{"2025-10-31", 1, "2025-11-01"}, // the working Saturday
		{"2025-11-01", 1, "2025-11-05"},
		{"2026-05-08", 1, "2026-05-12"},
		{"2026-12-30", 1, "2027-01-11"}, // into 2027
		{"2027-02-19", 1, "2027-02-20"}, // the working Saturday
		{"2027-02-20", 1, "2027-02-24"},
		{"2027-11-03", 1, "2027-11-08"},
		{"2027-12-30", 1, "2028-01-10"}, // into 2028, not decreed: art. 112 alone
		{"2026-01-10", 0, "2026-01-10"}, // n == 0 keeps the date
		{"2026-01-12", -1, "2025-12-30"},
		{"2026-01-21", -10, "2025-12-26"},
		{"2025-11-05", -1, "2025-11-01"},
	} {
		got := c.AddWorkdays(day(tt.from), tt.n)
		if !got.Equal(day(tt.want)) {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(time.DateOnly), tt.want)
		}
	}
}

func TestCalendarCountWorkdaysInvertsAddWorkdays(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	for d := day("2024-12-20"); d.Before(day("2027-02-01")); d = d.AddDate(0, 0, 1) {
		for _, n := range []int{0, 1, 5, 10, 30} {
			end := c.AddWorkdays(d, n)
			if got := c.CountWorkdays(d, end); got != n {
				t.Fatalf("CountWorkdays(%s, AddWorkdays(%[1]s, %d) = %s) = %d", d.Format(time.DateOnly), n, end.Format(time.DateOnly), got)
			}
			if back := c.AddWorkdays(end, -n); n > 0 && c.IsWorkday(d) && !back.Equal(d) {
				t.Fatalf("AddWorkdays(AddWorkdays(%s, %d), -%[2]d) = %s", d.Format(time.DateOnly), n, back.Format(time.DateOnly))
			}
		}
	}
	if got := c.CountWorkdays(day("2026-01-21"), day("2025-12-26")); got != 0 {
		t.Errorf("CountWorkdays backwards = %d, want 0", got)
	}
}

func TestCalendarAddDays(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	got := c.AddDays(time.Date(2026, time.February, 27, 23, 30, 0, 0, msk), 30)
	if want := time.Date(2026, time.March, 29, 0, 0, 0, 0, msk); !got.Equal(want) || got.Location() != msk {
		t.Errorf("AddDays = %s, want %s", got, want)
	}
}

func TestCalendarTimeZone(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}

	// 01:30 on Monday 12 January in Moscow is 22:30 on Sunday 11 January in
	// UTC: the Moscow date counts.
	mon := time.Date(2026, time.January, 12, 1, 30, 0, 0, msk)
	if !c.IsWorkday(mon) {
		t.Errorf("IsWorkday(%s) = false, want true (Monday in Moscow)", mon)
	}
	if c.IsWorkday(mon.UTC()) {
		t.Errorf("IsWorkday(%s) = true, want false (Sunday in UTC)", mon.UTC())
	}

	// 23:30 on Friday 30 January 2026 in New York is 04:30 on Saturday
	// 31 January in UTC and 07:30 in Moscow; the date of its own location
	// counts.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	fri := time.Date(2026, time.January, 30, 23, 30, 0, 0, ny)
	if !c.IsWorkday(fri) || c.IsWorkday(fri.In(msk)) {
		t.Errorf("IsWorkday(%s) = %v, IsWorkday(%s) = %v; want true, false", fri, c.IsWorkday(fri), fri.In(msk), c.IsWorkday(fri.In(msk)))
	}

	// 23:30 on 26 December 2025 in Moscow is still 26 December: ten
	// working days later is 21 January, at midnight in Moscow.
	from := time.Date(2025, time.December, 26, 23, 30, 0, 0, msk)
	got := c.AddWorkdays(from, 10)
	if want := time.Date(2026, time.January, 21, 0, 0, 0, 0, msk); !got.Equal(want) || got.Location() != msk {
		t.Errorf("AddWorkdays(%s, 10) = %s, want %s", from, got, want)
	}
	// 00:30 on 27 December in Moscow is 21:30 on 26 December in UTC; the
	// Moscow date (Saturday 27) counts, and ten working days from it is
	// still 21 January.
	from = time.Date(2025, time.December, 27, 0, 30, 0, 0, msk)
	if got := c.AddWorkdays(from, 10); !got.Equal(time.Date(2026, time.January, 21, 0, 0, 0, 0, msk)) {
		t.Errorf("AddWorkdays(%s, 10) = %s, want 2026-01-21 00:00 MSK", from, got)
	}
	if got := c.AddWorkdays(from.UTC(), 3); !got.Equal(day("2026-01-12")) {
		t.Errorf("AddWorkdays(%s, 3) = %s, want 2026-01-12 00:00 UTC", from.UTC(), got)
	}
}

func TestCalendarArt112Fallback(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	if c.Known(2038) {
		t.Fatal("Known(2038) = true, want false")
	}
	for _, tt := range []struct {
		date string
		want bool
		why  string
	}{
		{"2038-01-01", false, "New Year"},
		{"2038-01-07", false, "Christmas"},
		{"2038-01-08", false, "New Year holidays"},
		{"2038-01-11", true, "January weekends move only by decree"},
		{"2038-02-23", false, "Tuesday holiday"},
		{"2038-02-22", true, "no bridge day without a decree"},
		{"2038-03-08", false, "Monday holiday"},
		{"2038-05-01", false, "Saturday holiday"},
		{"2038-05-03", false, "art. 112: day off of Saturday 1 May"},
		{"2038-05-04", true, "Tuesday"},
		{"2038-05-10", false, "art. 112: day off of Sunday 9 May"},
		{"2038-06-14", false, "art. 112: day off of Saturday 12 June"},
		{"2038-11-04", false, "Thursday holiday"},
		{"2038-11-05", true, "Friday"},
		{"2038-12-31", true, "Friday: 31 December is off only by decree"},
		{"2028-03-08", false, "Wednesday holiday"},
		{"2029-12-31", true, "Monday"},
	} {
		if got := c.IsWorkday(day(tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
}

// TestCalendarArt112MatchesDecrees checks the art. 112 base against the
// decrees: 2037 falls on the weekdays of 2026, 2031 on those of 2025 and
// 2038 on those of 2027, so the two years of each pair differ exactly in
// the decree's transfers.
func TestCalendarArt112MatchesDecrees(t *testing.T) {
	t.Parallel()
	c := workflow.NewCalendar(nil, nil)
	for _, tt := range []struct {
		decreed, bare int
		differ        []string // month-day where the decree departs from art. 112
	}{
		{2026, 2037, []string{"01-09", "12-31"}},
		{2025, 2031, []string{"02-24", "03-10", "05-02", "05-08", "06-13", "11-01", "11-03", "12-31"}},
		{2027, 2038, []string{"02-20", "02-22", "11-05", "12-31"}},
	} {
		var got []string
		for d := time.Date(tt.decreed, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == tt.decreed; d = d.AddDate(0, 0, 1) {
			bare := d.AddDate(tt.bare-tt.decreed, 0, 0)
			if d.Weekday() != bare.Weekday() {
				t.Fatalf("%s and %s are different weekdays", d, bare)
			}
			if c.IsWorkday(d) != c.IsWorkday(bare) {
				got = append(got, d.Format("01-02"))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.differ) {
			t.Errorf("%d differs from art. 112 alone (%d) on %v, want %v", tt.decreed, tt.bare, got, tt.differ)
		}
	}
}

func TestCalendarOverrides(t *testing.T) {
	t.Parallel()
	overrides, err := workflow.ParseCalendarFile(strings.NewReader(`
2026-03-20 holiday # Ураза-байрам
2026-11-07 workday # a working Saturday
2026-01-09 workday # override of the decree table
2038-05-03 workday # a hand-entered transfer that replaces the art. 112 one
2028-01-10 dayoff
2028 known
`))
	if err != nil {
		t.Fatal(err)
	}
	logger, count, buf := warnings()
	c := workflow.NewCalendar(logger, overrides)
	for _, tt := range []struct {
		date string
		want bool
	}{
		{"2026-03-20", false}, // a Friday made a regional holiday
		{"2026-03-19", true},
		{"2026-11-07", true}, // a Saturday made working
		{"2026-11-08", false},
		{"2026-01-09", true},
		{"2026-12-31", false},
		{"2038-05-03", true},
		{"2038-05-10", false},
		{"2028-01-10", false},
		{"2028-01-07", false}, // art. 112 still applies in a known year
		{"2028-01-11", true},
	} {
		if got := c.IsWorkday(day(tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
	if got := c.AddWorkdays(day("2026-11-05"), 2); !got.Equal(day("2026-11-07")) {
		t.Errorf("AddWorkdays(2026-11-05, 2) = %s, want the working Saturday 2026-11-07", got.Format(time.DateOnly))
	}

	for year, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: true, 2028: true, 2038: false} {
		if got := c.Known(year); got != want {
			t.Errorf("Known(%d) = %v, want %v", year, got, want)
		}
	}
	// 2038 has a day override but no "2038 known": still warned, once.
	if n := count(); n != 1 || !strings.Contains(buf.String(), "year=2038") {
		t.Errorf("warnings: %q, want one for 2038", buf.String())
	}
}

func TestCalendarWarning(t *testing.T) {
	t.Parallel()
	known, err := workflow.ParseCalendarFile(strings.NewReader("2028 known\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		overrides []workflow.CalendarDay
		dates     []string
		want      int
	}{
		{"decreed years", nil, []string{"2025-01-01", "2025-06-30", "2026-01-01", "2026-12-31", "2027-01-01", "2027-12-31"}, 0},
		{"once per year", nil, []string{"2028-01-01", "2028-05-03", "2028-12-31", "2029-01-01", "2029-01-02"}, 2},
		{"known silences", known, []string{"2028-01-01", "2028-05-03"}, 0},
		{"known is per year", known, []string{"2028-01-01", "2029-01-01"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, count, buf := warnings()
			c := workflow.NewCalendar(logger, tt.overrides)
			for _, d := range tt.dates {
				c.IsWorkday(day(d))
			}
			if got := count(); got != tt.want {
				t.Errorf("%d warnings, want %d; log:\n%s", got, tt.want, buf)
			}
		})
	}

	// AddWorkdays into an undecreed year warns too.
	logger, count, buf := warnings()
	c := workflow.NewCalendar(logger, nil)
	c.AddWorkdays(day("2027-12-24"), 5)
	if count() != 1 || !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "year=2028") {
		t.Errorf("log after AddWorkdays into 2028:\n%s", buf)
	}
}

func TestCalendarConcurrent(t *testing.T) {
	t.Parallel()
	logger, count, _ := warnings()
	c := workflow.NewCalendar(logger, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			c.AddWorkdays(day("2028-01-01").AddDate(0, 0, i), 500)
		})
	}
	wg.Wait()
	if n := count(); n != 3 { // 2028, 2029, 2030
		t.Errorf("%d warnings, want 3", n)
	}
}

func TestParseCalendarFile(t *testing.T) {
	t.Parallel()
	in := "\ufeff# comment\n\n  2026-03-20\tHoliday   # Ураза-байрам \n2026-11-07 workday\n2026-05-27 dayoff#no space\n2027 KNOWN # decree entered\n"
	got, err := workflow.ParseCalendarFile(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []workflow.CalendarDay{
		{Date: day("2026-03-20"), Workday: false, Note: "Ураза-байрам"},
		{Date: day("2026-11-07"), Workday: true},
		{Date: day("2026-05-27"), Workday: false, Note: "no space"},
		{Date: day("2027-01-01"), Note: "decree entered", YearKnown: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d days, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Date.Equal(w.Date) || g.Date.Location() != time.UTC || g.Workday != w.Workday || g.Note != w.Note || g.YearKnown != w.YearKnown {
			t.Errorf("day %d = %+v, want %+v", i, g, w)
		}
	}

	if got, err := workflow.ParseCalendarFile(strings.NewReader("")); err != nil || len(got) != 0 {
		t.Errorf("empty file: %v, %v", got, err)
	}
}

func TestParseCalendarFileErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		line int
		msg  string
	}{
		{"2026-02-30 holiday", 1, `bad date "2026-02-30"`},
		{"# ok\n2026-13-01 holiday", 2, `bad date "2026-13-01"`},
		{"2026-1-05 holiday", 1, `bad date "2026-1-05"`},
		{"05.01.2026 holiday", 1, `bad date "05.01.2026"`},
		{"\n\n2026-03-20 holyday", 3, `unknown word "holyday"`},
		{"2026-03-20 working", 1, `unknown word "working"`},
		{"2026-03-20", 1, `want "YYYY-MM-DD holiday|dayoff|workday" or "YYYY known"`},
		{"2026-03-20 holiday extra", 1, `want "YYYY-MM-DD`},
		{"2026-03-20 holiday\n2026-03-21 dayoff\n2026-03-20 workday # again", 3, "2026-03-20 already given on line 1"},
		{"2027 known\n2027 known", 2, "2027 known already given on line 1"},
		{"2027 holiday", 1, `after a year only "known" may follow`},
		{"2027-01-01 known", 1, `"known" takes a year (2027), not a date`},
		{"27 known", 1, `bad date "27"`},
	} {
		_, err := workflow.ParseCalendarFile(strings.NewReader(tt.in))
		var fe *workflow.CalendarFileError
		if !errors.As(err, &fe) {
			t.Errorf("ParseCalendarFile(%q) error = %v, want a *CalendarFileError", tt.in, err)
			continue
		}
		if fe.Line != tt.line || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", tt.line)) {
			t.Errorf("ParseCalendarFile(%q) error = %q, want line %d and %q", tt.in, err, tt.line, tt.msg)
		}
	}
}

func TestLoadCalendarFile(t *testing.T) {
	t.Parallel()
	days, err := workflow.LoadCalendarFile("testdata/calendar/example.txt")
	if err != nil {
		t.Fatal(err)
	}
	logger, count, _ := warnings()
	c := workflow.NewCalendar(logger, days)
	for _, tt := range []struct {
		date string
		want bool
	}{
		{"2099-03-20", false}, // the regional holiday, a Friday
		{"2099-03-19", true},
		{"2099-11-04", false}, // art. 112 still applies
		{"2099-11-05", true},
		{"2099-11-06", false}, // the transfer
		{"2099-11-07", true},  // the working Saturday
		{"2099-11-08", false},
	} {
		if got := c.IsWorkday(day(tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
	if !c.Known(2099) || count() != 0 {
		t.Errorf("Known(2099) = %v, %d warnings; want true, 0", c.Known(2099), count())
	}
	// Nothing of the example is a real year: it must not change a decreed
	// or a coming year.
	for _, d := range days {
		if y := d.Date.Year(); y != 2099 {
			t.Errorf("the example names %s, of a real year (%d): keep it to the invented 2099", d.Date.Format(time.DateOnly), y)
		}
	}

	if _, err := workflow.LoadCalendarFile("testdata/calendar/missing.txt"); err == nil {
		t.Error("LoadCalendarFile(missing file): no error")
	}
}

func ExampleCalendar_AddWorkdays() {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	c := workflow.NewCalendar(nil, nil)

	// A message registered late on Friday 26 December 2025 is due in ten
	// working days; the New Year holidays of 2026 run from 31 December to
	// 11 January.
	registered := time.Date(2025, time.December, 26, 23, 30, 0, 0, msk)
	due := c.AddWorkdays(registered, 10)
	fmt.Println(due.Format("Mon 2006-01-02 15:04 MST"))
	// Output: Wed 2026-01-21 00:00 MSK
}
