package workflow_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mcu/workflow"
)

// xmlCalendar is a production calendar in the format of xmlcalendar.ru
// (testdata/xmlcalendar/README.md): the days that differ from a plain
// five-day week.
type xmlCalendar struct {
	Year int `xml:"year,attr"`
	Days []struct {
		D string `xml:"d,attr"` // MM.DD
		T int    `xml:"t,attr"` // 1 day off, 2 working (shortened), 3 working (a weekend made working)
	} `xml:"days>day"`
}

// loadXMLCalendar reads testdata/xmlcalendar/ru/<year>/calendar.xml and
// returns whether each date of the year is a working day.
func loadXMLCalendar(t *testing.T, year int) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "xmlcalendar", "ru", fmt.Sprint(year), "calendar.xml"))
	if err != nil {
		t.Fatalf("%d is embedded, but its public calendar is not in testdata: %v", year, err)
	}
	var cal xmlCalendar
	if err := xml.Unmarshal(raw, &cal); err != nil {
		t.Fatalf("%d: %v", year, err)
	}
	if cal.Year != year {
		t.Fatalf("testdata for %d says year %d", year, cal.Year)
	}
	work := make(map[string]bool)
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		work[d.Format(time.DateOnly)] = d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
	}
	for _, d := range cal.Days {
		date, err := time.Parse("2006.01.02", fmt.Sprintf("%d.%s", year, d.D))
		if err != nil {
			t.Fatalf("%d: day %q: %v", year, d.D, err)
		}
		switch d.T {
		case 1:
			work[date.Format(time.DateOnly)] = false
		case 2, 3:
			work[date.Format(time.DateOnly)] = true
		default:
			t.Fatalf("%d: day %q has type %d", year, d.D, d.T)
		}
	}
	return work
}

// TestDecreedYearsMatchXMLCalendar checks every day of every embedded
// year against the public production calendar of xmlcalendar.ru, of which
// testdata/xmlcalendar holds a copy. A year added to the embedded tables
// needs its file there.
func TestDecreedYearsMatchXMLCalendar(t *testing.T) {
	t.Parallel()
	years := workflow.DecreedYears()
	if len(years) < 3 {
		t.Fatalf("embedded years %v, want at least 2025–2027", years)
	}
	c := workflow.NewCalendar(nil, nil)
	for _, year := range years {
		if !c.Known(year) {
			t.Errorf("Known(%d) = false for an embedded year", year)
		}
		want := loadXMLCalendar(t, year)
		workdays := 0
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
			w := want[d.Format(time.DateOnly)]
			if w {
				workdays++
			}
			if got := c.IsWorkday(d); got != w {
				t.Errorf("IsWorkday(%s) = %v, xmlcalendar.ru says %v", d.Format(time.DateOnly), got, w)
			}
		}
		t.Logf("%d: %d working days", year, workdays)
	}
}
