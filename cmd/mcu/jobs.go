package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mcu/bot"
	"mcu/control"
	"mcu/digest"
	"mcu/render"
	"mcu/schedule"
	"mcu/storage"
	"mcu/workflow"
)

// JobDeps is what the scheduled jobs of mcu serve may use, opened by
// Main.Run before it starts the scheduler.
type JobDeps struct {
	Config   *Config
	DB       *storage.DB
	Service  *workflow.Service
	Calendar *workflow.Calendar
	Bot      *bot.Bot
	Logger   *slog.Logger
	Now      func() time.Time
}

// defaultJobs are the scheduled jobs of mcu serve (see schedule.Job). Each
// job's name is its key in job_runs, so it never changes.
func defaultJobs(d JobDeps) []schedule.Job {
	ctl := control.New(control.Options{
		Store: d.DB, Service: d.Service, Calendar: d.Service.Calendar, Location: d.Config.Location,
		Now: d.Now, Logger: d.Logger,
	})
	var jobs []schedule.Job
	for _, j := range ctl.Jobs() {
		if j.Name == "summary" {
			j.Spec = d.Config.SummaryCron // MCU_SUMMARY_CRON
		}
		jobs = append(jobs, scheduled(j.Name, j.Spec, j.Run))
	}
	return append(jobs, scheduled("digest", d.Config.DigestCron, d.digest))
}

// digest is the job of the head's daily digest (MCU_DIGEST_CRON): a digest
// sent late (every instance was down at its time) says so. With no head
// chat bound there is nobody to send it to: that is logged, not retried.
func (d JobDeps) digest(ctx context.Context, slot time.Time, late bool) error {
	note := ""
	if late {
		note = render.DigestLateNote(slot, d.Config.Location)
	}
	p, err := composeDigest(ctx, d.Config, d.DB, d.Calendar, d.Now(), note)
	if err != nil {
		return err
	}
	_, err = digest.Send(ctx, d.DB, p)
	if errors.Is(err, digest.ErrNoHeadChat) {
		d.Logger.WarnContext(ctx, "digest not sent", "reason", err)
		return nil
	}
	return err
}

// scheduled makes a job of the scheduler from a job that takes its slot
// and whether it runs late.
func scheduled(name, spec string, run func(ctx context.Context, slot time.Time, late bool) error) schedule.Job {
	return schedule.Job{Name: name, Spec: spec, Run: func(ctx context.Context, r schedule.Run) error {
		return run(ctx, r.Slot, r.Late)
	}}
}
