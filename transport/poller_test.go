package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mcu/internal/backoff"
	"mcu/tgstate"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"
)

// pollTestToken is the bot token used against the fake servers; its secret
// half must never appear in a log.
const (
	pollTestToken  = "123456:SECRET-token-do-not-log"
	pollTestSecret = "SECRET-token-do-not-log"
)

// captureLog collects log output for assertions and prints it when the test
// fails. Unlike t.Log, it may be written to after the test has finished.
type captureLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *captureLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *captureLog) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// newCaptureLogger returns a logger writing to a captureLog that is dumped
// with t.Log if the test fails.
func newCaptureLogger(t *testing.T) (*slog.Logger, *captureLog) {
	t.Helper()
	c := &captureLog{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", c.String())
		}
	})
	return slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug})), c
}

// newPollTestBot returns an offline bot talking to url.
func newPollTestBot(t *testing.T, url string) *tele.Bot {
	t.Helper()
	b, err := tele.NewBot(tele.Settings{URL: url, Token: pollTestToken, Offline: true, Synchronous: true})
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	return b
}

// newFakeTelegram starts a server that checks the getUpdates path and passes
// the decoded parameters to h.
func newFakeTelegram(t *testing.T, h func(w http.ResponseWriter, r *http.Request, p getUpdatesRequest)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/bot"+pollTestToken+"/getUpdates" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		var p getUpdatesRequest
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("decode getUpdates body: %v", err)
		}
		h(w, r, p)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// getUpdatesRequest is the body of a getUpdates call, as the fake sees it.
type getUpdatesRequest struct {
	Offset         int      `json:"offset"`
	Limit          int      `json:"limit"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates"`
}

// holdRequest answers like an idle long poll: nothing until the client gives
// up or 30 s have passed.
func holdRequest(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
	writeTelegramJSON(w, http.StatusOK, `{"ok":true,"result":[]}`)
}

func writeTelegramJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// startPolling runs p.Poll in a goroutine. The returned stop closes the stop
// channel (once) and waits for Poll to return; it runs at cleanup too.
func startPolling(t *testing.T, p *Poller, b *tele.Bot) (dest chan tele.Update, stop func() time.Duration) {
	t.Helper()
	dest = make(chan tele.Update)
	stopCh := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Poll(b, dest, stopCh)
	}()
	var once sync.Once
	stop = func() time.Duration {
		once.Do(func() { close(stopCh) })
		start := time.Now()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Poll did not return within 10s of stop")
		}
		return time.Since(start)
	}
	t.Cleanup(func() { stop() })
	return dest, stop
}

// sleepRecorder replaces Poller.sleep: it records each delay and returns at
// once, until the n-th delay, from which on it waits for the stop.
type sleepRecorder struct {
	n       int
	reached chan struct{}

	mu     sync.Mutex
	delays []time.Duration
}

func newSleepRecorder(n int) *sleepRecorder {
	return &sleepRecorder{n: n, reached: make(chan struct{})}
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	k := len(s.delays)
	s.mu.Unlock()
	if k < s.n {
		return nil
	}
	if k == s.n {
		close(s.reached)
	}
	<-ctx.Done()
	return ctx.Err()
}

func (s *sleepRecorder) wait(t *testing.T) []time.Duration {
	t.Helper()
	select {
	case <-s.reached:
	case <-time.After(5 * time.Second):
		t.Fatalf("poller did not back off %d times within 5s", s.n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delays)
}

func TestPollerBacksOffWhileServerFails(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, _ getUpdatesRequest) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
	})
	logger, logs := newCaptureLogger(t)
	const floor = 250 * time.Millisecond
	p := NewPoller(PollerOptions{MinBackoff: floor, Logger: logger})
	rec := newSleepRecorder(4) // the waits are recorded, not slept
	p.sleep = rec.sleep
	startPolling(t, p, newPollTestBot(t, srv.URL))
	delays := rec.wait(t)

	// telebot's LongPoller sends thousands of requests a second here; ours
	// waits after every failure, never less than the floor, and up to a
	// ceiling that doubles with each failure.
	if n := requests.Load(); n != int64(len(delays)) {
		t.Errorf("%d getUpdates requests for %d waits, want a wait after each failed request", n, len(delays))
	}
	for i, d := range delays {
		if ceil := floor << (i + 1); d < floor || d > ceil {
			t.Errorf("wait after failure %d = %v, want %v to %v", i+1, d, floor, ceil)
		}
	}
	out := logs.String()
	for _, want := range []string{"getUpdates failed", "attempt=2", "next_delay=", "status=502"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestPollerResetsBackoffAfterSuccess(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, _ getUpdatesRequest) {
		switch calls.Add(1) {
		case 1, 2, 3, 4, 6:
			writeTelegramJSON(w, http.StatusInternalServerError,
				`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
		case 5:
			writeTelegramJSON(w, http.StatusOK, `{"ok":true,"result":[]}`)
		default:
			holdRequest(w, r)
		}
	})
	logger, _ := newCaptureLogger(t)
	p := NewPoller(PollerOptions{
		MinBackoff: 100 * time.Millisecond,
		MaxBackoff: time.Second,
		Logger:     logger,
		Rand:       func() float64 { return 1 }, // always the top of the range
	})
	rec := newSleepRecorder(5)
	p.sleep = rec.sleep
	startPolling(t, p, newPollTestBot(t, srv.URL))

	got := rec.wait(t)
	ms := time.Millisecond
	want := []time.Duration{200 * ms, 400 * ms, 800 * ms, 1000 * ms, 200 * ms}
	if !slices.Equal(got, want) {
		t.Errorf("delays = %v, want %v", got, want)
	}
}

func TestPollerJitterStaysWithinBounds(t *testing.T) {
	t.Parallel()
	p := NewPoller(PollerOptions{MinBackoff: 250 * time.Millisecond, MaxBackoff: 30 * time.Second, Rand: func() float64 { return 0 }})
	for attempt := 1; attempt < 100; attempt++ {
		if d := p.delay(attempt, fmt.Errorf("x")); d != 250*time.Millisecond {
			t.Fatalf("delay(%d) with rand 0 = %v, want the floor 250ms", attempt, d)
		}
	}
	p.opts.Rand = func() float64 { return 0.999999 }
	if d := p.delay(1000, fmt.Errorf("x")); d > 30*time.Second || d < 29*time.Second {
		t.Errorf("delay(1000) with rand ~1 = %v, want just under the 30s cap", d)
	}
}

func TestPollerHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	var (
		calls     atomic.Int64
		first     atomic.Int64 // UnixNano of the 429
		secondGap = make(chan time.Duration, 1)
	)
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, _ getUpdatesRequest) {
		switch calls.Add(1) {
		case 1:
			first.Store(time.Now().UnixNano())
			writeTelegramJSON(w, http.StatusTooManyRequests,
				`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
		case 2:
			secondGap <- time.Since(time.Unix(0, first.Load()))
			holdRequest(w, r)
		default:
			holdRequest(w, r)
		}
	})
	logger, logs := newCaptureLogger(t)
	p := NewPoller(PollerOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Logger: logger})
	startPolling(t, p, newPollTestBot(t, srv.URL))

	select {
	case gap := <-secondGap:
		if gap < time.Second {
			t.Errorf("retried %v after a 429 with retry_after 1, want >= 1s", gap)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no retry within 5s of a 429 with retry_after 1")
	}
	if out := logs.String(); !strings.Contains(out, "retry_after=1s") || !strings.Contains(out, "next_delay=1s") {
		t.Errorf("log lacks retry_after=1s and next_delay=1s")
	}
}

func TestPollerStopsDuringLongPoll(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, _ getUpdatesRequest) {
		arrived <- struct{}{}
		holdRequest(w, r)
	})
	logger, _ := newCaptureLogger(t)
	p := NewPoller(PollerOptions{Timeout: 30 * time.Second, Logger: logger})
	_, stop := startPolling(t, p, newPollTestBot(t, srv.URL))

	<-arrived
	if took := stop(); took > time.Second {
		t.Errorf("Poll returned %v after stop during a long poll, want < 1s", took)
	}
}

func TestPollerStopsDuringBackoff(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, _ getUpdatesRequest) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusBadGateway)
	})
	logger, _ := newCaptureLogger(t)
	p := NewPoller(PollerOptions{MinBackoff: time.Minute, MaxBackoff: time.Minute, Logger: logger})
	sleeping := make(chan time.Duration, 1)
	p.sleep = func(ctx context.Context, d time.Duration) error {
		sleeping <- d
		return backoff.Sleep(ctx, d)
	}
	_, stop := startPolling(t, p, newPollTestBot(t, srv.URL))

	<-arrived
	if d := <-sleeping; d != time.Minute {
		t.Errorf("backoff = %v, want 1m", d)
	}
	if took := stop(); took > time.Second {
		t.Errorf("Poll returned %v after stop during a backoff, want < 1s", took)
	}
}

func TestPollerDeliversUpdatesAndAdvancesOffset(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		offsets []int
		calls   int
		third   = make(chan struct{})
	)
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, p getUpdatesRequest) {
		mu.Lock()
		calls++
		n := calls
		offsets = append(offsets, p.Offset)
		mu.Unlock()
		if p.Timeout != 7 || p.Limit != 50 || !slices.Equal(p.AllowedUpdates, []string{"message", "callback_query"}) {
			t.Errorf("request %d: timeout=%d limit=%d allowed_updates=%v, want 7, 50, [message callback_query]",
				n, p.Timeout, p.Limit, p.AllowedUpdates)
		}
		switch n {
		case 1:
			writeTelegramJSON(w, http.StatusOK, `{"ok":true,"result":[`+
				`{"update_id":10,"message":{"message_id":1,"chat":{"id":7},"text":"a"}},`+
				`{"update_id":11,"message":{"message_id":2,"chat":{"id":8},"text":"b"}},`+
				`{"update_id":12,"message":{"message_id":3,"chat":{"id":7},"text":"c"}}]}`)
		case 2:
			writeTelegramJSON(w, http.StatusOK, `{"ok":true,"result":[`+
				`{"update_id":13,"callback_query":{"id":"q","from":{"id":7},"data":"d"}},`+
				`{"update_id":14,"message":"not an object"},`+
				`{"update_id":15,"message":{"message_id":4,"chat":{"id":7},"text":"e"}}]}`)
		case 3:
			close(third)
			holdRequest(w, r)
		default:
			holdRequest(w, r)
		}
	})
	logger, logs := newCaptureLogger(t)
	p := NewPoller(PollerOptions{
		Timeout:        7 * time.Second,
		Limit:          50,
		AllowedUpdates: []string{"message", "callback_query"},
		Logger:         logger,
	})
	dest, stop := startPolling(t, p, newPollTestBot(t, srv.URL))

	var got []string
	for range 5 {
		select {
		case u := <-dest:
			switch {
			case u.Message != nil:
				got = append(got, fmt.Sprintf("%d:%d:%s", u.ID, u.Message.Chat.ID, u.Message.Text))
			case u.Callback != nil:
				got = append(got, fmt.Sprintf("%d:cb:%s", u.ID, u.Callback.Data))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("got %v, then nothing for 5s", got)
		}
	}
	want := []string{"10:7:a", "11:8:b", "12:7:c", "13:cb:d", "15:7:e"}
	if !slices.Equal(got, want) {
		t.Errorf("updates = %v, want %v", got, want)
	}

	// The third request proves the offset after the last delivery.
	select {
	case <-third:
	case <-time.After(5 * time.Second):
		t.Fatal("no third getUpdates within 5s")
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	if want := []int{0, 13, 16}; !slices.Equal(offsets[:3], want) {
		t.Errorf("offsets = %v, want %v", offsets, want)
	}
	if out := logs.String(); !strings.Contains(out, "cannot be decoded") || !strings.Contains(out, "update_id=14") {
		t.Errorf("log lacks the skipped update 14")
	}
}

func TestPollerLogsConflict(t *testing.T) {
	t.Parallel()
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, _ getUpdatesRequest) {
		writeTelegramJSON(w, http.StatusConflict,
			`{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}`)
	})
	logger, logs := newCaptureLogger(t)
	p := NewPoller(PollerOptions{MinBackoff: 100 * time.Millisecond, Logger: logger, Rand: func() float64 { return 1 }})
	rec := newSleepRecorder(3)
	p.sleep = rec.sleep
	startPolling(t, p, newPollTestBot(t, srv.URL))

	got := rec.wait(t)
	ms := time.Millisecond
	if want := []time.Duration{200 * ms, 400 * ms, 800 * ms}; !slices.Equal(got, want) {
		t.Errorf("delays after 409 = %v, want %v", got, want)
	}
	out := logs.String()
	for _, want := range []string{"level=ERROR", "another process is polling", "status=409", "only one bot instance"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestPollerNeverLogsToken(t *testing.T) {
	t.Parallel()
	// A closed server: the transport error from net/http names the URL,
	// and so the token.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()

	logger, logs := newCaptureLogger(t)
	p := NewPoller(PollerOptions{Logger: logger})
	rec := newSleepRecorder(2)
	p.sleep = rec.sleep
	_, stop := startPolling(t, p, newPollTestBot(t, url))
	rec.wait(t)
	stop()

	out := logs.String()
	if strings.Contains(out, pollTestSecret) {
		t.Errorf("log contains the bot token:\n%s", out)
	}
	if !strings.Contains(out, "getUpdates failed") || !strings.Contains(out, "attempt=2") {
		t.Errorf("log lacks the failures:\n%s", out)
	}
}

// An update that cannot be decoded is handed to Reject with its body and
// skipped; while it cannot be kept, the batch is not confirmed.
func TestPollerKeepsUndecodableUpdates(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		offsets []int
		calls   int
		third   = make(chan struct{})
	)
	srv := newFakeTelegram(t, func(w http.ResponseWriter, r *http.Request, p getUpdatesRequest) {
		mu.Lock()
		calls++
		n := calls
		offsets = append(offsets, p.Offset)
		mu.Unlock()
		switch n {
		case 1, 2:
			writeTelegramJSON(w, http.StatusOK, `{"ok":true,"result":[`+
				`{"update_id":20,"message":"not an object"},`+
				`{"update_id":21,"message":{"message_id":1,"chat":{"id":7},"photo":[]}},`+
				`{"update_id":22,"message":{"message_id":2,"chat":{"id":7},"text":"a"}}]}`)
		case 3:
			close(third)
			holdRequest(w, r)
		default:
			holdRequest(w, r)
		}
	})
	var (
		kept    []tgstate.RejectedUpdate
		refused atomic.Bool
	)
	logger, _ := newCaptureLogger(t)
	p := NewPoller(PollerOptions{
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Logger: logger,
		Reject: func(_ context.Context, r []tgstate.RejectedUpdate) error {
			if !refused.Swap(true) {
				return errors.New("database down")
			}
			mu.Lock()
			defer mu.Unlock()
			kept = append(kept, r...)
			return nil
		},
	})
	dest, stop := startPolling(t, p, newPollTestBot(t, srv.URL))
	select {
	case u := <-dest:
		if u.ID != 22 {
			t.Errorf("delivered update %d, want 22", u.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing delivered within 5s")
	}
	select {
	case <-dest:
		t.Error("a second update delivered")
	case <-third:
	case <-time.After(5 * time.Second):
		t.Fatal("no third getUpdates within 5s")
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	if want := []int{0, 0, 23}; !slices.Equal(offsets[:3], want) {
		t.Errorf("offsets = %v, want %v (not confirmed while the rejects cannot be kept)", offsets, want)
	}
	if len(kept) != 2 || kept[0].UpdateID != 20 || kept[1].UpdateID != 21 ||
		string(kept[0].Body) != `{"update_id":20,"message":"not an object"}` || kept[0].Size != len(kept[0].Body) || kept[1].Reason == "" {
		t.Errorf("kept %+v", kept)
	}
}
