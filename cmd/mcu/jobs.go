package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mcu/bot"
	"mcu/control"
	"mcu/outbox"
	"mcu/render"
	"mcu/report"
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
		Now: d.Now, Logger: d.Logger, RatingDays: d.Config.RatingDays,
	})
	var jobs []schedule.Job
	for _, j := range ctl.Jobs() {
		if j.Name == "summary" {
			j.Spec = d.Config.SummaryCron // MCU_SUMMARY_CRON
		}
		jobs = append(jobs, scheduled(j.Name, j.Spec, j.Run))
	}
	return append(jobs,
		scheduled("digest", d.Config.DigestCron, d.digest),
		scheduled("report", reportCron, d.report),
		scheduled("forget", forgetCron, d.forget))
}

// forgetCron is when personal data past their time are erased: nightly,
// when nobody works with the appeals.
const forgetCron = "30 3 * * *"

// forget is the nightly job of personal data (docs/privacy.md): those
// whose appeals were all finished more than MCU_RETENTION_DAYS ago are
// forgotten, and messages sent over a week ago keep only their outcome.
func (d JobDeps) forget(ctx context.Context, _ time.Time, _ bool) error {
	now := d.Now()
	if days := d.Config.RetentionDays; days > 0 {
		residents, appeals, err := d.DB.ForgetExpired(ctx, now.AddDate(0, 0, -days), now, forgetBatch)
		if err != nil {
			return err
		}
		if residents+appeals > 0 {
			d.Logger.InfoContext(ctx, "personal data past the retention period erased",
				"residents", residents, "appeals", appeals, "retention_days", days)
		}
	}
	n, err := d.DB.ExpireMessages(ctx, now, forgetBatch)
	if err != nil {
		return err
	}
	if n > 0 {
		d.Logger.InfoContext(ctx, "sent messages expired", "messages", n)
	}
	return nil
}

// forgetBatch is how many residents, appeals or messages the nightly job
// erases in one transaction.
const forgetBatch = 500

// reportCron is when the monthly report goes to the head and the leader:
// on the 1st at 08:00, for the month before.
const reportCron = "0 8 1 * *"

// report is the job of the monthly report: the report of the month before
// the slot's, as a document to the head's chat and the leader's.
func (d JobDeps) report(ctx context.Context, slot time.Time, _ bool) error {
	month := report.MonthOf(previousMonth(slot, d.Config.Location), d.Config.Location)
	p, err := composeReport(ctx, d.Config, d.DB, d.Calendar, month, d.Now)
	if err != nil {
		return err
	}
	return d.toHeads(ctx, "monthly report "+month.String(), p)
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
	return d.toHeads(ctx, "digest", p)
}

// scheduled makes a job of the scheduler from a job that takes its slot
// and whether it runs late.
func scheduled(name, spec string, run func(ctx context.Context, slot time.Time, late bool) error) schedule.Job {
	return schedule.Job{Name: name, Spec: spec, Run: func(ctx context.Context, r schedule.Run) error {
		return run(ctx, r.Slot, r.Late)
	}}
}

// toHeads queues p (what names it) for the head's and the leader's chats.
// With no head chat bound there is nobody to send it to: that is logged,
// and the job is not retried.
func (d JobDeps) toHeads(ctx context.Context, what string, p outbox.Prepared) error {
	_, err := toHeadAndLeader(ctx, d.DB, p)
	if errors.Is(err, errNoHeadChat) {
		d.Logger.WarnContext(ctx, what+" not sent", "reason", err)
		return nil
	}
	return err
}
