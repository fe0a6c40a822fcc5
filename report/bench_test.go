package report_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/report"
)

// BenchmarkWriteMonth writes the report of a month of 100,000 appeals
// (testdata/month.sql, with as many in the month before) to a file, and
// reports the process's peak resident memory. Targets on the 2-core
// machine: 15 s and 300 MB.
//
//	go test ./report -run '^$' -bench WriteMonth -benchtime 1x
func BenchmarkWriteMonth(b *testing.B) {
	db := dbtest.New(b)
	seed, err := os.ReadFile("testdata/month.sql")
	if err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	dbtest.Exec(b, db, string(seed))
	dbtest.Exec(b, db, `ANALYZE`)
	b.Logf("seeded in %s", time.Since(started).Round(time.Millisecond))
	ctx := context.Background()
	out := filepath.Join(b.TempDir(), "report.xlsx")
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		if err := report.Write(ctx, f, november, db, options()); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if info, err := os.Stat(out); err == nil {
		b.ReportMetric(float64(info.Size())/(1<<20), "file-MB")
	}
	if kb, ok := peakRSS(); ok {
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	}
}

// peakRSS returns the process's peak resident set size (VmHWM) in kB.
func peakRSS() (int, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb, err == nil
		}
	}
	return 0, false
}
