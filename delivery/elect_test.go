package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/storage"
)

// callClock is the clock of Telegram's flood limits and of the pacers,
// moved only by the pacers' waits, which never move it while a Telegram
// call is in flight: a call stamped with Now when it starts is stamped
// with the time the server counts it at.
type callClock struct {
	calls sync.RWMutex // held for reading by calls in flight, for writing by a move
	mu    sync.Mutex
	now   time.Time
}

func (c *callClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *callClock) Sleep(ctx context.Context, d time.Duration) error {
	c.calls.Lock()
	defer c.calls.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return ctx.Err()
}

// stamp is a Telegram call an instance made: when by the limits' clock,
// when it started and ended on the wall clock, to which chat, how many
// messages, and whether Telegram accepted it.
type stamp struct {
	at         time.Time
	start, end time.Time
	chat       int64
	n          int
	ok         bool
}

// stampingClient is one instance's telebot client, recording its calls.
// With a gate, the calls it begins after the first gateAfter wait for
// the gate to close before they reach Telegram: calls in flight.
type stampingClient struct {
	*tele.Bot
	clock     *callClock
	mu        sync.Mutex
	calls     []stamp
	begun     int
	gateAfter int
	gate      chan struct{}
}

func (c *stampingClient) do(chat int64, n int, call func() error) {
	c.clock.calls.RLock()
	s := stamp{at: c.clock.Now(), start: time.Now(), chat: chat, n: n}
	c.mu.Lock()
	c.begun++
	gate := c.gate
	if c.begun <= c.gateAfter {
		gate = nil
	}
	c.mu.Unlock()
	if gate != nil {
		<-gate
	}
	err := call()
	c.clock.calls.RUnlock()
	s.end, s.ok = time.Now(), err == nil
	c.mu.Lock()
	c.calls = append(c.calls, s)
	c.mu.Unlock()
}

func (c *stampingClient) Send(to tele.Recipient, what any, opts ...any) (m *tele.Message, err error) {
	c.do(chatOf(to), 1, func() error { m, err = c.Bot.Send(to, what, opts...); return err })
	return m, err
}

func (c *stampingClient) Edit(msg tele.Editable, what any, opts ...any) (m *tele.Message, err error) {
	_, chat := msg.MessageSig()
	c.do(chat, 1, func() error { m, err = c.Bot.Edit(msg, what, opts...); return err })
	return m, err
}

func (c *stampingClient) SendAlbum(to tele.Recipient, a tele.Album, opts ...any) (ms []tele.Message, err error) {
	c.do(chatOf(to), len(a), func() error { ms, err = c.Bot.SendAlbum(to, a, opts...); return err })
	return ms, err
}

func chatOf(to tele.Recipient) int64 {
	if c, ok := to.(*tele.Chat); ok {
		return c.ID
	}
	return 0
}

// holdAfter makes the calls begun after the first n wait until the
// returned func is called.
func (c *stampingClient) holdAfter(n int) (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gateAfter, c.gate = n, make(chan struct{})
	return sync.OnceFunc(func() { close(c.gate) })
}

// begunCalls is how many calls the client has begun.
func (c *stampingClient) begunCalls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.begun
}

func (c *stampingClient) stamps() []stamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]stamp(nil), c.calls...)
}

// instance is one mcu serve's outbox side: its telebot client, its
// sender lock and its dispatcher running elected.
type instance struct {
	client  *stampingClient
	lock    *storage.SenderLock
	sender  atomic.Bool
	became  chan struct{} // receives when it becomes the sender
	retries atomic.Int64  // tries of the lock (injected sleeps) so far
	slow    atomic.Bool   // its waits between tries take 1 s, not 50 ms
	cancel  context.CancelFunc
	done    chan struct{}
}

// startElected starts an instance on the fixture's database whose
// dispatcher sends only while it holds the sender lock. The lock is
// tried every 3 s of an injected clock (a try every 50 ms of real time).
func (f *fixture) startElected(clock *callClock) *instance {
	f.t.Helper()
	tr := &http.Transport{}
	f.t.Cleanup(tr.CloseIdleConnections)
	tg, err := tele.NewBot(tele.Settings{URL: f.srv.URL, Token: f.srv.Token, Synchronous: true, Offline: true,
		Client: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		f.t.Fatalf("telebot: %v", err)
	}
	// A pool of its own, as an instance has.
	db, err := storage.Open(context.Background(), f.db.Pool().Config().ConnString(), dbtest.Logger(f.t))
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(db.Close)
	in := &instance{client: &stampingClient{Bot: tg, clock: clock}, lock: db.SenderLock(),
		became: make(chan struct{}, 8), done: make(chan struct{})}
	f.t.Cleanup(in.lock.Close)
	opts := delivery.DispatcherOptions{Pace: delivery.PaceOptions{Now: clock.Now, Sleep: clock.Sleep, MaxWait: time.Hour}}
	opts.Location, opts.Logger, opts.Poll = moscow, nil, 50*time.Millisecond
	opts.Now = func() time.Time { return f.now }
	disp := delivery.NewDispatcher(db, in.client, opts)
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() {
		defer close(in.done)
		err := disp.RunElected(ctx, in.lock, delivery.ElectOptions{
			Retry: 3 * time.Second,
			Sleep: func(ctx context.Context, d time.Duration) error {
				in.retries.Add(1)
				wait := 50 * time.Millisecond
				if in.slow.Load() {
					wait = time.Second
				}
				select {
				case <-time.After(wait):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
			Observe: func(sender bool) {
				in.sender.Store(sender)
				if sender {
					in.became <- struct{}{}
				}
			},
		})
		if err != nil {
			f.t.Errorf("RunElected: %v", err)
		}
	}()
	f.t.Cleanup(func() {
		cancel()
		<-in.done
	})
	return in
}

// killLock kills the database connection that holds the sender lock, as
// a crash of the holder's host, a network reset or an admin would.
func (f *fixture) killLock() {
	f.t.Helper()
	tag, err := f.db.Pool().Exec(context.Background(), `
		SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::bigint = $1 AND objid::bigint = $2`,
		storage.SenderLockKey>>32, storage.SenderLockKey&0xffffffff)
	if err != nil {
		f.t.Fatal(err)
	}
	if tag.RowsAffected() != 1 {
		f.t.Fatalf("%d sessions held the sender lock, want 1", tag.RowsAffected())
	}
}

// maxInWindow is the most messages of calls in any span of length per
// (by the limits' clock).
func maxInWindow(calls []stamp, per time.Duration) int {
	most := 0
	for i := range calls {
		n := 0
		for _, c := range calls {
			if !c.at.Before(calls[i].at) && c.at.Before(calls[i].at.Add(per)) {
				n += c.n
			}
		}
		most = max(most, n)
	}
	return most
}

// Two instances on one database, Telegram as strict as it is about its
// flood limits: 30 residents submit at once (30 registrations to private
// chats, 30 cards to the housing group). Only the elected instance
// sends. Midway the holder's lock connection is killed: it stops at once,
// the other takes over within three tries (9 s of its clock), and the rest
// goes out from there. Telegram answers no 429, nothing is sent twice,
// and counted by the limits' clock no group gets more than 20 in a
// minute and the bot no more than 30 in a second.
func TestElectedSenderKeepsLimitsAcrossInstancesAndAHandover(t *testing.T) {
	clock := &callClock{now: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)}
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: clock.Now}})
	a, b := f.startElected(clock), f.startElected(clock)
	first, second := a, b
	select {
	case <-a.became:
	case <-b.became:
		first, second = b, a
	case <-time.After(10 * time.Second):
		t.Fatal("no instance became the sender within 10 s")
	}
	// The holder's 26th call and those after it hang in flight until
	// after the takeover.
	release := first.client.holdAfter(25)
	t.Cleanup(release)
	const residents = 30
	chats := f.wave(residents)

	deadline := time.Now().Add(20 * time.Second)
	for first.client.begunCalls() <= 25 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if second.sender.Load() {
		t.Fatal("both instances are the sender")
	}
	triesBefore := second.retries.Load()
	first.slow.Store(true) // the holder's host is slow to come back: the other takes over
	f.killLock()
	killed := time.Now()
	select {
	case <-second.became:
	case <-time.After(10 * time.Second):
		t.Fatal("the other instance did not take over within 10 s")
	}
	if tries := second.retries.Load() - triesBefore; tries > 3 {
		t.Errorf("the other instance took over after %d more tries (%v of its clock), want at most 3", tries, time.Duration(tries)*3*time.Second)
	}
	inFlight := first.client.begunCalls() - 25
	release() // the calls in flight get through
	handover := fmt.Sprintf("the other took over %v after the kill, with %d calls of the first in flight",
		time.Since(killed).Round(time.Millisecond), inFlight)

	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got := delivered(f.srv)
		done := got[f.housing.ID] >= residents
		for _, c := range chats {
			done = done && got[c] >= 1
		}
		if done || len(flooded(f.srv)) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
	got := delivered(f.srv)
	for _, c := range chats {
		if got[c] != 1 {
			t.Errorf("resident %d got %d messages, want the registration message once", c, got[c])
		}
	}
	cards := map[string]int{}
	for _, n := range numbers(f.sentTo(f.housing.ID)) {
		cards[n]++
	}
	for n, k := range cards {
		if k != 1 {
			t.Errorf("the housing group got %d cards of %s, want 1", k, n)
		}
	}
	if len(cards) != residents {
		t.Errorf("the housing group got cards of %d appeals, want %d", len(cards), residents)
	}

	// Counted by the limits' clock, over both instances' calls.
	var all, group []stamp
	for _, in := range []*instance{first, second} {
		for _, s := range in.client.stamps() {
			if s.ok {
				all = append(all, s)
				if s.chat == f.housing.ID {
					group = append(group, s)
				}
			}
		}
	}
	if n := maxInWindow(group, time.Minute); n > 20 {
		t.Errorf("the housing group got %d messages in a minute, want at most 20", n)
	}
	if n := maxInWindow(all, time.Second); n > 30 {
		t.Errorf("the bot sent %d messages in a second, want at most 30", n)
	}
	// The first stopped at the kill: apart from its calls in flight then,
	// none of its calls began after the second's first call.
	before, after := first.client.stamps(), second.client.stamps()
	if len(before) == 0 || len(after) == 0 {
		t.Fatalf("the first instance made %d calls and the second %d, want both some: a handover", len(before), len(after))
	}
	var took time.Time
	for _, s := range after {
		if took.IsZero() || s.start.Before(took) {
			took = s.start
		}
	}
	for _, s := range before {
		if s.start.After(took) {
			t.Errorf("the first instance began a call %v after the second's first call", s.start.Sub(took))
		}
	}
	t.Logf("%s; calls: %d by the first sender, %d by the second; the limits' clock moved %v",
		handover, len(before), len(after), clock.Now().Sub(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)))
}
