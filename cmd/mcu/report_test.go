package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mcu/internal/dbtest"
	"mcu/render"
)

// TestReportCommand: mcu report writes the month's workbook to --out and
// exits 0, also for a month with no appeals; a bad, missing or extra
// argument exits 2 with one line naming it, and writes nothing.
func TestReportCommand(t *testing.T) {
	t.Parallel()
	getenv := env(map[string]string{"MCU_DATABASE_URL": dbtest.URL(t), "MCU_TIMEZONE": "Europe/Moscow"})
	dir := t.TempDir()
	out := filepath.Join(dir, "report.xlsx")
	var stderr strings.Builder
	if code := run(t.Context(), []string{"report", "--month", "2026-11", "--out", out}, getenv, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatalf("the report does not open: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 5 || sheets[0] != render.ReportSheetSummary || sheets[4] != render.ReportSheetIncidents {
		t.Errorf("sheets %q", sheets)
	}
	rows, err := f.GetRows(render.ReportSheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	var total []string
	for _, r := range rows {
		if len(r) > 1 && r[0] == render.ReportTotal {
			total = r
		}
	}
	if len(total) < 2 || total[1] != "0" {
		t.Errorf("total of a month with no appeals: %q, want 0 received", total)
	}

	for _, tc := range []struct {
		args  []string
		names string
	}{
		{[]string{"report", "--out", out}, "--month: missing"},
		{[]string{"report", "--month", "2026-13"}, "--month"},
		{[]string{"report", "--month", "11.2026"}, "--month"},
		{[]string{"report", "--month"}, "month"},
		{[]string{"report", "--month", "2026-11", "extra"}, "extra"},
		{[]string{"report", "--colour", "red"}, "colour"},
	} {
		var stderr strings.Builder
		code := run(t.Context(), tc.args, getenv, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tc.names) {
			t.Errorf("mcu %q: exit %d, %q; want 2 and one line naming %s", tc.args, code, stderr.String(), tc.names)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the output folder, want only report.xlsx", len(entries))
	}
}

// TestReportLeavesNoFileWhenItFails: a report whose writing fails half
// way leaves no file behind, not even half of one.
func TestReportLeavesNoFileWhenItFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "report.xlsx")
	err := writeFileAtomically(out, func(w io.Writer) error {
		if _, err := w.Write([]byte("PK half a workbook")); err != nil {
			return err
		}
		return errors.New("database gone")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}
