package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"mcu/outbox"
	"mcu/render"
	"mcu/report"
	"mcu/storage"
	"mcu/workflow"
)

// reportFlags are the arguments of mcu report.
type reportFlags struct {
	month report.Month
	out   string
}

// parseReportFlags reads --month YYYY-MM (required) and --out (default
// report.FileName); a bad or missing one is a ConfigError naming it, which
// exits 2.
func parseReportFlags(args []string) (reportFlags, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	month := fs.String("month", "", "the month, YYYY-MM, in MCU_TIMEZONE")
	out := fs.String("out", "", "the XLSX file to write")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return reportFlags{}, bad("mcu report", "usage: mcu report --month YYYY-MM [--out FILE.xlsx]")
		}
		return reportFlags{}, bad("mcu report", "%v; usage: mcu report --month YYYY-MM [--out FILE.xlsx]", err)
	}
	if fs.NArg() > 0 {
		return reportFlags{}, bad("mcu report", "unexpected argument %q", fs.Arg(0))
	}
	if *month == "" {
		return reportFlags{}, bad("--month", "missing: give the month as YYYY-MM, e.g. --month 2026-11")
	}
	m, err := report.ParseMonth(*month)
	if err != nil {
		return reportFlags{}, bad("--month", "%v", err)
	}
	f := reportFlags{month: m, out: *out}
	if f.out == "" {
		f.out = report.FileName(m)
	}
	return f, nil
}

// writeReport writes the monthly report of --month to --out: the appeals
// received in that month of MCU_TIMEZONE, as they stand now.
func writeReport(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger) error {
	flags, err := parseReportFlags(args)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(getenv, false)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.close()
	started := time.Now()
	opts := report.Options{
		Location: cfg.Location,
		Calendar: calendar(cfg, logger),
		Now:      time.Now,
	}
	err = writeFileAtomically(flags.out, func(w io.Writer) error {
		return report.Write(ctx, w, flags.month, db, opts)
	})
	if err != nil {
		return err
	}
	logger.Info("report written", "month", flags.month.String(), "file", flags.out,
		"took", time.Since(started).Round(time.Millisecond))
	return nil
}

// writeFileAtomically writes path through a temporary file beside it,
// renamed into place only when write succeeded: a failed report leaves no
// half-written file, and an earlier one stays.
func writeFileAtomically(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// composeReport writes the report of month as the outbox sends it: an
// XLSX document with its caption.
func composeReport(ctx context.Context, cfg *Config, db *storage.DB, cal *workflow.Calendar, month report.Month, now func() time.Time) (outbox.Prepared, error) {
	var buf bytes.Buffer
	opts := report.Options{Location: cfg.Location, Calendar: cal, Now: now}
	if err := report.Write(ctx, &buf, month, db, opts); err != nil {
		return outbox.Prepared{}, err
	}
	return outbox.Prepared{File: &outbox.File{
		Kind: outbox.FileDocument, Name: report.FileName(month),
		Caption: render.ReportCaption(month.Year, month.Month), Data: buf.Bytes(),
	}}, nil
}

// reportFor is the report of /report: of the month written YYYY-MM, or of
// the month before now's when none is; a month that cannot be read is an
// invalid error.
func reportFor(ctx context.Context, cfg *Config, db *storage.DB, cal *workflow.Calendar, month string, now time.Time) (outbox.Prepared, error) {
	m := report.MonthOf(previousMonth(now, cfg.Location), cfg.Location)
	if month != "" {
		var err error
		if m, err = report.ParseMonth(month); err != nil {
			return outbox.Prepared{}, workflow.Errorf(workflow.EInvalid, "month %q: %v", month, err)
		}
	}
	return composeReport(ctx, cfg, db, cal, m, func() time.Time { return now })
}

// previousMonth returns a moment of the month before t's (in loc).
func previousMonth(t time.Time, loc *time.Location) time.Time {
	y, m, _ := t.In(loc).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, loc).AddDate(0, 0, -1)
}
