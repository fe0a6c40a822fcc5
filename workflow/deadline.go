package workflow

import (
	"fmt"
	"time"
)

// Deadline units.
const (
	UnitWorkdays = "workdays" // working days of the production calendar
	UnitDays     = "days"     // calendar days
	UnitHours    = "hours"    // hours from registration
)

// What a deadline counted in calendar days does when its last day is not a
// working day (DeadlineRule.NonWorking).
const (
	// NonWorkingPrevious moves the last day back to the working day before
	// it, as the Vologda oblast reglament moves the control date (issue
	// #8); the default, since answering early is never a violation.
	NonWorkingPrevious = "previous"
	// NonWorkingNext moves it on to the next working day, as Civil Code
	// art. 193 counts a term ending on a day off and as the prosecutor's
	// office counts it.
	NonWorkingNext = "next"
	// NonWorkingNone leaves it where it falls.
	NonWorkingNone = "none"
)

// DeadlineRule says how long an answer may take.
type DeadlineRule struct {
	Unit   string
	Amount int
	// NonWorking is what a deadline in calendar days (UnitDays) does when
	// its last day is not a working day: NonWorkingPrevious (also when
	// empty), NonWorkingNext or NonWorkingNone. Working-day deadlines end on
	// a working day anyway; a deadline in hours (an incident's 24 hours) is
	// a reaction time counted round the clock and is never moved.
	NonWorking string
}

// String returns the rule as "10 workdays", or "30 days (next)" for a
// calendar-day rule that does not move its last day back.
func (r DeadlineRule) String() string {
	s := fmt.Sprintf("%d %s", r.Amount, r.Unit)
	if r.Unit == UnitDays && r.NonWorking != "" && r.NonWorking != NonWorkingPrevious {
		s += " (" + r.NonWorking + ")"
	}
	return s
}

// Workdays is the production calendar as deadlines need it. *Calendar
// implements it.
type Workdays interface {
	// AddWorkdays returns the n-th working day strictly after d's date
	// (before it for a negative n), at 00:00 in d's location.
	AddWorkdays(d time.Time, n int) time.Time
	// IsWorkday reports whether d's date is a working day.
	IsWorkday(d time.Time) bool
}

// Due returns when an answer registered at registered is due: for day
// rules, the end (23:59:59) of the last day, counted from the day after
// registration in loc, a last day in calendar days that is not a working
// day being moved as r.NonWorking says; for hours, registered plus the
// hours.
func (r DeadlineRule) Due(cal Workdays, registered time.Time, loc *time.Location) (time.Time, error) {
	if r.Amount <= 0 {
		return time.Time{}, Errorf(EInvalid, "deadline rule %s: amount must be positive", r)
	}
	if err := r.checkNonWorking(); err != nil {
		return time.Time{}, err
	}
	local := registered.In(loc)
	var day time.Time
	switch r.Unit {
	case UnitHours:
		return registered.Add(time.Duration(r.Amount) * time.Hour), nil
	case UnitDays:
		day = time.Date(local.Year(), local.Month(), local.Day()+r.Amount, 0, 0, 0, 0, loc)
	case UnitWorkdays:
		day = cal.AddWorkdays(local, r.Amount)
	default:
		return time.Time{}, Errorf(EInvalid, "deadline rule %s: unknown unit", r)
	}
	return EndOfDay(r.onWorkday(cal, day)), nil
}

// Extend returns the deadline due moved by days calendar days (59-ФЗ
// art. 12 part 2), at the end of that day in loc; a last day that is not
// a working day is moved as r.NonWorking says, whatever r's unit, since
// the extension itself is counted in calendar days.
func (r DeadlineRule) Extend(cal Workdays, due time.Time, days int, loc *time.Location) (time.Time, error) {
	if err := r.checkNonWorking(); err != nil {
		return time.Time{}, err
	}
	d := due.In(loc)
	day := time.Date(d.Year(), d.Month(), d.Day()+days, 0, 0, 0, 0, loc)
	rule := r
	rule.Unit = UnitDays
	return EndOfDay(rule.onWorkday(cal, day)), nil
}

// checkNonWorking refuses a NonWorking that is none of the three.
func (r DeadlineRule) checkNonWorking() error {
	switch r.NonWorking {
	case "", NonWorkingPrevious, NonWorkingNext, NonWorkingNone:
		return nil
	}
	return Errorf(EInvalid, "deadline rule %s: unknown non-working rule %q", r, r.NonWorking)
}

// onWorkday moves the last day of a calendar-day deadline that is not a
// working day as r.NonWorking says; other units are returned as they are.
func (r DeadlineRule) onWorkday(cal Workdays, day time.Time) time.Time {
	if r.Unit != UnitDays || cal.IsWorkday(day) {
		return day
	}
	switch r.NonWorking {
	case "", NonWorkingPrevious:
		return cal.AddWorkdays(day, -1)
	case NonWorkingNext:
		return cal.AddWorkdays(day, 1)
	}
	return day
}

// EndOfDay returns 23:59:59 of t's date in t's location.
func EndOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, t.Location())
}

// MaxExtensionDays is how far one extension may move a deadline (59-ФЗ
// art. 12 part 2: once, by up to 30 days).
const MaxExtensionDays = 30

// RegistrationDays is how many days after receipt an appeal may be
// registered (59-ФЗ art. 8 part 2: «в течение трёх дней»).
const RegistrationDays = 3

// RegistrationDelay returns the calendar days from the date an appeal was
// received to the date it was registered, both in loc; more than
// RegistrationDays is a violation.
func RegistrationDelay(received, registered time.Time, loc *time.Location) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(registered).Sub(day(received)) / (24 * time.Hour))
}
