package workflow

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Calendar tells working days from days off by the Russian production
// calendar (производственный календарь) for a five-day week.
//
// Every year starts from the law: Saturdays and Sundays are off, and so are
// the non-working holidays of Labour Code art. 112 with its rule for a
// holiday on a weekend (see IsWorkday). On top of that come the embedded
// decree tables (decreedCalendar, which are written in the override file
// format) and then the overrides given to NewCalendar. Only the calendar
// date matters: the clock time and time zone of a time.Time are used just to
// find that date.
//
// A Calendar is safe for concurrent use. Make one with NewCalendar.
type Calendar struct {
	logger *slog.Logger
	days   map[civilDate]bool // decree tables with the overrides on top: date → working
	known  map[int]bool       // years fully described: a decree table or a "YYYY known" line

	mu     sync.Mutex
	warned map[int]bool               // years already warned about
	art112 map[int]map[civilDate]bool // days off by art. 112 alone, by year
}

// CalendarDay is one override: a date and whether it is a working day.
//
// It is what ParseCalendarFile returns for each line of an override file and
// what NewCalendar takes.
type CalendarDay struct {
	// Date is the day, at midnight UTC of that date; only its year, month
	// and day (in its own location) are used.
	Date time.Time
	// Workday reports whether the day is a working day.
	Workday bool
	// Note is a free comment, such as the name of the holiday.
	Note string
	// YearKnown marks a declaration rather than a day: the year of Date is
	// fully described (its decree entered by hand, say), so no warning is
	// logged for it. Date is then January 1 of that year and Workday is
	// ignored.
	YearKnown bool
}

// civilDate is a calendar date without a time or a zone.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// utc returns the date at midnight UTC, the form dates are stepped in.
func (d civilDate) utc() time.Time {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC)
}

func (d civilDate) weekend() bool {
	wd := d.utc().Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func (d civilDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}

// decreedCalendar holds the years decreed by the Government, in the override
// file format (see ParseCalendarFile) and with the same meaning: each line
// changes the art. 112 base of IsWorkday. For readability every holiday of
// art. 112 is listed even where the base already has it, as is every day off
// the base moves by art. 112 itself; the lines that matter are the
// transfers of the decree and the working Saturdays.
//
// Checked day by day against the public machine-readable production
// calendar of xmlcalendar.ru (a copy in testdata/xmlcalendar, see
// TestDecreedYearsMatchXMLCalendar), and against the monthly and yearly
// totals of the official production calendar for 2025 and 2026 (247
// working days each; see calendar_test.go).
const decreedCalendar = `
# 2025: Постановление Правительства РФ от 04.10.2024 № 1335
# «О переносе выходных дней в 2025 году». Transfers:
#   с субботы 4 января на пятницу 2 мая;
#   с воскресенья 5 января на среду 31 декабря;
#   с воскресенья 23 февраля на четверг 8 мая;
#   с субботы 8 марта на пятницу 13 июня;
#   с субботы 1 ноября на понедельник 3 ноября.
# The decree sends the days off of 23 February (a Sunday) and 8 March
# (a Saturday) to May and June instead of the next working day, so
# 24 February and 10 March 2025 are working days although art. 112 alone
# would make them days off. 1 November 2025 is a working Saturday.
2025 known
2025-01-01 holiday # Новогодние каникулы
2025-01-02 holiday # Новогодние каникулы
2025-01-03 holiday # Новогодние каникулы
2025-01-04 holiday # Новогодние каникулы (Sat; day off moved to 2 May)
2025-01-05 holiday # Новогодние каникулы (Sun; day off moved to 31 December)
2025-01-06 holiday # Новогодние каникулы
2025-01-07 holiday # Рождество Христово
2025-01-08 holiday # Новогодние каникулы
2025-02-23 holiday # День защитника Отечества (Sun; day off moved to 8 May)
2025-02-24 workday # not the art. 112 day off: the decree moves it to 8 May
2025-03-08 holiday # Международный женский день (Sat; day off moved to 13 June)
2025-03-10 workday # not the art. 112 day off: the decree moves it to 13 June
2025-05-01 holiday # Праздник Весны и Труда
2025-05-02 dayoff  # transfer from Saturday 4 January
2025-05-08 dayoff  # transfer from Sunday 23 February
2025-05-09 holiday # День Победы
2025-06-12 holiday # День России
2025-06-13 dayoff  # transfer from Saturday 8 March
2025-11-01 workday # working Saturday: its day off moved to 3 November
2025-11-03 dayoff  # transfer from Saturday 1 November
2025-11-04 holiday # День народного единства
2025-12-31 dayoff  # transfer from Sunday 5 January

# 2026: Постановление Правительства РФ от 24.09.2025 № 1466
# «О переносе выходных дней в 2026 году». Transfers:
#   с субботы 3 января на пятницу 9 января;
#   с воскресенья 4 января на четверг 31 декабря.
# 9 March and 11 May are days off by art. 112 itself (8 March is a Sunday,
# 9 May a Saturday). No working Saturdays.
2026 known
2026-01-01 holiday # Новогодние каникулы
2026-01-02 holiday # Новогодние каникулы
2026-01-03 holiday # Новогодние каникулы (Sat; day off moved to 9 January)
2026-01-04 holiday # Новогодние каникулы (Sun; day off moved to 31 December)
2026-01-05 holiday # Новогодние каникулы
2026-01-06 holiday # Новогодние каникулы
2026-01-07 holiday # Рождество Христово
2026-01-08 holiday # Новогодние каникулы
2026-01-09 dayoff  # transfer from Saturday 3 January
2026-02-23 holiday # День защитника Отечества
2026-03-08 holiday # Международный женский день (Sun)
2026-03-09 dayoff  # art. 112: 8 March falls on a Sunday
2026-05-01 holiday # Праздник Весны и Труда
2026-05-09 holiday # День Победы (Sat)
2026-05-11 dayoff  # art. 112: 9 May falls on a Saturday
2026-06-12 holiday # День России
2026-11-04 holiday # День народного единства
2026-12-31 dayoff  # transfer from Sunday 4 January

# 2027: Постановление Правительства РФ от 17.09.2026 № 1187
# «О переносе выходных дней в 2027 году». Transfers:
#   с субботы 2 января на пятницу 5 ноября;
#   с воскресенья 3 января на пятницу 31 декабря;
#   с субботы 20 февраля на понедельник 22 февраля.
# 3 May, 10 May and 14 June are days off by art. 112 itself (1 May and
# 12 June are Saturdays, 9 May a Sunday). 20 February is a working
# Saturday.
2027 known
2027-01-01 holiday # Новогодние каникулы
2027-01-02 holiday # Новогодние каникулы (Sat; day off moved to 5 November)
2027-01-03 holiday # Новогодние каникулы (Sun; day off moved to 31 December)
2027-01-04 holiday # Новогодние каникулы
2027-01-05 holiday # Новогодние каникулы
2027-01-06 holiday # Новогодние каникулы
2027-01-07 holiday # Рождество Христово
2027-01-08 holiday # Новогодние каникулы
2027-02-20 workday # working Saturday: its day off moved to 22 February
2027-02-22 dayoff  # transfer from Saturday 20 February
2027-02-23 holiday # День защитника Отечества
2027-03-08 holiday # Международный женский день
2027-05-01 holiday # Праздник Весны и Труда (Sat)
2027-05-03 dayoff  # art. 112: 1 May falls on a Saturday
2027-05-09 holiday # День Победы (Sun)
2027-05-10 dayoff  # art. 112: 9 May falls on a Sunday
2027-06-12 holiday # День России (Sat)
2027-06-14 dayoff  # art. 112: 12 June falls on a Saturday
2027-11-04 holiday # День народного единства
2027-11-05 dayoff  # transfer from Saturday 2 January
2027-12-31 dayoff  # transfer from Sunday 3 January
`

// decreed returns the parsed decreedCalendar; it is parsed once.
var decreed = sync.OnceValue(func() []CalendarDay {
	days, err := ParseCalendarFile(strings.NewReader(decreedCalendar))
	if err != nil {
		panic("workflow: embedded production calendar: " + err.Error())
	}
	return days
})

// NewCalendar returns the embedded calendar (the 2025, 2026 and 2027
// decrees) with the overrides applied on top; of two overrides of one date
// the later wins.
//
// logger may be nil. When a date of a year that is not known (see Known) is
// asked, it logs a warning once per year: such a year follows Labour Code
// art. 112 and the five-day week, plus whatever days the overrides give.
func NewCalendar(logger *slog.Logger, overrides []CalendarDay) *Calendar {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Calendar{
		logger: logger,
		days:   make(map[civilDate]bool),
		known:  make(map[int]bool),
		warned: make(map[int]bool),
		art112: make(map[int]map[civilDate]bool),
	}
	for _, list := range [][]CalendarDay{decreed(), overrides} {
		for _, d := range list {
			if d.YearKnown {
				c.known[d.Date.Year()] = true
				continue
			}
			c.days[dateOf(d.Date)] = d.Workday
		}
	}
	return c
}

// Known reports whether the year is fully described: it has an embedded
// decree table, or the overrides declare it with a "YYYY known" line. Days
// given for a year without such a line do not make it known: a regional
// holiday entered ahead of time says nothing about the federal decree.
func (c *Calendar) Known(year int) bool {
	return c.known[year]
}

// IsWorkday reports whether d's calendar date (its year, month and day in
// d's own location) is a working day.
//
// The base of every year is Labour Code art. 112: Saturdays, Sundays and the
// non-working holidays (1–8 January, 23 February, 8 March, 1 May, 9 May,
// 12 June, 4 November) are off, and a holiday other than the January ones
// that falls on a Saturday or a Sunday moves the day off to the next working
// day. January's weekends move only by decree, so the base does not move
// them. The decree tables and then the overrides change the base day by day.
func (c *Calendar) IsWorkday(d time.Time) bool {
	return c.isWorkday(dateOf(d))
}

func (c *Calendar) isWorkday(d civilDate) bool {
	off := c.baseDaysOff(d.year)
	if w, ok := c.days[d]; ok {
		return w
	}
	return !off[d] && !d.weekend()
}

// baseDaysOff returns the year's days off by Labour Code art. 112 alone,
// and warns once if the year is not known.
func (c *Calendar) baseDaysOff(year int) map[civilDate]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.known[year] && !c.warned[year] {
		c.warned[year] = true
		c.logger.Warn("calendar: year not decreed, using Labour Code art. 112 holidays and Mon–Fri",
			slog.Int("year", year),
			slog.String("hint", fmt.Sprintf("enter the year's decree in the calendar file with a line %q", fmt.Sprintf("%d known", year))))
	}
	off, ok := c.art112[year]
	if !ok {
		off = art112DaysOff(year)
		c.art112[year] = off
	}
	return off
}

// art112DaysOff returns the non-working days of a year by Labour Code
// art. 112 alone: its holidays and, for a holiday other than 1–8 January
// that falls on a weekend, the next working day.
func art112DaysOff(year int) map[civilDate]bool {
	off := make(map[civilDate]bool)
	holidays := []civilDate{
		{year, time.January, 1}, {year, time.January, 2}, {year, time.January, 3},
		{year, time.January, 4}, {year, time.January, 5}, {year, time.January, 6},
		{year, time.January, 7}, {year, time.January, 8},
		{year, time.February, 23},
		{year, time.March, 8},
		{year, time.May, 1},
		{year, time.May, 9},
		{year, time.June, 12},
		{year, time.November, 4},
	}
	for _, h := range holidays {
		off[h] = true
	}
	// In date order, so that a day off moved from 1 May does not take the
	// place of one moved from 9 May.
	for _, h := range holidays {
		if h.month == time.January || !h.weekend() {
			continue
		}
		next := h
		for next.weekend() || off[next] {
			next = dateOf(next.utc().AddDate(0, 0, 1))
		}
		off[next] = true
	}
	return off
}

// AddWorkdays returns the n-th working day strictly after d's date, at 00:00
// in d's location: AddWorkdays(Friday, 1) is the next Monday if that is a
// working day. A negative n counts back: the |n|-th working day strictly
// before d's date. n == 0 returns d's date at 00:00, working or not.
func (c *Calendar) AddWorkdays(d time.Time, n int) time.Time {
	day := dateOf(d)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		day = dateOf(day.utc().AddDate(0, 0, step))
		if c.isWorkday(day) {
			n--
		}
	}
	return time.Date(day.year, day.month, day.day, 0, 0, 0, 0, d.Location())
}

// AddDays returns d's date moved by n calendar days, at 00:00 in d's
// location.
func (c *Calendar) AddDays(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day+n, 0, 0, 0, 0, d.Location())
}

// CountWorkdays returns the number of working days strictly after from's
// date up to and including to's date, each date taken in its own time's
// location; it is zero when to's date is not after from's. It is the inverse
// of AddWorkdays: CountWorkdays(d, c.AddWorkdays(d, n)) == n for n >= 0.
func (c *Calendar) CountWorkdays(from, to time.Time) int {
	day, last := dateOf(from).utc(), dateOf(to).utc()
	n := 0
	for day.Before(last) {
		day = day.AddDate(0, 0, 1)
		if c.isWorkday(dateOf(day)) {
			n++
		}
	}
	return n
}
