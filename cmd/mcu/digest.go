package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/delivery"
	"mcu/digest"
	"mcu/outbox"
	"mcu/schedule"
	"mcu/storage"
	"mcu/workflow"
)

// calendar is the production calendar of the configuration: the embedded
// decrees and MCU_CALENDAR_FILE.
func calendar(cfg *Config, logger *slog.Logger) *workflow.Calendar {
	return workflow.NewCalendar(logger, cfg.CalendarDays)
}

// composeDigest makes the head's digest at now, counting from the slot of
// MCU_DIGEST_CRON before now, led by note (a late digest says so).
func composeDigest(ctx context.Context, cfg *Config, db *storage.DB, cal *workflow.Calendar, now time.Time, note string) (outbox.Prepared, error) {
	since, err := schedule.Previous(cfg.DigestCron, cfg.Location, now)
	if err != nil {
		return outbox.Prepared{}, fmt.Errorf("MCU_DIGEST_CRON: %w", err)
	}
	b := &digest.Builder{Store: db, Calendar: cal, Location: cfg.Location}
	msg, err := b.Compose(ctx, since, now)
	if err != nil {
		return outbox.Prepared{}, err
	}
	return msg.Prepared(note), nil
}

// digestWait bounds how long mcu digest waits for Telegram to accept the
// digest (429s and retries included).
const digestWait = 2 * time.Minute

// sendDigest is mcu digest: it composes the digest now, queues it for the
// head's chat (and the leader's, when bound) and delivers it, exiting
// once Telegram accepted it. With no head chat bound it fails, saying so.
// A serve instance that sends the outbox delivers it; with none, this
// command's own dispatcher does (and also sends whatever else is due).
func sendDigest(ctx context.Context, _ []string, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := LoadConfig(getenv, true)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.close()
	p, err := composeDigest(ctx, cfg, db.DB, calendar(cfg, logger), time.Now(), "")
	if err != nil {
		return err
	}
	ids, err := toHeadAndLeader(ctx, db, p)
	if err != nil {
		return err
	}
	tg, err := tele.NewBot(tele.Settings{URL: cfg.TelegramAPIURL, Token: cfg.TelegramToken, Synchronous: true, Offline: true})
	if err != nil {
		return fmt.Errorf("telegram: %w", err)
	}
	return deliver(ctx, db.DB, tg, cfg, logger, ids)
}

// deliver waits until the outbox messages ids are sent (nil) or given
// up (their error), for at most digestWait. It runs a dispatcher of its
// own that sends only while it holds the outbox sender lock: while a
// serve instance is the sender, that instance sends them (and this one
// only waits), and should it stop, this one takes over, as another serve
// instance would. So Telegram's flood limits hold with a digest sent by
// hand, too.
func deliver(ctx context.Context, db *storage.DB, tg *tele.Bot, cfg *Config, logger *slog.Logger, ids []int64) error {
	ctx, cancel := context.WithTimeout(ctx, digestWait)
	defer cancel()
	disp := delivery.NewDispatcher(db, tg, delivery.DispatcherOptions{Location: cfg.Location, Logger: logger, Admins: cfg.AdminIDs,
		Pace: cfg.pace()})
	lock := db.SenderLock()
	defer lock.Close()
	done := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	go func() { done <- disp.RunElected(runCtx, lock, delivery.ElectOptions{}) }()
	defer func() { stop(); <-done }()
	for _, id := range ids {
		if err := waitDelivered(ctx, db, id); err != nil {
			return err
		}
	}
	logger.Info("digest delivered", "messages", len(ids))
	return nil
}

// waitDelivered waits until the outbox message id is sent (nil) or given
// up (its error), or ctx ends.
func waitDelivered(ctx context.Context, db *storage.DB, id int64) error {
	for {
		d, err := db.FindOutboxDelivery(ctx, id)
		switch {
		case err != nil:
			return err
		case d.Sent:
			return nil
		case d.Failed:
			return fmt.Errorf("telegram refused the digest: %s", d.LastError)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the digest was not delivered within %s (last error: %q); it stays queued: %w",
				digestWait, d.LastError, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
