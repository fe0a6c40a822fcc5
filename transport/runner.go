package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	tele "gopkg.in/telebot.v3"
)

// Runner defaults.
const (
	defaultRunnerWorkers = 8
	defaultQueueSize     = 256
	defaultDrainTimeout  = 10 * time.Second
)

// ErrRunnerClosed is returned by Runner.Submit once the runner is shutting
// down.
var ErrRunnerClosed = errors.New("transport: runner closed")

// RunnerOptions configures a Runner. The zero value is usable.
type RunnerOptions struct {
	// Workers is the most updates processed at the same time. Default 8.
	Workers int

	// QueueSize is the most updates accepted but not yet finished, across
	// all chats; Submit blocks while it is reached. Default 256.
	QueueSize int

	// DrainTimeout bounds how long Run waits, once it stops taking updates,
	// for the updates already accepted to be processed. Default 10s.
	DrainTimeout time.Duration

	// Logger receives handler panics and dropped updates. Default: discard.
	Logger *slog.Logger

	// Observer, when set, is told of each handler panic (UpdateFailed).
	Observer UpdateObserver
}

// Runner hands updates to its Handler: one at a time per chat, in
// the order received, and chats in parallel, with panics recovered.
//
// The bot must be created with tele.Settings{Synchronous: true} and must not
// be started with b.Start: without Synchronous, telebot runs every handler
// in a goroutine of its own, and neither the order nor the shutdown drain
// would hold.
//
// Design: a queue per key (the chat, see updateKey), created when an update
// for an idle key arrives and retired when it is empty, each served by one
// goroutine, so updates of a key never overlap or reorder. The goroutine
// takes one of Workers slots for each update it processes and gives it back
// between updates, so at most Workers handlers run at once and a busy chat
// cannot starve the others. Compared with a fixed set of shards chosen by
// hashing the key, a slow chat holds up only itself and never the unrelated
// chats that would share its shard; memory stays bounded because at most
// QueueSize updates are accepted and unfinished at any time.
type Runner struct {
	handler      Handler
	logger       *slog.Logger
	observer     UpdateObserver
	drainTimeout time.Duration

	workers chan struct{} // a token per running handler
	slots   chan struct{} // a token per accepted, unfinished update

	mu      sync.Mutex
	queues  map[updateKey]*keyQueue // keys with a goroutine serving them
	closed  bool                    // no more updates are accepted
	pending sync.WaitGroup          // one count per accepted, unfinished update

	closing    chan struct{} // closed when closed becomes true
	abandon    chan struct{} // closed when the drain gives up
	abandoned  sync.Once
	unfinished atomic.Int64 // accepted updates not yet finished
}

// keyQueue holds the updates of one key waiting for its goroutine.
type keyQueue struct {
	updates []queued
}

// queued is an accepted update and, for Process, the channel that gets
// nil once it has been handled, or ErrRunnerClosed if it was dropped.
type queued struct {
	update tele.Update
	done   chan error
}

// NewRunner returns a Runner that hands updates to h; a *tele.Bot must have
// been created with Synchronous: true.
func NewRunner(h Handler, opts RunnerOptions) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = defaultRunnerWorkers
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = defaultQueueSize
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = defaultDrainTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		handler:      h,
		logger:       opts.Logger,
		observer:     opts.Observer,
		drainTimeout: opts.DrainTimeout,
		workers:      make(chan struct{}, opts.Workers),
		slots:        make(chan struct{}, opts.QueueSize),
		queues:       make(map[updateKey]*keyQueue),
		closing:      make(chan struct{}),
		abandon:      make(chan struct{}),
	}
}

// Run submits the updates received from updates until updates is closed or
// ctx is done, then stops accepting updates and waits up to DrainTimeout
// for every update already accepted, queued ones included, to be processed.
// It returns nil when all of them were, and an error if the drain timed out;
// the updates that were then still queued are dropped, each logged with its
// update_id. An update still in the channel when ctx is done is left there.
//
// With the long poller, close updates (see RunPolling) rather than cancel
// ctx, so that nothing received is left behind. Run may be called once.
func (r *Runner) Run(ctx context.Context, updates <-chan tele.Update) error {
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case u, ok := <-updates:
			if !ok {
				break loop
			}
			if err := r.Submit(ctx, u); err != nil {
				r.logger.Warn("telegram: update not processed: runner stopping",
					slog.Int("update_id", u.ID), slog.String("error", err.Error()))
				break loop
			}
		}
	}

	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.drainTimeout)
	defer cancel()
	if err := r.Shutdown(drainCtx); err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	return nil
}

// Submit queues u behind the earlier updates of its chat. It blocks while
// QueueSize updates are unfinished, and fails with ctx's error if ctx is done
// first or with ErrRunnerClosed once Shutdown has begun. It does not wait for
// u to be processed. Submit is what a webhook handler calls.
func (r *Runner) Submit(ctx context.Context, u tele.Update) error {
	return r.submit(ctx, queued{update: u})
}

// Process queues u like Submit and waits until it has been handled (or ctx
// is done). A webhook handler calls it so that Telegram gets its answer
// only after the update's effects are stored: a crash before that makes
// Telegram deliver the update again.
func (r *Runner) Process(ctx context.Context, u tele.Update) error {
	done := make(chan error, 1)
	if err := r.submit(ctx, queued{update: u, done: done}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("process update %d: %w", u.ID, ctx.Err())
	}
}

func (r *Runner) submit(ctx context.Context, item queued) error {
	u := item.update
	select {
	case r.slots <- struct{}{}:
	case <-r.closing:
		return ErrRunnerClosed
	case <-ctx.Done():
		return fmt.Errorf("submit update %d: %w", u.ID, ctx.Err())
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		<-r.slots
		return ErrRunnerClosed
	}
	r.pending.Add(1)
	r.unfinished.Add(1)
	k := keyOf(u)
	if q, ok := r.queues[k]; ok {
		q.updates = append(q.updates, item)
		return nil
	}
	q := &keyQueue{updates: []queued{item}}
	r.queues[k] = q
	go r.serve(k, q)
	return nil
}

// Shutdown stops accepting updates and waits until every accepted update has
// been processed or ctx is done. In the latter case the updates not yet
// started are dropped and logged, handlers already running are left to
// finish in the background, and the error says how many were unfinished.
// Shutdown may be called more than once.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.closing)
	}
	r.mu.Unlock()

	done := make(chan struct{})
	go func() {
		r.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		n := r.unfinished.Load()
		r.abandoned.Do(func() { close(r.abandon) })
		return fmt.Errorf("drain: %d updates unfinished: %w", n, ctx.Err())
	}
}

// serve processes the updates of key k in order, one at a time, and retires
// the queue when it is empty.
func (r *Runner) serve(k updateKey, q *keyQueue) {
	for {
		acquired := false
		select {
		case r.workers <- struct{}{}:
			acquired = true
		case <-r.abandon:
		}

		r.mu.Lock()
		if len(q.updates) == 0 {
			delete(r.queues, k)
			r.mu.Unlock()
			if acquired {
				<-r.workers
			}
			return
		}
		item := q.updates[0]
		u := item.update
		q.updates[0] = queued{}
		q.updates = q.updates[1:]
		r.mu.Unlock()

		var outcome error
		if acquired && !r.isAbandoned() {
			r.process(u)
		} else {
			outcome = ErrRunnerClosed
			r.logger.Error("telegram: update dropped: runner shut down before processing it",
				slog.Int("update_id", u.ID))
		}
		if acquired {
			<-r.workers
		}
		if item.done != nil {
			item.done <- outcome
		}
		r.unfinished.Add(-1)
		<-r.slots
		r.pending.Done()
	}
}

// isAbandoned reports whether Shutdown has given up waiting.
func (r *Runner) isAbandoned() bool {
	select {
	case <-r.abandon:
		return true
	default:
		return false
	}
}

// process runs the bot's handlers for u, turning a panic into a log record.
func (r *Runner) process(u tele.Update) {
	defer func() {
		if v := recover(); v != nil {
			if r.observer != nil {
				r.observer.UpdateFailed(UpdateType(u))
			}
			r.logger.Error("telegram: panic in update handler",
				slog.Int("update_id", u.ID),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
		}
	}()
	r.handler.ProcessUpdate(u)
}

// updateKey identifies the sequence an update belongs to: updates with the
// same key are processed one at a time, in order.
type updateKey struct {
	chat   int64 // chat or user id; 0 if the update has neither
	update int   // update id, used only when chat is 0
}

// keyOf returns the key of u: the chat of a message, a callback query's
// message, a reaction, a membership change or a boost; the sender of an
// inline query, an inline callback, a payment query or a poll answer (for a
// private chat the user id is the chat id, so a user's inline queries stay in
// line with their private messages); and otherwise the update itself, which
// has no order to keep.
func keyOf(u tele.Update) updateKey {
	chat := func(c *tele.Chat) updateKey {
		if c == nil || c.ID == 0 {
			return updateKey{update: u.ID}
		}
		return updateKey{chat: c.ID}
	}
	user := func(s *tele.User) updateKey {
		if s == nil || s.ID == 0 {
			return updateKey{update: u.ID}
		}
		return updateKey{chat: s.ID}
	}

	switch {
	case u.Message != nil:
		return chat(u.Message.Chat)
	case u.EditedMessage != nil:
		return chat(u.EditedMessage.Chat)
	case u.ChannelPost != nil:
		return chat(u.ChannelPost.Chat)
	case u.EditedChannelPost != nil:
		return chat(u.EditedChannelPost.Chat)
	case u.Callback != nil:
		if m := u.Callback.Message; m != nil && m.Chat != nil {
			return chat(m.Chat)
		}
		return user(u.Callback.Sender)
	case u.Query != nil:
		return user(u.Query.Sender)
	case u.InlineResult != nil:
		return user(u.InlineResult.Sender)
	case u.ShippingQuery != nil:
		return user(u.ShippingQuery.Sender)
	case u.PreCheckoutQuery != nil:
		return user(u.PreCheckoutQuery.Sender)
	case u.PollAnswer != nil:
		if u.PollAnswer.Chat != nil {
			return chat(u.PollAnswer.Chat)
		}
		return user(u.PollAnswer.Sender)
	case u.MessageReaction != nil:
		return chat(u.MessageReaction.Chat)
	case u.MessageReactionCount != nil:
		return chat(u.MessageReactionCount.Chat)
	case u.MyChatMember != nil:
		return chat(u.MyChatMember.Chat)
	case u.ChatMember != nil:
		return chat(u.ChatMember.Chat)
	case u.ChatJoinRequest != nil:
		return chat(u.ChatJoinRequest.Chat)
	case u.Boost != nil:
		return chat(u.Boost.Chat)
	case u.BoostRemoved != nil:
		return chat(u.BoostRemoved.Chat)
	}
	return updateKey{update: u.ID}
}

// RunPolling receives updates with p and processes them with r until ctx is
// done, then shuts down in order: it stops polling (cancelling a long poll
// in progress), lets r process every update already received, bounded by
// r's DrainTimeout, and returns. It returns nil after a clean shutdown, and
// an error if the drain timed out or p stopped by itself.
//
// b is used for its URL and token only; it must not be started.
func RunPolling(ctx context.Context, b *tele.Bot, p tele.Poller, r *Runner) error {
	// Unbuffered: an update is either taken by the runner or left to the
	// poller, which then does not confirm it to Telegram.
	updates := make(chan tele.Update)
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(updates)
		defer close(polled)
		p.Poll(b, updates, stop)
	}()

	var stopOnce sync.Once
	stopPolling := func() { stopOnce.Do(func() { close(stop) }) }
	go func() {
		select {
		case <-ctx.Done():
			stopPolling()
		case <-polled:
		}
	}()

	// The runner ends when updates is closed, which happens once the
	// poller has returned, so nothing it received is left behind.
	err := r.Run(context.WithoutCancel(ctx), updates)
	stopPolling() // in case the runner ended first
	<-polled
	if err != nil {
		return fmt.Errorf("run polling: %w", err)
	}
	if ctx.Err() == nil {
		return errors.New("run polling: poller stopped unexpectedly")
	}
	return nil
}
