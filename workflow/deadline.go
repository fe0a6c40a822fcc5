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

// DeadlineRule says how long an answer may take.
type DeadlineRule struct {
	Unit   string
	Amount int
}

// String returns the rule as "10 workdays".
func (r DeadlineRule) String() string { return fmt.Sprintf("%d %s", r.Amount, r.Unit) }

// Workdays counts working days. *Calendar implements it.
type Workdays interface {
	// AddWorkdays returns the n-th working day strictly after d's date,
	// at 00:00 in d's location.
	AddWorkdays(d time.Time, n int) time.Time
}

// Due returns when an answer registered at registered is due: for day
// rules, the end (23:59:59) of the last day, counted from the day after
// registration in loc; for hours, registered plus the hours.
func (r DeadlineRule) Due(cal Workdays, registered time.Time, loc *time.Location) (time.Time, error) {
	if r.Amount <= 0 {
		return time.Time{}, Errorf(EInvalid, "deadline rule %s: amount must be positive", r)
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
	return EndOfDay(day), nil
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
