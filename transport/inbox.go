package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/backoff"
	"mcu/tgstate"
)

// InboxStore keeps received updates until they are handled. storage.DB
// implements it.
type InboxStore interface {
	// SaveInbox stores updates before they are confirmed to Telegram.
	SaveInbox(ctx context.Context, updates []tgstate.InboxUpdate, grace time.Duration) error
	// ClaimInbox returns updates due for another attempt and defers them.
	ClaimInbox(ctx context.Context, limit, maxAttempts int, backoff func(attempts int) time.Duration) ([]tgstate.InboxUpdate, error)
	// DueInboxNow makes every stored update due at once.
	DueInboxNow(ctx context.Context) (int, error)
	// SaveRejected keeps, for inspection, a webhook post that could not
	// be decoded as an update.
	SaveRejected(ctx context.Context, r tgstate.RejectedUpdate) error
}

// InboxOptions tune how updates that were not handled are tried again.
// The zero value is usable.
type InboxOptions struct {
	// Grace is how long a received update may take to be handled before
	// it is taken for unhandled; default 30s.
	Grace time.Duration
	// Poll is how often the inbox is looked at; default 5s.
	Poll time.Duration
	// RetryBase is the wait before the first retry, doubled each time up
	// to an hour; default 10s.
	RetryBase time.Duration
	// MaxAttempts is how many times an update is handled before it is
	// given up (and left in the inbox for inspection); default 8.
	MaxAttempts int
}

func (o *InboxOptions) defaults() {
	if o.Grace <= 0 {
		o.Grace = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 10 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
}

// inbox keeps every received update in the store before it is confirmed
// to Telegram, and hands the runner again what a crash or a failed
// handling left there. The handler removes an update from the store in
// the transaction of its effects (or records why it failed).
type inbox struct {
	store  InboxStore
	runner *Runner
	opts   InboxOptions
	logger *slog.Logger
	// observer, when set, counts the updates kept.
	observer UpdateObserver
}

// reject keeps updates that cannot be decoded for inspection (the
// poller's Reject).
func (in *inbox) reject(ctx context.Context, rejected []tgstate.RejectedUpdate) error {
	for _, r := range rejected {
		if err := in.store.SaveRejected(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// keep stores received updates (the poller's Save).
func (in *inbox) keep(ctx context.Context, updates []tele.Update) error {
	list := make([]tgstate.InboxUpdate, 0, len(updates))
	for _, u := range updates {
		raw, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("encode update %d: %w", u.ID, err)
		}
		list = append(list, tgstate.InboxUpdate{ID: int64(u.ID), Payload: raw})
	}
	if err := in.store.SaveInbox(ctx, list, in.opts.Grace); err != nil {
		return err
	}
	if in.observer != nil {
		for _, u := range updates {
			in.observer.UpdateReceived(UpdateType(u))
		}
	}
	return nil
}

// retryBackoff is the wait before another attempt at an update.
func (in *inbox) retryBackoff(attempts int) time.Duration {
	return backoff.Exponential(attempts-1, in.opts.RetryBase, time.Hour)
}

// redeliverDue hands the due updates to the runner again: those a crash
// left unhandled, and those whose handling failed (PostgreSQL was down,
// say). It reports how many it handed.
func (in *inbox) redeliverDue(ctx context.Context) (int, error) {
	due, err := in.store.ClaimInbox(ctx, 100, in.opts.MaxAttempts, in.retryBackoff)
	if err != nil {
		return 0, err
	}
	for _, item := range due {
		var u tele.Update
		if err := json.Unmarshal(item.Payload, &u); err != nil {
			in.logger.ErrorContext(ctx, "inbox: undecodable update", "update_id", item.ID, "error", err)
			continue
		}
		if item.Attempts+1 == in.opts.MaxAttempts {
			in.logger.ErrorContext(ctx, "inbox: last attempt at an update; it stays in the inbox if it fails",
				"update_id", item.ID, "attempt", item.Attempts+1)
		} else {
			in.logger.WarnContext(ctx, "inbox: handling an update again", "update_id", item.ID, "attempt", item.Attempts+1)
		}
		if err := in.runner.Submit(ctx, u); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// redeliverLoop looks at the inbox every Poll until ctx ends.
func (in *inbox) redeliverLoop(ctx context.Context) {
	t := time.NewTicker(in.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := in.redeliverDue(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrRunnerClosed) {
			in.logger.WarnContext(ctx, "inbox: unable to redeliver", "error", err)
		}
	}
}

// recover hands what an earlier run left unhandled to the runner before
// anything new is received. A failure is logged: the redelivery loop
// tries again.
func (in *inbox) recover(ctx context.Context) {
	n, err := in.store.DueInboxNow(ctx)
	if err == nil && n > 0 {
		in.logger.WarnContext(ctx, "inbox: updates left unhandled by an earlier run", "updates", n)
	}
	for err == nil {
		var handed int
		if handed, err = in.redeliverDue(ctx); handed == 0 {
			break
		}
	}
	if err != nil && ctx.Err() == nil {
		in.logger.WarnContext(ctx, "inbox: unable to recover unhandled updates; will retry", "error", err)
	}
}
