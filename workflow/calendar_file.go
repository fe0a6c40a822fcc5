package workflow

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// CalendarFileError is a bad line of a calendar override file.
type CalendarFileError struct {
	Line int    // 1-based line number
	Msg  string // what is wrong with it
}

// Error returns "line N: what is wrong".
func (e *CalendarFileError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ParseCalendarFile reads a calendar override file: the days in which the
// calendar of a municipality differs from the embedded one, such as a
// regional holiday, or a year whose decree is not embedded yet.
//
// The file is UTF-8 text with one entry a line:
//
//	YYYY-MM-DD holiday|dayoff|workday [# comment]
//	YYYY known [# comment]
//
// "holiday" (a non-working holiday) and "dayoff" (a day off, say by
// transfer) both make the date a non-working day; "workday" makes it a
// working day, such as a working Saturday. The comment becomes the day's
// Note. "YYYY known" declares the year fully described, so that no warning
// is logged for it (see NewCalendar). Blank lines and lines starting with #
// are ignored; the words may be in any case.
//
// A day the file does not name follows the rules of Labour Code art. 112
// (see Calendar.IsWorkday), so a year's decree is entered by hand as its
// transfers: for each "с … на …" of the decree a dayoff line for the day it
// moves to, a workday line if that is a Saturday made working, and then the
// "YYYY known" line. Where the decree moves the day off of a holiday on a
// weekend somewhere else than the next working day (as the 2025 decree did
// with 23 February), mark that next working day "workday". The 2025–2027
// tables inside this package are written this way; testdata/calendar has an
// example.
//
// A bad date, an unknown word or a date (or year) given twice is an error of
// type *CalendarFileError naming the line.
func ParseCalendarFile(r io.Reader) ([]CalendarDay, error) {
	var days []CalendarDay
	seen := make(map[string]int) // date or "YYYY known" → line
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a BOM from a Windows editor
		}
		var note string
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line, note = line[:i], strings.TrimSpace(line[i+1:])
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return &CalendarFileError{Line: n, Msg: fmt.Sprintf(format, args...)}
		}
		if len(fields) != 2 {
			return nil, bad(`want "YYYY-MM-DD holiday|dayoff|workday" or "YYYY known", got %q`, strings.TrimSpace(line))
		}
		day := CalendarDay{Note: note}
		word := strings.ToLower(fields[1])
		var key string
		switch {
		case isYear(fields[0]):
			if word != "known" {
				return nil, bad(`after a year only "known" may follow, got %q`, fields[1])
			}
			year, _ := strconv.Atoi(fields[0])
			day.Date = time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
			day.YearKnown = true
			key = fields[0] + " known"
		default:
			t, err := time.Parse(time.DateOnly, fields[0])
			if err != nil {
				return nil, bad("bad date %q: want a real date written YYYY-MM-DD", fields[0])
			}
			day.Date = t
			switch word {
			case "holiday", "dayoff":
				day.Workday = false
			case "workday":
				day.Workday = true
			case "known":
				return nil, bad(`"known" takes a year (%04d), not a date`, t.Year())
			default:
				return nil, bad(`unknown word %q: want holiday, dayoff or workday`, fields[1])
			}
			key = t.Format(time.DateOnly)
		}
		if prev, ok := seen[key]; ok {
			return nil, bad("%s already given on line %d", key, prev)
		}
		seen[key] = n
		days = append(days, day)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read calendar file: %w", err)
	}
	return days, nil
}

// isYear reports whether s is a year written with four digits.
func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// LoadCalendarFile reads the calendar override file at path; see
// ParseCalendarFile for its format.
func LoadCalendarFile(path string) ([]CalendarDay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load calendar file: %w", err)
	}
	defer f.Close()
	days, err := ParseCalendarFile(f)
	if err != nil {
		return nil, fmt.Errorf("load calendar file %s: %w", path, err)
	}
	return days, nil
}
