package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mcu/internal/backoff"
	"mcu/tgstate"
	"time"

	tele "gopkg.in/telebot.v3"
)

// InboxStore keeps received updates until they are handled. storage.DB
// implements it.
type InboxStore interface {
	// SaveInbox stores updates before they are confirmed to Telegram.
	SaveInbox(ctx context.Context, updates []tgstate.InboxUpdate, grace time.Duration) error
	// ClaimInbox returns updates due for another attempt and defers them.
	ClaimInbox(ctx context.Context, limit, maxAttempts int, backoff func(attempts int) time.Duration) ([]tgstate.InboxUpdate, error)
	// FailInbox records why handling an update failed.
	FailInbox(ctx context.Context, updateID int64, reason string) error
	// DueInboxNow makes every stored update due at once.
	DueInboxNow(ctx context.Context) (int, error)
	// UpdateRecorded reports whether the update of ctx has been recorded
	// as processed by a committed transaction.
	UpdateRecorded(ctx context.Context) bool
}

// InboxOptions tune how updates that were not handled are tried again.
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

// keepUpdates stores received updates in the inbox (the poller's Save).
func (b *Bot) keepUpdates(ctx context.Context, updates []tele.Update) error {
	list := make([]tgstate.InboxUpdate, 0, len(updates))
	for _, u := range updates {
		raw, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("encode update %d: %w", u.ID, err)
		}
		list = append(list, tgstate.InboxUpdate{ID: int64(u.ID), Payload: raw})
	}
	return b.opts.Store.SaveInbox(ctx, list, b.opts.Inbox.Grace)
}

// retryBackoff is the wait before another attempt at an update.
func (b *Bot) retryBackoff(attempts int) time.Duration {
	return backoff.Exponential(attempts-1, b.opts.Inbox.RetryBase, time.Hour)
}

// redeliverDue hands the inbox's due updates to the runner again: those a
// crash left unhandled, and those whose handling failed (PostgreSQL was
// down, say). It reports how many it handed.
func (b *Bot) redeliverDue(ctx context.Context) (int, error) {
	due, err := b.opts.Store.ClaimInbox(ctx, 100, b.opts.Inbox.MaxAttempts, b.retryBackoff)
	if err != nil {
		return 0, err
	}
	for _, item := range due {
		var u tele.Update
		if err := json.Unmarshal(item.Payload, &u); err != nil {
			b.logger.ErrorContext(ctx, "inbox: undecodable update", "update_id", item.ID, "error", err)
			continue
		}
		if item.Attempts+1 == b.opts.Inbox.MaxAttempts {
			b.logger.ErrorContext(ctx, "inbox: last attempt at an update; it stays in the inbox if it fails",
				"update_id", item.ID, "attempt", item.Attempts+1)
		} else {
			b.logger.WarnContext(ctx, "inbox: handling an update again", "update_id", item.ID, "attempt", item.Attempts+1)
		}
		if err := b.runner.Submit(ctx, u); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// redeliverLoop looks at the inbox every Poll until ctx ends.
func (b *Bot) redeliverLoop(ctx context.Context) {
	t := time.NewTicker(b.opts.Inbox.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := b.redeliverDue(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrRunnerClosed) {
			b.logger.WarnContext(ctx, "inbox: unable to redeliver", "error", err)
		}
	}
}

// recoverInbox hands what an earlier run left unhandled to the runner
// before anything new is received.
func (b *Bot) recoverInbox(ctx context.Context) error {
	n, err := b.opts.Store.DueInboxNow(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		b.logger.WarnContext(ctx, "inbox: updates left unhandled by an earlier run", "updates", n)
	}
	for {
		handed, err := b.redeliverDue(ctx)
		if err != nil || handed == 0 {
			return err
		}
	}
}
