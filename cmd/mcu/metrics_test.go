package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/metrics"
	"mcu/schedule"
	"mcu/storage"
	"mcu/workflow"
)

// sample returns the value of one series in a scrape of /metrics: series
// is the name and the labels in alphabetical order, as client_golang
// writes them (`mcu_appeals{direction="housing",state="assigned"}`).
func sample(body, series string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// scrape GETs /metrics at addr.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics answered %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

// TestMetricsAfterRealActivity runs serve against the Telegram test
// server: a resident writes to the bot (one reply refused with a 500, so
// that the handling fails), an appeal is submitted through
// the workflow and its card and notice go out through telebot (the first
// send flooded with a 429), a refused event, a scheduled run. /metrics
// then shows what a person on call would look at.
func TestMetricsAfterRealActivity(t *testing.T) {
	t.Parallel()
	srv, addr, cfg := serveConfig(t)
	now := time.Date(2026, 3, 2, 9, 0, 20, 0, cfg.Location)
	ran := make(chan struct{}, 1)
	m := &Main{Config: cfg, Logger: dbtest.Logger(t), Now: func() time.Time { return now },
		Jobs: func(d JobDeps) []schedule.Job {
			return []schedule.Job{{Name: "digest", Spec: d.Config.DigestCron, Run: func(context.Context, schedule.Run) error {
				ran <- struct{}{}
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
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	// A resident writes to the bot, which answers.
	ivan := srv.NewUser("Иван")
	srv.SendText(ivan, "/start")
	if _, err := srv.WaitSent(ctx, func(msg telegramtest.Message) bool { return msg.Chat.ID == ivan.ID }); err != nil {
		t.Fatalf("no answer to /start: %v", err)
	}
	// A reply Telegram refuses with 500 is sent again from the outbox: the
	// resident gets it all the same, and the update is not failed.
	srv.FailNext("sendMessage", 1, http.StatusInternalServerError)
	help := srv.SendText(ivan, "/help")
	if _, err := srv.WaitSent(ctx, telegramtest.All(telegramtest.SentTo(ivan.ID), telegramtest.After(help))); err != nil {
		t.Fatalf("no answer to /help after a 500: %v", err)
	}
	// A handling that fails (the residents' table gone for a moment)
	// counts as failed, and the update is tried again later.
	if _, err := m.db.Pool().Exec(ctx, `ALTER TABLE residents RENAME TO residents_gone`); err != nil {
		t.Fatal(err)
	}
	srv.SendText(ivan, "/new")
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		v, _ := sample(scrape(t, addr), `mcu_updates_failed_total{type="message"}`)
		if v >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mcu_updates_failed_total{type=\"message\"} = %v after a failed handling, want 1", v)
		}
	}
	if _, err := m.db.Pool().Exec(ctx, `ALTER TABLE residents_gone RENAME TO residents`); err != nil {
		t.Fatal(err)
	}
	// The housing chat, and the resident's consent.
	group := srv.NewGroup("ЖКХ")
	exec := func(query string, args ...any) {
		if _, err := m.db.Pool().Exec(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES ($1, 'direction', 'housing', 1)`, group.ID)
	exec(`INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now())
		ON CONFLICT (telegram_user_id) DO UPDATE SET consent_at = now()`, ivan.ID)
	var residentID int64
	if err := m.db.Pool().QueryRow(ctx, `SELECT id FROM residents WHERE telegram_user_id = $1`, ivan.ID).Scan(&residentID); err != nil {
		t.Fatal(err)
	}

	// An appeal through the workflow, as serve wires it; its first send
	// is flooded.
	srv.FloodNext("", 1, 1)
	svc := m.service()
	a, err := svc.Submit(ctx, workflow.Resident(ivan.ID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: residentID, Text: "Во дворе дома 5 не вывозят мусор третью неделю",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventApprove, Actor: workflow.Resident(ivan.ID)}); err == nil {
		t.Fatal("a resident approved a draft")
	}
	if _, err := srv.WaitSent(ctx, func(msg telegramtest.Message) bool { return msg.Chat.ID == group.ID }); err != nil {
		t.Fatalf("no card in the housing chat: %v", err)
	}
	select {
	case <-ran:
	case <-ctx.Done():
		t.Fatal("the digest job did not run")
	}

	want := map[string]func(float64) bool{
		`mcu_updates_received_total{type="message"}`:                        func(v float64) bool { return v >= 2 },
		`mcu_telegram_requests_total{method="sendMessage",result="5xx"}`:    func(v float64) bool { return v == 1 },
		`mcu_workflow_events_applied_total{event="register"}`:               func(v float64) bool { return v == 1 },
		`mcu_workflow_events_applied_total{event="route"}`:                  func(v float64) bool { return v == 1 },
		`mcu_telegram_requests_total{method="sendMessage",result="ok"}`:     func(v float64) bool { return v >= 2 },
		`mcu_telegram_retry_after_seconds_count{method="sendMessage"}`:      func(v float64) bool { return v == 1 },
		`mcu_telegram_retry_after_seconds_sum{method="sendMessage"}`:        func(v float64) bool { return v == 1 },
		`mcu_telegram_requests_total{method="sendMessage",result="429"}`:    func(v float64) bool { return v == 1 },
		`mcu_telegram_request_duration_seconds_count{method="sendMessage"}`: func(v float64) bool { return v >= 3 },
		`mcu_appeals{direction="housing",state="assigned"}`:                 func(v float64) bool { return v == 1 },
		`mcu_job_runs{job="digest",outcome="succeeded"}`:                    func(v float64) bool { return v == 1 },
		`mcu_database_scrape_ok`:                                            func(v float64) bool { return v == 1 },
		`mcu_outbox_depth`:                                                  func(v float64) bool { return v == 0 },
		`mcu_outbox_oldest_age_seconds`:                                     func(v float64) bool { return v == 0 },
	}
	refused := func(body string) float64 {
		var n float64
		for _, code := range []string{workflow.EForbidden, workflow.ENotFound, workflow.EInvalid} {
			v, _ := sample(body, fmt.Sprintf(`mcu_workflow_events_refused_total{code=%q,event="approve"}`, code))
			n += v
		}
		return n
	}
	var body string
	var wrong []string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		body, wrong = scrape(t, addr), nil
		for series, ok := range want {
			if v, found := sample(body, series); !found || !ok(v) {
				wrong = append(wrong, fmt.Sprintf("%s = %v (found %v)", series, v, found))
			}
		}
		if refused(body) != 1 {
			wrong = append(wrong, fmt.Sprintf("mcu_workflow_events_refused_total{event=\"approve\"} = %v, want 1", refused(body)))
		}
		if len(wrong) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range wrong {
		t.Error(w)
	}
	if strings.Contains(body, srv.Token) || strings.Contains(body, strings.SplitN(srv.Token, ":", 2)[1]) {
		t.Error("/metrics holds the bot token")
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestReadyzFailsOnOldQueue: /readyz answers 503 while the oldest unsent
// message has waited longer than MCU_READY_MAX_QUEUE_AGE, and "ready"
// again once it is fresh; /metrics shows the queue.
func TestReadyzFailsOnOldQueue(t *testing.T) {
	t.Parallel()
	db, err := storage.Open(t.Context(), dbtest.URL(t), dbtest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var botReady atomic.Bool
	botReady.Store(true)
	reg := prometheus.NewRegistry()
	metrics.New(reg, db)
	h := httpHandler(&Config{ReadyMaxQueueAge: 5 * time.Minute}, &database{DB: db}, &botReady,
		&atomic.Pointer[http.Handler]{}, &atomic.Pointer[schedule.Scheduler]{}, reg)
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	exec := func(query string) {
		if _, err := db.Pool().Exec(t.Context(), query); err != nil {
			t.Fatal(err)
		}
	}
	if code, body := get("/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Fatalf("empty outbox: /readyz answered %d %q, want 200 ready", code, body)
	}
	// Waiting 10 minutes for a chat (Telegram down, say); those waiting
	// for a chat to be bound do not count.
	exec(`INSERT INTO outbox (chat_id, kind, created_at) VALUES (42, 'prepared', now() - interval '10 minutes'),
		(NULL, 'prepared', now() - interval '1 day'), (NULL, 'prepared', now())`)
	code, body := get("/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "outbox: the oldest unsent message has waited 10m") {
		t.Errorf("a message 10 min old: /readyz answered %d %q, want 503 naming the outbox", code, body)
	}
	_, scraped := get("/metrics")
	for series, want := range map[string]float64{"mcu_outbox_depth": 1, "mcu_outbox_unbound": 2, "mcu_database_scrape_ok": 1} {
		if v, _ := sample(scraped, series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	if v, _ := sample(scraped, "mcu_outbox_oldest_age_seconds"); v < 600 || v > 700 {
		t.Errorf("mcu_outbox_oldest_age_seconds = %v, want about 600", v)
	}
	exec(`UPDATE outbox SET created_at = now() - interval '4 minutes' WHERE chat_id = 42`)
	if code, body := get("/readyz?verbose=1"); code != http.StatusOK || !strings.HasPrefix(body, "ready\n") {
		t.Errorf("a message 4 min old: /readyz?verbose=1 answered %d %q, want 200 ready", code, body)
	}
	db.Close()
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || body != "database unreachable\n" {
		t.Errorf("database gone: /readyz answered %d %q", code, body)
	}
	if _, scraped := get("/metrics"); !strings.Contains(scraped, "mcu_database_scrape_ok 0") || strings.Contains(scraped, "mcu_outbox_depth") {
		t.Errorf("database gone: /metrics should say mcu_database_scrape_ok 0 and leave the outbox out:\n%s", scraped)
	}
}
