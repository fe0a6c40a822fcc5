// Package control is deadline control for staff and residents: jobs
// that a scheduler runs, each a method of Control with the
// signature func(ctx, slot, late) error.
//
//   - Summary: the morning summary to each bound direction chat.
//   - Deadlines: reminders 3 and 1 working days before a deadline, and an
//     escalation on the day it passes.
//   - Ratings: the reminder to rate an answer after 3 days, the close
//     without a rating after 7.
//   - Redirects: an appeal of 59-ФЗ left in triage, on day 5 and day 7.
//
// Every job is idempotent: what it sent is recorded in the transaction
// that puts its messages in the outbox (one summary per direction and
// slot; one alert per appeal, threshold and the due date it was computed
// for), so a second run sends nothing twice, and a late run sends what is
// due now. The texts are rendered by package render; the workflow's own
// changes (the system's close) go through workflow.Service.
package control

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"mcu/outbox"
	"mcu/workflow"
)

// Enqueue writes a prepared message to the outbox inside the transaction
// of Store.SendAlert or Store.SendSummary; a recipient with no chat bound
// is a not-found error.
type Enqueue = func(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error)

// Store is what deadline control reads and writes. storage.DB implements
// it.
type Store interface {
	// FindOpenAppeals returns the registered appeals that still wait for
	// an answer, soonest deadline first.
	FindOpenAppeals(ctx context.Context) ([]*workflow.Appeal, error)
	// FindUnratedAnswers returns the answered appeals with no rating whose
	// answer came at or before before.
	FindUnratedAnswers(ctx context.Context, before time.Time) ([]*workflow.Appeal, error)
	// FindResidentChat returns the private chat of a resident who can be
	// written to; 0 when there is none.
	FindResidentChat(ctx context.Context, residentID int64) (int64, error)
	// FindCurators returns the Telegram ids of a direction's curators.
	FindCurators(ctx context.Context, direction string) ([]int64, error)
	// FindBindings returns every chat binding.
	FindBindings(ctx context.Context) ([]workflow.Binding, error)
	// FindDirections returns the active directions.
	FindDirections(ctx context.Context) ([]workflow.Direction, error)
	// SendAlert records an alert about an appeal (threshold, the due date
	// it was computed for, when) and, when it is new, calls send in the
	// same transaction; it reports whether the alert was new.
	SendAlert(ctx context.Context, appealID int64, threshold string, dueAt, at time.Time,
		send func(ctx context.Context, enqueue Enqueue) error) (bool, error)
	// SendSummary records the summary of a direction for a slot (with the
	// number of appeals it lists) and, when it is new, calls send in the
	// same transaction; it reports whether the summary was new.
	SendSummary(ctx context.Context, slot time.Time, direction string, items int, at time.Time,
		send func(ctx context.Context, enqueue Enqueue) error) (bool, error)
}

// Applier fires workflow commands; *workflow.Service implements it.
type Applier interface {
	Apply(ctx context.Context, cmd workflow.Command) (*workflow.Appeal, error)
}

// Thresholds of alerts, as recorded in deadline_alerts.
const (
	ThresholdRemind3          = "remind_3"          // 3 working days before the deadline
	ThresholdRemind1          = "remind_1"          // 1 working day before the deadline
	ThresholdEscalate         = "escalate"          // the day the deadline passes
	ThresholdRating           = "rating"            // the resident reminded to rate
	ThresholdRedirectRemind   = "redirect_remind"   // an appeal of 59-ФЗ in triage on day 5
	ThresholdRedirectEscalate = "redirect_escalate" // … on day 7, the last day to redirect it
)

// The rules of deadline control.
const (
	// SummaryWorkdays: the summary lists what is due in this many working
	// days after today.
	SummaryWorkdays = 2
	// RatingRemindDays and RatingCloseDays: an answer not rated is
	// reminded of after 3 days and closed without a rating after 7 (by
	// default: Options.RatingDays; the reminder comes a day before the
	// close when that is sooner).
	RatingRemindDays = 3
	RatingCloseDays  = 7
	// RedirectRemindDay and RedirectLastDay: an appeal of 59-ФЗ for
	// another body is redirected within 7 days of registration (59-ФЗ
	// art. 8 p. 3); the triage chat is reminded on day 5 and alerted on
	// day 7.
	RedirectRemindDay = 5
	RedirectLastDay   = 7
)

// Options configure a Control.
type Options struct {
	Store Store
	// Service closes answers nobody rated (workflow.Service).
	Service  Applier
	Calendar workflow.Workdays
	Location *time.Location // MCU_TIMEZONE; default UTC
	Now      func() time.Time
	Logger   *slog.Logger
	// RatingDays: an answer not rated is closed after this many days
	// (MCU_RATING_DAYS); 0 means RatingCloseDays.
	RatingDays int
}

// Control runs the deadline control jobs.
type Control struct {
	opts Options
}

// New returns a Control; Store, Service and Calendar are required.
func New(opts Options) *Control {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RatingDays <= 0 {
		opts.RatingDays = RatingCloseDays
	}
	return &Control{opts: opts}
}

// Job is one job of deadline control with the schedule it is meant for:
// five cron fields in MCU_TIMEZONE.
type Job struct {
	Name string
	Spec string
	Run  func(ctx context.Context, slot time.Time, late bool) error
}

// Jobs returns the jobs with their intended schedules: the summary at
// 08:00 on weekdays (the job itself skips holidays of the production
// calendar), the others every hour from 08:00 to 20:00, so that nobody is
// written to at night and what became due overnight goes out at 08:00.
func (c *Control) Jobs() []Job {
	return []Job{
		{Name: "summary", Spec: "0 8 * * 1-5", Run: c.Summary},
		{Name: "deadlines", Spec: "0 8-20 * * *", Run: c.Deadlines},
		{Name: "ratings", Spec: "0 8-20 * * *", Run: c.Ratings},
		{Name: "redirects", Spec: "0 8-20 * * *", Run: c.Redirects},
	}
}

func (c *Control) now() time.Time { return c.opts.Now().In(c.opts.Location) }

// day returns t's date at 00:00 in MCU_TIMEZONE.
func (c *Control) day(t time.Time) time.Time {
	y, m, d := t.In(c.opts.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.opts.Location)
}

// isWorkday reports whether day (at 00:00) is a working day: the first
// working day after the day before.
func (c *Control) isWorkday(day time.Time) bool {
	return c.opts.Calendar.AddWorkdays(day.AddDate(0, 0, -1), 1).Equal(day)
}

// workdaysUntil returns in how many working days after today the date
// due comes (1 when due is the next working day or earlier), counting up
// to limit.
func (c *Control) workdaysUntil(today, due time.Time, limit int) int {
	for n := 1; n < limit; n++ {
		if !c.opts.Calendar.AddWorkdays(today, n).Before(due) {
			return n
		}
	}
	return limit
}

// directionNames returns the directions' names by code.
func (c *Control) directionNames(ctx context.Context) (map[string]string, error) {
	list, err := c.opts.Store.FindDirections(ctx)
	if err != nil {
		return nil, fmt.Errorf("control: directions: %w", err)
	}
	names := make(map[string]string, len(list))
	for _, d := range list {
		names[d.Code] = d.Name
	}
	return names, nil
}

// letter is a prepared message and where it goes.
type letter struct {
	to  outbox.Recipient
	msg outbox.Prepared
}

// chatOf is the chat of an appeal's direction (the triage chat for "").
func chatOf(direction string) outbox.Recipient {
	if direction == "" {
		return outbox.Recipient{Purpose: workflow.BindTriage}
	}
	return outbox.Recipient{Purpose: workflow.BindDirection, Direction: direction}
}

// alert sends an alert about appeal a once: it records (a, threshold,
// dueAt) and enqueues the letters in one transaction, or does nothing
// when the alert was sent before.
func (c *Control) alert(ctx context.Context, a *workflow.Appeal, threshold string, dueAt, now time.Time, letters []letter) error {
	sent, err := c.opts.Store.SendAlert(ctx, a.ID, threshold, dueAt, now, func(ctx context.Context, enqueue Enqueue) error {
		return c.enqueueAll(ctx, enqueue, letters)
	})
	if err != nil {
		return fmt.Errorf("control: %s of appeal %d: %w", threshold, a.ID, err)
	}
	if sent {
		c.opts.Logger.InfoContext(ctx, "control: alert sent", "appeal_id", a.ID, "number", a.Number(),
			"threshold", threshold, "due_at", dueAt, "messages", len(letters))
	}
	return nil
}

// enqueueAll enqueues letters; one to a purpose with no chat bound is
// skipped with a warning (the alert still counts as sent: it is not sent
// late once the chat is bound).
func (c *Control) enqueueAll(ctx context.Context, enqueue Enqueue, letters []letter) error {
	for _, l := range letters {
		_, err := enqueue(ctx, l.to, l.msg)
		if workflow.ErrorCode(err) == workflow.ENotFound {
			c.opts.Logger.WarnContext(ctx, "control: no chat bound; message skipped",
				"purpose", l.to.Purpose, "direction", l.to.Direction)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
