package delivery

import (
	"context"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/backoff"
	"mcu/internal/redact"
	"mcu/outbox"
)

// SenderLock elects the one instance that sends the outbox, so that
// Telegram's flood limits, which the pacer keeps in memory, hold for the
// bot as a whole however many instances run. storage.SenderLock
// implements it (a PostgreSQL advisory lock on a connection of its own).
type SenderLock interface {
	// Try takes the lock if nobody holds it; lost is nil when another
	// does. Otherwise lost is closed as soon as the lock may no longer be
	// held (its connection broke), and release gives it up.
	Try(ctx context.Context) (lost <-chan struct{}, release func(), err error)
}

// ElectOptions configure RunElected.
type ElectOptions struct {
	// Retry is how often an instance that does not hold the lock tries
	// it again; default 3s.
	Retry time.Duration
	// Sleep waits between tries; default a timer (tests inject one).
	Sleep func(ctx context.Context, d time.Duration) error
	// Observe, when set, is told true when this instance becomes the
	// sender and false when it stops being it (the mcu_outbox_sender
	// gauge).
	Observe func(sender bool)
}

// RunElected sends the outbox as Run does, but only while this instance
// holds lock; until then, and after losing it, it tries the lock every
// Retry. Each term as the sender runs a dispatcher of its own whose
// pacer starts empty (StartEmpty): the instance it takes over from may
// have just spent Telegram's limits. When the lock is lost the term ends
// at once: no message is claimed and no Telegram call is made after
// that; only the calls already in flight finish, and their outcomes are
// recorded (see fencedOutbox). When ctx ends the sender drains as Run
// does and then releases the lock. It returns when ctx ends.
func (d *Dispatcher) RunElected(ctx context.Context, lock SenderLock, o ElectOptions) error {
	if o.Retry <= 0 {
		o.Retry = 3 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = backoff.Sleep
	}
	if o.Observe == nil {
		o.Observe = func(bool) {}
	}
	log := d.opts.Logger
	standing := false // logged once per wait, not at every try
	for ctx.Err() == nil {
		lost, release, err := lock.Try(ctx)
		switch {
		case ctx.Err() != nil:
			if release != nil {
				release()
			}
			return nil
		case err != nil:
			log.WarnContext(ctx, "outbox: unable to try the sender lock; trying again", "error", redact.URL(err), "retry_in", o.Retry)
		case lost == nil:
			if !standing {
				log.InfoContext(ctx, "outbox: another instance sends; this one stands by", "retry_every", o.Retry)
				standing = true
			}
		default:
			standing = false
			// Lost (or ctx ended): the others, whose connection may be
			// sounder, have a Retry's head start to take over.
			d.term(ctx, lost, release, o.Observe)
		}
		if o.Sleep(ctx, o.Retry) != nil {
			return nil
		}
	}
	return nil
}

// term runs a dispatcher while lost is open, until ctx ends.
func (d *Dispatcher) term(ctx context.Context, lost <-chan struct{}, release func(), observe func(bool)) {
	log := d.opts.Logger
	log.InfoContext(ctx, "outbox: this instance is the sender")
	observe(true)
	defer observe(false)
	defer release()
	termCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-lost:
			cancel()
		case <-termCtx.Done():
		}
	}()
	opts := d.opts
	opts.Pace.StartEmpty = true
	td := NewDispatcher(fencedOutbox{Outbox: d.queue, lost: lost}, fencedMessenger{Messenger: d.tg, lost: lost}, opts)
	_ = td.Run(termCtx)
	select {
	case <-lost:
		if ctx.Err() == nil {
			log.WarnContext(ctx, "outbox: lost the sender lock; stopped sending")
		}
	default:
	}
}

// isLost reports whether lost is closed.
func isLost(lost <-chan struct{}) bool {
	select {
	case <-lost:
		return true
	default:
		return false
	}
}

// fencedOutbox claims nothing once lost is closed. A message claimed
// before is finished: the Telegram call in flight ends and its outcome
// is recorded with the parts done, so that nothing Telegram accepted is
// sent again by the next sender (the row stays leased until then, and the
// next sender skips its chat).
type fencedOutbox struct {
	Outbox
	lost <-chan struct{}
}

func (f fencedOutbox) ClaimOutbox(ctx context.Context, limit, bulk int, lease time.Duration) ([]outbox.Message, int, error) {
	if isLost(f.lost) {
		return nil, 0, nil
	}
	return f.Outbox.ClaimOutbox(ctx, limit, bulk, lease)
}

// fencedMessenger makes no Telegram call once lost is closed: the message
// in hand is put off at the part it reached (errPaced: not an attempt, no
// error recorded, due again at once), for the next sender.
type fencedMessenger struct {
	Messenger
	lost <-chan struct{}
}

func (f fencedMessenger) Send(to tele.Recipient, what any, opts ...any) (*tele.Message, error) {
	if isLost(f.lost) {
		return nil, errPaced{}
	}
	return f.Messenger.Send(to, what, opts...)
}

func (f fencedMessenger) Edit(msg tele.Editable, what any, opts ...any) (*tele.Message, error) {
	if isLost(f.lost) {
		return nil, errPaced{}
	}
	return f.Messenger.Edit(msg, what, opts...)
}

func (f fencedMessenger) SendAlbum(to tele.Recipient, a tele.Album, opts ...any) ([]tele.Message, error) {
	if isLost(f.lost) {
		return nil, errPaced{}
	}
	return f.Messenger.SendAlbum(to, a, opts...)
}

func (f fencedMessenger) EditReplyMarkup(msg tele.Editable, markup *tele.ReplyMarkup) (*tele.Message, error) {
	if isLost(f.lost) {
		return nil, errPaced{}
	}
	return f.Messenger.EditReplyMarkup(msg, markup)
}

func (f fencedMessenger) Delete(msg tele.Editable) error {
	if isLost(f.lost) {
		return errPaced{}
	}
	return f.Messenger.Delete(msg)
}
