package delivery_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/storage"
	"mcu/workflow"
)

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fixture is the dispatcher's world: a fresh database, the Telegram test
// server reached through telebot, a resident (Алиса) in a private chat
// with the bot and the housing chat bound to its direction. The workflow
// enqueues; the dispatcher under test sends.
type fixture struct {
	t          *testing.T
	srv        *telegramtest.Server
	db         *storage.DB
	svc        *workflow.Service
	tg         *tele.Bot
	queue      delivery.Outbox // what dispatchers send from: db unless a test wraps it
	alice      telegramtest.User
	housing    telegramtest.Chat
	residentID int64
	now        time.Time // the workflow's clock: appeals are numbered 2026-…
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second})
}

// newFixtureWith is newFixture with the test server's options.
func newFixtureWith(t *testing.T, opts telegramtest.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 3, 2, 10, 0, 0, 0, moscow)}
	f.srv = telegramtest.MustNew(t, opts)
	f.db = dbtest.New(t)
	f.svc = &workflow.Service{
		Store: f.db, Calendar: workflow.NewCalendar(nil, nil), Location: moscow,
		Now: func() time.Time { return f.now }, Logger: dbtest.Logger(t),
	}
	tg, err := tele.NewBot(tele.Settings{URL: f.srv.URL, Token: f.srv.Token, Synchronous: true})
	if err != nil {
		t.Fatalf("telebot: %v", err)
	}
	f.tg = tg
	f.alice = f.srv.NewUser("Алиса")
	f.srv.OpenPrivateChat(f.alice)
	f.housing = f.srv.NewGroup("ЖКХ")
	dbtest.Exec(t, f.db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, direction, bound_by) VALUES ($1, 0, 'direction', 'housing', 0)`,
		f.housing.ID)
	err = f.db.Pool().QueryRow(context.Background(), `
		INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now()) RETURNING id`,
		f.alice.ID).Scan(&f.residentID)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// submit has Алиса submit an appeal to housing: the workflow enqueues her
// registration message and the card for the housing chat.
func (f *fixture) submit(text string) *workflow.Appeal {
	f.t.Helper()
	a, err := f.svc.Submit(context.Background(), workflow.Resident(f.alice.ID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: f.residentID, Text: text,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// dispatcher is a running Dispatcher.
type dispatcher struct {
	cancel    context.CancelFunc
	done      chan struct{}
	once      sync.Once
	stoppedAt time.Time
}

// start runs a dispatcher with opts (the clock, directions and a short
// poll filled in) until stop or the end of the test.
func (f *fixture) start(opts delivery.DispatcherOptions) *dispatcher {
	f.t.Helper()
	return f.startOn(f.tg, opts)
}

// startOn is start with the dispatcher sending through tg (another
// client of the test server, as a second instance of the bot has).
func (f *fixture) startOn(tg delivery.Messenger, opts delivery.DispatcherOptions) *dispatcher {
	f.t.Helper()
	opts.Location = moscow
	opts.Now = func() time.Time { return f.now }
	opts.Logger = dbtest.Logger(f.t)
	opts.Directions = func(ctx context.Context) (map[string]string, error) {
		list, err := f.db.FindDirections(ctx)
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		for _, d := range list {
			names[d.Code] = d.Name
		}
		return names, nil
	}
	if opts.Poll == 0 {
		opts.Poll = 50 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{cancel: cancel, done: make(chan struct{})}
	var queue delivery.Outbox = f.db
	if f.queue != nil {
		queue = f.queue
	}
	disp := delivery.NewDispatcher(queue, tg, opts)
	go func() {
		defer close(d.done)
		if err := disp.Run(ctx); err != nil {
			f.t.Errorf("dispatcher: %v", err)
		}
	}()
	f.t.Cleanup(func() { d.stop(f.t) })
	return d
}

// shutdown cancels the dispatcher's context, as SIGTERM does in serve.
func (d *dispatcher) shutdown() {
	d.once.Do(func() {
		d.stoppedAt = time.Now()
		d.cancel()
	})
}

// wait waits up to limit after the shutdown for Run to return, and
// returns how long it took; it fails the test when Run has not returned.
func (d *dispatcher) wait(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	select {
	case <-d.done:
		return time.Since(d.stoppedAt)
	case <-time.After(time.Until(d.stoppedAt.Add(limit))):
		t.Errorf("dispatcher did not return within %v of shutdown", limit)
		return time.Since(d.stoppedAt)
	}
}

// stop shuts the dispatcher down and waits for it up to 30 s.
func (d *dispatcher) stop(t *testing.T) time.Duration {
	t.Helper()
	d.shutdown()
	return d.wait(t, 30*time.Second)
}

// sentTo returns everything the bot sent to a chat, as sent, in order.
func (f *fixture) sentTo(chatID int64) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range f.srv.AllSent() {
		if m.Chat.ID == chatID {
			out = append(out, m)
		}
	}
	return out
}

var appealNumber = regexp.MustCompile(`\d{4}-\d{6}`)

// numbers returns the first appeal number each message names.
func numbers(msgs []telegramtest.Message) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, appealNumber.FindString(m.Content()))
	}
	return out
}

// waitSent waits until a sendMessage call to the chat whose text holds
// substr has been answered with success (the call, not only the message:
// the server records a call once it has answered it).
func (f *fixture) waitSent(chatID int64, substr string) telegramtest.Call {
	f.t.Helper()
	return f.srv.MustWaitCall(f.t, "sendMessage", func(c telegramtest.Call) bool {
		return c.ChatID() == chatID && c.OK() && strings.Contains(c.Param("text"), substr)
	})
}

// callsTo returns the sendMessage calls to a chat, in order.
func (f *fixture) callsTo(chatID int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range f.srv.CallsOf("sendMessage") {
		if c.ChatID() == chatID {
			out = append(out, c)
		}
	}
	return out
}

func statuses(calls []telegramtest.Call) []int {
	out := make([]int, len(calls))
	for i, c := range calls {
		out[i] = c.Status
	}
	return out
}

func TestDispatcherHoldsChatBehindHeadWaitingOutBackoff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Telegram fails Алиса's chat twice: her first message waits out two
	// backoffs (about 1 s, then 2 s), and her later ones wait behind it.
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.alice.ID, Code: 502, Times: 2})
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.submit("Не горит фонарь у дома 7 на ул. Гагарина")
	f.submit("Яма на дороге у школы номер 2")
	f.start(delivery.DispatcherOptions{})

	for _, n := range []string{"2026-000001", "2026-000002", "2026-000003"} {
		f.waitSent(f.alice.ID, n)
	}
	want := []string{"2026-000001", "2026-000002", "2026-000003"}
	if got := numbers(f.sentTo(f.alice.ID)); !slices.Equal(got, want) {
		t.Errorf("Алиса got the registrations of %v, want %v in that order", got, want)
	}
	calls := f.callsTo(f.alice.ID)
	if got := statuses(calls); !slices.Equal(got, []int{502, 502, 200, 200, 200}) {
		t.Errorf("calls to Алиса's chat answered %v, want her first message failing twice, then the three", got)
	}
	// The housing chat did not wait for Алиса's: its cards all went out
	// before her first message got through.
	var firstToAlice int
	for _, c := range calls {
		if c.OK() {
			firstToAlice = c.Seq
			break
		}
	}
	cards := f.callsTo(f.housing.ID)
	if len(cards) != 3 {
		t.Fatalf("%d calls to the housing chat, want its 3 cards", len(cards))
	}
	for _, c := range cards {
		if !c.OK() || c.Seq > firstToAlice {
			t.Errorf("card %s (call #%d, %d) was held up by Алиса's chat (her first message got through at call #%d)",
				appealNumber.FindString(c.Param("text")), c.Seq, c.Status, firstToAlice)
		}
	}
}

func TestDispatcherCountsRetryAfterFromTelegramsAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Telegram takes 1.5 s to answer 429 with retry_after 2: the chat may be
	// tried again 2 s after that answer, not 2 s after the send began.
	const delay, retryAfter = 1500 * time.Millisecond, 2 * time.Second
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.alice.ID, Code: 429, RetryAfter: 2, Delay: delay})
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.start(delivery.DispatcherOptions{})
	f.waitSent(f.alice.ID, "2026-000001")

	calls := f.callsTo(f.alice.ID)
	if got := statuses(calls); !slices.Equal(got, []int{429, 200}) {
		t.Fatalf("calls to Алиса's chat answered %v, want 429, then her message", got)
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < delay+retryAfter || gap > delay+retryAfter+3*time.Second {
		t.Errorf("Алиса's chat was tried again %v after a send that Telegram answered after %v with retry_after 2, want %v to %v",
			gap.Round(time.Millisecond), delay, delay+retryAfter, delay+retryAfter+3*time.Second)
	}
}

func TestDispatcherHonoursRetryAfterOfItsChat(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.alice.ID, Code: 429, RetryAfter: 3})
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.start(delivery.DispatcherOptions{})
	flood := f.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool {
		return c.ChatID() == f.alice.ID && c.Status == 429
	})

	// A second appeal while Алиса's chat is held: its card goes out at once,
	// her registration waits behind the first one.
	f.submit("Не горит фонарь у дома 7 на ул. Гагарина")
	f.waitSent(f.housing.ID, "2026-000002")
	f.waitSent(f.alice.ID, "2026-000002")

	calls := f.callsTo(f.alice.ID)
	if got := statuses(calls); !slices.Equal(got, []int{429, 200, 200}) {
		t.Fatalf("calls to Алиса's chat answered %v, want 429, then her two messages", got)
	}
	retry := calls[1]
	if gap := retry.Time.Sub(flood.Time); gap < 3*time.Second || gap > 6*time.Second {
		t.Errorf("Алиса's chat was tried again %v after a 429 with retry_after 3, want 3 s to 6 s", gap.Round(time.Millisecond))
	}
	if want := []string{"2026-000001", "2026-000002"}; !slices.Equal(numbers(f.sentTo(f.alice.ID)), want) {
		t.Errorf("Алиса got %v, want %v in that order", numbers(f.sentTo(f.alice.ID)), want)
	}
	for _, c := range f.callsTo(f.housing.ID) {
		if strings.Contains(c.Param("text"), "2026-000002") && (!c.OK() || c.Seq > retry.Seq) {
			t.Errorf("the housing chat's card of 2026-000002 (call #%d) waited for Алиса's chat (retried at call #%d)", c.Seq, retry.Seq)
		}
	}
}

func TestDispatcherDeliversWhatWasEnqueuedBeforeShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const drain = 10 * time.Second
	d := f.start(delivery.DispatcherOptions{DrainTimeout: drain})
	// Telegram holds the next message until the shutdown has begun: its
	// chat's later messages are still queued when the dispatcher is told
	// to stop, whatever the timing of the rest.
	release := make(chan struct{})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", Hold: release})
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.submit("Не горит фонарь у дома 7 на ул. Гагарина")
	f.submit("Яма на дороге у школы номер 2")
	d.shutdown()
	close(release)
	d.wait(t, drain)

	want := []string{"2026-000001", "2026-000002", "2026-000003"}
	for _, chat := range []telegramtest.Chat{{ID: f.alice.ID, FirstName: "Алиса"}, f.housing} {
		if got := numbers(f.sentTo(chat.ID)); !slices.Equal(got, want) {
			t.Errorf("after the shutdown, chat %s had got %v, want %v", chat.Title+chat.FirstName, got, want)
		}
	}
	if n := f.pending(t); n != 0 {
		t.Errorf("%d messages left in the outbox after the drain, want none", n)
	}
}

func TestDispatcherDrainIsBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Telegram hangs on the housing chat: the call is not answered until
	// the test ends.
	hang := make(chan struct{})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.housing.ID, Hold: hang})
	const drain = time.Second
	d := f.start(delivery.DispatcherOptions{DrainTimeout: drain})
	t.Cleanup(func() { close(hang) }) // before the dispatcher's cleanup
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	// Алиса's registration is not held up by the housing chat.
	f.waitSent(f.alice.ID, "2026-000001")

	d.shutdown()
	// The drain timeout, and slack for a loaded machine.
	if took := d.wait(t, drain+3*time.Second); took < drain {
		t.Errorf("shutdown took %v, less than the drain timeout of %v, with a card still being sent", took.Round(time.Millisecond), drain)
	}
	// The card is not lost: it is still queued for the next run.
	if n := f.pending(t); n != 1 {
		t.Errorf("%d messages left in the outbox, want the housing chat's card", n)
	}
}

// pending counts the messages waiting to be sent to a known chat (not yet
// sent nor given up).
func (f *fixture) pending(t *testing.T) int {
	t.Helper()
	var n int
	err := f.db.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL`).Scan(&n)
	if err != nil {
		t.Fatalf("count the outbox: %v", err)
	}
	return n
}
