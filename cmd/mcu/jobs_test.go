package main

import (
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
	for _, name := range []string{"summary", "deadlines", "ratings", "redirects", "digest"} {
		if _, ok := specs[name]; !ok {
			t.Errorf("no %q job among %v", name, slices.Sorted(maps.Keys(specs)))
		}
	}
	if specs["digest"] != cfg.DigestCron {
		t.Errorf("digest runs on %q, want MCU_DIGEST_CRON %q", specs["digest"], cfg.DigestCron)
	}
	if specs["summary"] != cfg.SummaryCron {
		t.Errorf("summary runs on %q, want MCU_SUMMARY_CRON %q", specs["summary"], cfg.SummaryCron)
	}
}
