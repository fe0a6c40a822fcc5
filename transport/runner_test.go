package transport

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"
)

// newRunnerTestBot returns an offline, synchronous bot whose OnText handler
// is h.
func newRunnerTestBot(t *testing.T, h tele.HandlerFunc) *tele.Bot {
	t.Helper()
	b, err := tele.NewBot(tele.Settings{Token: pollTestToken, Offline: true, Synchronous: true})
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	b.Handle(tele.OnText, h)
	return b
}

// chatText returns a text message update.
func chatText(id int, chat int64, text string) tele.Update {
	return tele.Update{ID: id, Message: &tele.Message{ID: id, Chat: &tele.Chat{ID: chat}, Text: text}}
}

// textLog records the texts handled per chat.
type textLog struct {
	mu     sync.Mutex
	byChat map[int64][]string
}

func (l *textLog) add(chat int64, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byChat == nil {
		l.byChat = make(map[int64][]string)
	}
	l.byChat[chat] = append(l.byChat[chat], text)
}

func (l *textLog) get(chat int64) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.byChat[chat])
}

// waitClosed fails the test if ch is not closed within 5 s.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: not within 5s", what)
	}
}

// runInBackground starts r.Run and returns a channel with its result.
func runInBackground(ctx context.Context, r *Runner, updates <-chan tele.Update) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, updates) }()
	return done
}

func TestRunnerKeepsPerChatOrder(t *testing.T) {
	t.Parallel()
	const chats, perChat, workers = 50, 40, 4
	var (
		handled   textLog
		active    atomic.Int64
		maxActive atomic.Int64
	)
	b := newRunnerTestBot(t, func(c tele.Context) error {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			m := maxActive.Load()
			if n <= m || maxActive.CompareAndSwap(m, n) {
				break
			}
		}
		handled.add(c.Chat().ID, c.Text())
		return nil
	})
	logger, _ := newCaptureLogger(t)
	r := NewRunner(b, RunnerOptions{Workers: workers, QueueSize: 16, Logger: logger})

	updates := make(chan tele.Update)
	done := runInBackground(context.Background(), r, updates)
	id := 0
	for seq := range perChat {
		for chat := int64(1); chat <= chats; chat++ {
			id++
			updates <- chatText(id, chat, strconv.Itoa(seq))
		}
	}
	close(updates)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	want := make([]string, perChat)
	for i := range want {
		want[i] = strconv.Itoa(i)
	}
	for chat := int64(1); chat <= chats; chat++ {
		if got := handled.get(chat); !slices.Equal(got, want) {
			t.Errorf("chat %d handled %v, want %v", chat, got, want)
		}
	}
	if m := maxActive.Load(); m > workers {
		t.Errorf("%d handlers ran at once, want at most %d", m, workers)
	}
}

func TestRunnerSurvivesPanic(t *testing.T) {
	t.Parallel()
	var handled textLog
	b := newRunnerTestBot(t, func(c tele.Context) error {
		if c.Text() == "boom" {
			panic("handler exploded")
		}
		handled.add(c.Chat().ID, c.Text())
		return nil
	})
	logger, logs := newCaptureLogger(t)
	r := NewRunner(b, RunnerOptions{Logger: logger})

	updates := make(chan tele.Update, 5)
	updates <- chatText(1, 1, "a")
	updates <- chatText(2, 1, "boom")
	updates <- chatText(3, 1, "b")
	updates <- chatText(4, 2, "boom")
	updates <- chatText(5, 2, "c")
	close(updates)
	if err := r.Run(context.Background(), updates); err != nil {
		t.Fatalf("Run: %v", err)
	}

	if got := handled.get(1); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("chat 1 handled %v, want [a b]", got)
	}
	if got := handled.get(2); !slices.Equal(got, []string{"c"}) {
		t.Errorf("chat 2 handled %v, want [c]", got)
	}
	out := logs.String()
	for _, want := range []string{"panic in update handler", "update_id=2", "update_id=4", `panic="handler exploded"`, "runner_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestRunnerRunsChatsInParallel(t *testing.T) {
	t.Parallel()
	var (
		handled  textLog
		entered  = make(chan struct{})
		release  = make(chan struct{})
		freeDone = make(chan struct{})
	)
	b := newRunnerTestBot(t, func(c tele.Context) error {
		switch c.Text() {
		case "block":
			close(entered)
			<-release
		case "free":
			defer close(freeDone)
		}
		handled.add(c.Chat().ID, c.Text())
		return nil
	})
	logger, _ := newCaptureLogger(t)
	r := NewRunner(b, RunnerOptions{Workers: 2, Logger: logger})

	updates := make(chan tele.Update)
	done := runInBackground(context.Background(), r, updates)
	updates <- chatText(1, 1, "block")
	waitClosed(t, entered, "chat 1 handler started")
	updates <- chatText(2, 1, "after")
	updates <- chatText(3, 2, "free")
	waitClosed(t, freeDone, "chat 2 handled while chat 1 is blocked")
	if got := handled.get(1); len(got) != 0 {
		t.Errorf("chat 1 handled %v while its first update is blocked", got)
	}

	close(release)
	close(updates)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := handled.get(1); !slices.Equal(got, []string{"block", "after"}) {
		t.Errorf("chat 1 handled %v, want [block after]", got)
	}
}

func TestRunnerDrainsOnCancel(t *testing.T) {
	t.Parallel()
	var (
		handled textLog
		entered = make(chan struct{})
		release = make(chan struct{})
	)
	b := newRunnerTestBot(t, func(c tele.Context) error {
		if c.Text() == "block" {
			close(entered)
			<-release
		}
		handled.add(c.Chat().ID, c.Text())
		return nil
	})
	logger, _ := newCaptureLogger(t)
	r := NewRunner(b, RunnerOptions{Logger: logger})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runInBackground(ctx, r, make(chan tele.Update))
	for _, u := range []tele.Update{chatText(1, 1, "block"), chatText(2, 1, "queued"), chatText(3, 2, "other")} {
		if err := r.Submit(ctx, u); err != nil {
			t.Fatalf("Submit(%d): %v", u.ID, err)
		}
	}
	waitClosed(t, entered, "handler started")
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v while a handler is running", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := r.Submit(context.Background(), chatText(4, 3, "late")); !errors.Is(err, ErrRunnerClosed) {
		t.Errorf("Submit after cancel = %v, want ErrRunnerClosed", err)
	}

	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of the handler finishing")
	}
	if got := handled.get(1); !slices.Equal(got, []string{"block", "queued"}) {
		t.Errorf("chat 1 handled %v, want [block queued]", got)
	}
	if got := handled.get(2); !slices.Equal(got, []string{"other"}) {
		t.Errorf("chat 2 handled %v, want [other]", got)
	}
	if got := handled.get(3); len(got) != 0 {
		t.Errorf("chat 3 handled %v after shutdown", got)
	}
}

func TestRunnerDrainTimeoutDropsQueuedUpdates(t *testing.T) {
	t.Parallel()
	var (
		handled textLog
		entered = make(chan struct{})
		release = make(chan struct{})
	)
	b := newRunnerTestBot(t, func(c tele.Context) error {
		if c.Text() == "block" {
			close(entered)
			<-release
		}
		handled.add(c.Chat().ID, c.Text())
		return nil
	})
	logger, logs := newCaptureLogger(t)
	r := NewRunner(b, RunnerOptions{DrainTimeout: 100 * time.Millisecond, Logger: logger})

	ctx, cancel := context.WithCancel(context.Background())
	done := runInBackground(ctx, r, make(chan tele.Update))
	for _, u := range []tele.Update{chatText(1, 1, "block"), chatText(2, 1, "queued")} {
		if err := r.Submit(ctx, u); err != nil {
			t.Fatalf("Submit(%d): %v", u.ID, err)
		}
	}
	waitClosed(t, entered, "handler started")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "2 updates unfinished") {
			t.Errorf("Run = %v, want a drain timeout with 2 updates unfinished", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s despite a 100ms drain timeout")
	}

	// The stuck handler finishes; the queued update is then dropped, loudly.
	close(release)
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if got := handled.get(1); !slices.Equal(got, []string{"block"}) {
		t.Errorf("chat 1 handled %v, want [block]", got)
	}
	if out := logs.String(); !strings.Contains(out, "update dropped") || !strings.Contains(out, "update_id=2") {
		t.Errorf("log lacks the dropped update 2")
	}
}

func TestRunnerWithPollerShutsDownInOrder(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, p getUpdatesRequest) {
		if calls.Add(1) == 1 {
			writeTelegramJSON(w, http.StatusOK, `{"ok":true,"result":[`+
				`{"update_id":1,"message":{"message_id":1,"chat":{"id":1},"text":"block"}},`+
				`{"update_id":2,"message":{"message_id":2,"chat":{"id":1},"text":"next"}},`+
				`{"update_id":3,"message":{"message_id":3,"chat":{"id":2},"text":"free"}}]}`)
			return
		}
		holdRequest(w, r)
	})
	var (
		handled  textLog
		entered  = make(chan struct{})
		release  = make(chan struct{})
		freeDone = make(chan struct{})
	)
	b := newPollTestBot(t, srv.URL)
	b.Handle(tele.OnText, func(c tele.Context) error {
		switch c.Text() {
		case "block":
			close(entered)
			<-release
		case "free":
			defer close(freeDone)
		}
		handled.add(c.Chat().ID, c.Text())
		return nil
	})
	logger, _ := newCaptureLogger(t)
	p := NewPoller(PollerOptions{Logger: logger})
	r := NewRunner(b, RunnerOptions{Logger: logger})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- RunPolling(ctx, b, p, r) }()

	waitClosed(t, entered, "chat 1 handler started")
	waitClosed(t, freeDone, "chat 2 handled") // so update 2 was received too
	cancel()
	select {
	case err := <-done:
		t.Fatalf("RunPolling returned %v while a handler is running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("RunPolling: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunPolling did not return within 5s of the handler finishing")
	}
	if got := handled.get(1); !slices.Equal(got, []string{"block", "next"}) {
		t.Errorf("chat 1 handled %v, want [block next]", got)
	}
}

func TestRunnerWithPollerReportsPollerExit(t *testing.T) {
	t.Parallel()
	b := newRunnerTestBot(t, func(tele.Context) error { return nil })
	logger, _ := newCaptureLogger(t)
	quits := pollerFunc(func(*tele.Bot, chan tele.Update, chan struct{}) {})
	err := RunPolling(context.Background(), b, quits, NewRunner(b, RunnerOptions{Logger: logger}))
	if err == nil || !strings.Contains(err.Error(), "poller stopped unexpectedly") {
		t.Errorf("RunPolling = %v, want poller stopped unexpectedly", err)
	}
}

// pollerFunc adapts a function to tele.Poller.
type pollerFunc func(b *tele.Bot, dest chan tele.Update, stop chan struct{})

func (f pollerFunc) Poll(b *tele.Bot, dest chan tele.Update, stop chan struct{}) { f(b, dest, stop) }

func TestRunnerKeyOf(t *testing.T) {
	t.Parallel()
	user := &tele.User{ID: 42}
	group := &tele.Chat{ID: -100}
	tests := []struct {
		name string
		u    tele.Update
		want updateKey
	}{
		{"message", tele.Update{ID: 1, Message: &tele.Message{Chat: group}}, updateKey{chat: -100}},
		{"edited message", tele.Update{ID: 1, EditedMessage: &tele.Message{Chat: group}}, updateKey{chat: -100}},
		{"channel post", tele.Update{ID: 1, ChannelPost: &tele.Message{Chat: group}}, updateKey{chat: -100}},
		{"callback on a message", tele.Update{ID: 1, Callback: &tele.Callback{Sender: user, Message: &tele.Message{Chat: group}}}, updateKey{chat: -100}},
		{"inline callback", tele.Update{ID: 1, Callback: &tele.Callback{Sender: user}}, updateKey{chat: 42}},
		{"inline query", tele.Update{ID: 1, Query: &tele.Query{Sender: user}}, updateKey{chat: 42}},
		{"pre-checkout", tele.Update{ID: 1, PreCheckoutQuery: &tele.PreCheckoutQuery{Sender: user}}, updateKey{chat: 42}},
		{"poll answer", tele.Update{ID: 1, PollAnswer: &tele.PollAnswer{Sender: user}}, updateKey{chat: 42}},
		{"my chat member", tele.Update{ID: 1, MyChatMember: &tele.ChatMemberUpdate{Chat: group, Sender: user}}, updateKey{chat: -100}},
		{"join request", tele.Update{ID: 1, ChatJoinRequest: &tele.ChatJoinRequest{Chat: group, Sender: user}}, updateKey{chat: -100}},
		{"reaction", tele.Update{ID: 1, MessageReaction: &tele.MessageReaction{Chat: group}}, updateKey{chat: -100}},
		{"poll", tele.Update{ID: 7, Poll: &tele.Poll{}}, updateKey{update: 7}},
		{"message without chat", tele.Update{ID: 8, Message: &tele.Message{}}, updateKey{update: 8}},
		{"empty", tele.Update{ID: 9}, updateKey{update: 9}},
	}
	for _, tt := range tests {
		if got := keyOf(tt.u); got != tt.want {
			t.Errorf("%s: keyOf = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// ExampleRunPolling shows how cmd/mcu wires the long poller and the runner.
// (Compiled, not run: it would talk to Telegram.)
func ExampleRunPolling() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, err := tele.NewBot(tele.Settings{
		Token:       os.Getenv("MCU_TELEGRAM_TOKEN"),
		Synchronous: true, // required by Runner
	})
	if err != nil {
		slog.Error("create bot", slog.String("error", err.Error()))
		return
	}
	b.Handle(tele.OnText, func(c tele.Context) error { return nil })

	p := NewPoller(PollerOptions{AllowedUpdates: []string{"message", "callback_query"}})
	r := NewRunner(b, RunnerOptions{Workers: 8, DrainTimeout: 10 * time.Second})
	// Blocks until SIGINT/SIGTERM, then stops polling and drains r.
	if err := RunPolling(ctx, b, p, r); err != nil {
		slog.Error("polling", slog.String("error", err.Error()))
	}
}
