package main

import (
	"log/slog"
	"time"

	"mcu/bot"
	"mcu/schedule"
	"mcu/storage"
)

// JobDeps is what the scheduled jobs of mcu serve may use, opened by
// Main.Run before it starts the scheduler.
type JobDeps struct {
	Config *Config
	DB     *storage.DB
	Bot    *bot.Bot
	Logger *slog.Logger
	Now    func() time.Time
}

// defaultJobs are the scheduled jobs of mcu serve (see schedule.Job): none
// yet. The head's digest (Config.DigestCron) and the working-day summary
// (Config.SummaryCron) add themselves here; each job's name is its key in
// job_runs, so it never changes.
func defaultJobs(JobDeps) []schedule.Job { return nil }
