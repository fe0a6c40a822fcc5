package report

import (
	"fmt"
	"time"
)

// Month is a calendar month, the period of a report.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth parses a month written YYYY-MM, as `mcu report --month`
// takes it.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != len("2006-01") {
		return Month{}, fmt.Errorf("month %q is not of the form YYYY-MM", s)
	}
	if t.Year() < 2000 {
		return Month{}, fmt.Errorf("month %q is before 2000", s)
	}
	return Month{Year: t.Year(), Month: t.Month()}, nil
}

// MonthOf returns the month of t in loc.
func MonthOf(t time.Time, loc *time.Location) Month {
	t = t.In(loc)
	return Month{Year: t.Year(), Month: t.Month()}
}

// String formats the month as YYYY-MM.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Bounds returns the month in loc as [from, to): midnight of its first
// day and of the next month's.
func (m Month) Bounds(loc *time.Location) (from, to time.Time) {
	from = time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}

// FileName is the file a report of the month is saved as by default:
// mcu-report-2026-11.xlsx.
func FileName(m Month) string { return "mcu-report-" + m.String() + ".xlsx" }
