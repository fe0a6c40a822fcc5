package main

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/storage"
)

// readyz GETs /readyz at addr.
func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, b.String()
}

// senderGauge is mcu_outbox_sender as scraped at addr.
func senderGauge(t *testing.T, addr string) float64 {
	t.Helper()
	v, ok := sample(scrape(t, addr), "mcu_outbox_sender")
	if !ok {
		t.Fatalf("no mcu_outbox_sender at %s", addr)
	}
	return v
}

// TestTwoServeInstancesElectOneSender: two serve instances on one
// database: mcu_outbox_sender is 1 on exactly one, both are ready (the
// outbox is fresh, whoever sends it), and when the sender stops the other
// becomes the sender within a few tries.
func TestTwoServeInstancesElectOneSender(t *testing.T) {
	t.Parallel()
	srv, addr1, cfg1 := serveConfig(t)
	cfg2 := *cfg1
	addr2 := freeAddr(t)
	cfg2.HTTPAddr = addr2
	start := func(cfg *Config) *Main {
		m := &Main{Config: cfg, Logger: dbtest.Logger(t), SenderRetry: 200 * time.Millisecond}
		if err := m.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1 := start(cfg1)
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("not within 10 s: %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the first instance is the sender", func() bool { return senderGauge(t, addr1) == 1 })
	m2 := start(&cfg2)
	stopped := false
	t.Cleanup(func() {
		srv.EndLongPolls()
		if !stopped {
			m1.Close()
		}
		m2.Close()
	})
	time.Sleep(time.Second) // a few of the second's tries
	if g1, g2 := senderGauge(t, addr1), senderGauge(t, addr2); g1 != 1 || g2 != 0 {
		t.Errorf("mcu_outbox_sender: %v and %v, want 1 on the first instance and 0 on the other", g1, g2)
	}
	for _, addr := range []string{addr1, addr2} {
		if code, body := readyz(t, addr); code != http.StatusOK {
			t.Errorf("/readyz of %s answered %d %q, want 200: standing by is no reason to be unready", addr, code, body)
		}
	}

	srv.EndLongPolls()
	stopped = true
	if err := m1.Close(); err != nil {
		t.Errorf("close the first: %v", err)
	}
	waitFor("the second instance is the sender after the first stopped", func() bool { return senderGauge(t, addr2) == 1 })
}

// TestDigestLeavesSendingToTheSender: while a serve instance is the
// outbox's sender, mcu digest only queues the digest and waits: the
// sender delivers it. While the lock is held by one that stops, the
// digest sends nothing until it can take the lock, then sends it itself.
func TestDigestLeavesSendingToTheSender(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	url := dbtest.URL(t)
	db, err := storage.Open(t.Context(), url, dbtest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	head := srv.NewUser("Глава")
	srv.OpenPrivateChat(head)
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, bound_by) VALUES ($1, 0, 'head', 0)`, head.ID)
	env := env(map[string]string{
		"MCU_TELEGRAM_TOKEN": srv.Token, "MCU_TELEGRAM_API_URL": srv.URL, "MCU_DATABASE_URL": url,
	})

	// A serve instance's dispatcher, the sender.
	tg, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: srv.Token, Synchronous: true, Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	client := &countingSender{Bot: tg}
	ctx, cancel := context.WithCancel(t.Context())
	lock := db.SenderLock()
	var sender atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = delivery.NewDispatcher(db, client, delivery.DispatcherOptions{Logger: dbtest.Logger(t)}).
			RunElected(ctx, lock, delivery.ElectOptions{Observe: sender.Store})
	}()
	for deadline := time.Now().Add(10 * time.Second); !sender.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the serve instance's dispatcher did not become the sender")
		}
	}
	var out lockedBuffer
	if code := run(t.Context(), []string{"digest"}, env, &out); code != 0 {
		t.Fatalf("with a sender: exit %d, want 0:\n%s", code, out.String())
	}
	if n := client.sent.Load(); n != 1 || len(srv.Sent(head.ID)) != 1 {
		t.Errorf("with a sender: the sender sent %d messages and the head got %d, want the digest once, sent by the sender",
			n, len(srv.Sent(head.ID)))
	}
	cancel()
	<-done
	lock.Close()

	// The lock held by an instance that goes away after 1.5 s.
	other := db.SenderLock()
	defer other.Close()
	lost, release, err := other.Try(t.Context())
	if err != nil || lost == nil {
		t.Fatalf("take the lock: %v", err)
	}
	time.AfterFunc(1500*time.Millisecond, release)
	began := time.Now()
	out = lockedBuffer{}
	if code := run(t.Context(), []string{"digest"}, env, &out); code != 0 {
		t.Fatalf("after the sender went: exit %d, want 0:\n%s", code, out.String())
	}
	if n := len(srv.Sent(head.ID)); n != 2 {
		t.Fatalf("the head got %d messages, want the two digests", n)
	}
	for _, c := range srv.Calls() {
		if c.OK() && c.ChatID() == head.ID && c.Time.After(began) && c.Time.Before(began.Add(1500*time.Millisecond)) {
			t.Errorf("%v went out %v after the command began, while another held the lock (until 1.5 s)", c, c.Time.Sub(began))
		}
	}
}

// countingSender is a telebot client that counts what it sent.
type countingSender struct {
	*tele.Bot
	sent atomic.Int64
}

func (c *countingSender) Send(to tele.Recipient, what any, opts ...any) (*tele.Message, error) {
	m, err := c.Bot.Send(to, what, opts...)
	if err == nil {
		c.sent.Add(1)
	}
	return m, err
}
