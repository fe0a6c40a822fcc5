package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/schedule"
	"mcu/workflow"
)

// TestDefaultJobs: mcu serve schedules deadline control, the summary on
// MCU_SUMMARY_CRON, and every spec is one the scheduler takes.
func TestDefaultJobs(t *testing.T) {
	cfg := &Config{Location: time.UTC, SummaryCron: "30 7 * * 1-5", DigestCron: "0 9 * * *"}
	db := dbtest.New(t)
	cal := workflow.NewCalendar(nil, nil)
	jobs := defaultJobs(JobDeps{Config: cfg, DB: db, Service: &workflow.Service{Store: db, Calendar: cal}, Calendar: cal,
		Logger: dbtest.Logger(t), Now: time.Now})
	specs := map[string]string{}
	for _, j := range jobs {
		specs[j.Name] = j.Spec
		if err := schedule.CheckSpec(j.Spec); err != nil {
			t.Errorf("job %s: %v", j.Name, err)
		}
	}
	for _, name := range []string{"summary", "deadlines", "ratings", "redirects", "digest", "report", "forget"} {
		if _, ok := specs[name]; !ok {
			t.Errorf("no %q job among %v", name, slices.Sorted(maps.Keys(specs)))
		}
	}
	if specs["report"] != "0 8 1 * *" {
		t.Errorf("report runs on %q, want the 1st at 08:00", specs["report"])
	}
	if specs["digest"] != cfg.DigestCron {
		t.Errorf("digest runs on %q, want MCU_DIGEST_CRON %q", specs["digest"], cfg.DigestCron)
	}
	if specs["summary"] != cfg.SummaryCron {
		t.Errorf("summary runs on %q, want MCU_SUMMARY_CRON %q", specs["summary"], cfg.SummaryCron)
	}
}

// TestReportJobSendsLastMonth: on the 1st the report of the month before
// goes to the head's chat and the leader's as a document.
func TestReportJobSendsLastMonth(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 4, 1, 8, 0, 0, 0, msk)
	d := JobDeps{Config: &Config{Location: msk}, DB: db, Calendar: workflow.NewCalendar(nil, nil),
		Logger: dbtest.Logger(t), Now: func() time.Time { return slot }}
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, bound_by) VALUES (42, 0, 'head', 0), (-43, 0, 'leader', 0)`)
	if err := d.report(context.Background(), slot, false); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool().Query(context.Background(), `SELECT chat_id, payload->'file'->>'name', length(file) FROM outbox ORDER BY chat_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var chat int64
		var name string
		var size int
		if err := rows.Scan(&chat, &name, &size); err != nil {
			t.Fatal(err)
		}
		if size < 1000 {
			t.Errorf("the report to %d is %d bytes", chat, size)
		}
		got = append(got, fmt.Sprint(chat, " ", name))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"-43 mcu-report-2026-03.xlsx", "42 mcu-report-2026-03.xlsx"}; !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
}

// TestForgetJobKeepsTheRetentionPeriod: the nightly job forgets a
// resident whose last appeal was finished longer ago than
// MCU_RETENTION_DAYS, keeps one within it, and keeps everybody with 0.
func TestForgetJobKeepsTheRetentionPeriod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 3, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		days int
		want []int64 // the Telegram ids still known after the job
	}{{1825, []int64{2}}, {0, []int64{1, 2}}} {
		db := dbtest.New(t)
		dbtest.Exec(t, db, `INSERT INTO residents (telegram_user_id, chat_id, name, consent_at, created_at) VALUES
			(1, 1, 'Давний', now(), $1), (2, 2, 'Недавний', now(), $2)`, now.AddDate(0, 0, -1826), now.AddDate(0, 0, -1824))
		d := JobDeps{Config: &Config{Location: time.UTC, RetentionDays: c.days}, DB: db,
			Logger: dbtest.Logger(t), Now: func() time.Time { return now }}
		if err := d.forget(context.Background(), now, false); err != nil {
			t.Fatal(err)
		}
		var known []int64
		for _, id := range []int64{1, 2} {
			if _, err := db.FindResident(context.Background(), id); err == nil {
				known = append(known, id)
			}
		}
		if !slices.Equal(known, c.want) {
			t.Errorf("MCU_RETENTION_DAYS=%d: residents %v known after the job, want %v", c.days, known, c.want)
		}
	}
}
