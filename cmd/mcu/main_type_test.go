package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/schedule"
	"mcu/storage"
)

// lockedBuffer is an io.Writer safe for the goroutines that log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// closedURL returns an http URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestFailingStartNeverLogsToken starts mcu serve against a Bot API that
// cannot be reached, lets it retry getMe, and reads every line it logged:
// the token is in the URL of every Bot API request, and never in the log.
func TestFailingStartNeverLogsToken(t *testing.T) {
	t.Parallel()
	const token, secret = "123456:SECRET-token-do-not-log", "SECRET-token-do-not-log"
	var out lockedBuffer
	ctx, cancel := context.WithCancel(t.Context())
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve"}, env(map[string]string{
			"MCU_TELEGRAM_TOKEN":   token,
			"MCU_TELEGRAM_API_URL": closedURL(t),
			"MCU_DATABASE_URL":     dbtest.URL(t),
			"MCU_HTTP_ADDR":        "127.0.0.1:0",
		}), &out)
	}()
	// getMe is tried at once, then after 1 s: wait for both failures.
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(out.String(), "telegram unreachable") < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("exit %d after SIGTERM-like cancel while Telegram was unreachable, want 0", code)
	}
	log := out.String()
	if n := strings.Count(log, "telegram unreachable"); n < 2 {
		t.Fatalf("logged %d getMe failures, want at least 2:\n%s", n, log)
	}
	for i, line := range strings.Split(log, "\n") {
		if strings.Contains(line, secret) {
			t.Errorf("log line %d holds the bot token: %s", i+1, line)
		}
	}
}

// TestReadyzNeedsDatabaseAndBot: /readyz answers 200 only when the
// database answers and the bot knows its identity; /healthz answers
// whenever the process is up.
func TestReadyzNeedsDatabaseAndBot(t *testing.T) {
	t.Parallel()
	db, err := storage.Open(t.Context(), dbtest.URL(t), dbtest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	var botReady atomic.Bool
	var webhook atomic.Pointer[http.Handler]
	h := httpHandler(&Config{}, &database{DB: db}, &botReady, &webhook, &atomic.Pointer[schedule.Scheduler]{}, nil)
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	steps := []struct {
		name       string
		change     func()
		wantStatus int
		wantBody   string
	}{
		{"bot not connected yet", func() {}, http.StatusServiceUnavailable, "bot identity unknown (getMe)"},
		{"bot connected", func() { botReady.Store(true) }, http.StatusOK, "ready"},
		{"database gone", db.Close, http.StatusServiceUnavailable, "database unreachable"},
	}
	for _, s := range steps {
		s.change()
		if code, body := get("/readyz"); code != s.wantStatus || body != s.wantBody {
			t.Errorf("%s: /readyz answered %d %q, want %d %q", s.name, code, body, s.wantStatus, s.wantBody)
		}
		if code, _ := get("/healthz"); code != http.StatusOK {
			t.Errorf("%s: /healthz answered %d, want 200", s.name, code)
		}
	}
}

// TestMainRunsScheduledJobs: serve starts the scheduler with its jobs in
// MCU_TIMEZONE; the digest due at 09:00 runs, and /readyz?verbose=1 shows
// its run and next slot while /readyz still answers just "ready".
func TestMainRunsScheduledJobs(t *testing.T) {
	t.Parallel()
	srv, addr, cfg := serveConfig(t)
	now := time.Date(2026, 3, 2, 9, 0, 20, 0, cfg.Location)
	ran := make(chan schedule.Run, 1)
	m := &Main{Config: cfg, Logger: dbtest.Logger(t), Now: func() time.Time { return now },
		Jobs: func(d JobDeps) []schedule.Job {
			return []schedule.Job{{Name: "digest", Spec: d.Config.DigestCron, Run: func(_ context.Context, r schedule.Run) error {
				ran <- r
				return nil
			}}}
		}}
	t.Cleanup(func() {
		srv.EndLongPolls()
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ran:
		if want := time.Date(2026, 3, 2, 9, 0, 0, 0, cfg.Location); !r.Slot.Equal(want) || r.Late || r.Attempt != 1 {
			t.Errorf("digest ran %+v, want the 09:00 slot on time", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the digest due at 09:00 did not run")
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	want := "ready\njobs:\n  digest (0 9 * * *): slot 2026-03-02 09:00, succeeded, attempt 1 by "
	deadline := time.Now().Add(10 * time.Second)
	code, body := get("/readyz?verbose=1")
	for !strings.HasPrefix(body, want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		code, body = get("/readyz?verbose=1")
	}
	if code != http.StatusOK || !strings.HasPrefix(body, want) || !strings.HasSuffix(body, "; next slot 2026-03-03 09:00\n") {
		t.Errorf("/readyz?verbose=1 answered %d:\n%s\nwant 200:\n%s…; next slot 2026-03-03 09:00", code, body, want)
	}
	if code, body := get("/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz answered %d %q, want 200 \"ready\"", code, body)
	}
}

// serveConfig is the configuration of a serve run in-process against a
// fresh Telegram test server and database, on a free HTTP address.
func serveConfig(t *testing.T) (*telegramtest.Server, string, *Config) {
	t.Helper()
	srv := telegramtest.MustNew(t, telegramtest.Options{Limits: telegramtest.Limits{On: true, Now: time.Now}})
	addr := freeAddr(t)
	cfg, err := LoadConfig(env(map[string]string{
		"MCU_TELEGRAM_TOKEN": srv.Token, "MCU_TELEGRAM_API_URL": srv.URL,
		"MCU_DATABASE_URL": dbtest.URL(t), "MCU_HTTP_ADDR": addr,
	}), true)
	if err != nil {
		t.Fatal(err)
	}
	return srv, addr, cfg
}
