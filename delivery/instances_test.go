package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/delivery"
)

// countingClient is a telebot client that counts the messages it sent.
type countingClient struct {
	*tele.Bot
	sent atomic.Int64
}

func (c *countingClient) Send(to tele.Recipient, what any, opts ...any) (*tele.Message, error) {
	m, err := c.Bot.Send(to, what, opts...)
	if err == nil {
		c.sent.Add(1)
	}
	return m, err
}

// Two instances of the bot on one database, each with its dispatcher and
// its own telebot client, share the outbox: while 30 residents submit an
// appeal each, every registration message and every card goes out exactly
// once, and nothing is left queued.
func TestTwoDispatchersOnOneDatabaseSendNothingTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	opts := delivery.DispatcherOptions{Pace: delivery.PaceOptions{Off: true}} // pacing is not what this is about
	clients := make([]*countingClient, 2)
	disps := make([]*dispatcher, 2)
	for i := range clients {
		// A transport of its own, whose idle connections are closed before
		// the server: the server's Close would wait for them.
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		tg, err := tele.NewBot(tele.Settings{URL: f.srv.URL, Token: f.srv.Token, Synchronous: true, Offline: true,
			Client: &http.Client{Transport: tr, Timeout: time.Minute}})
		if err != nil {
			t.Fatalf("telebot: %v", err)
		}
		clients[i] = &countingClient{Bot: tg}
		disps[i] = f.startOn(clients[i], opts)
	}
	const residents = 30
	chats := f.wave(residents)

	deadline := time.Now().Add(30 * time.Second)
	for f.pending(t) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range disps {
		d.stop(t)
	}

	if n := f.pending(t); n != 0 {
		t.Errorf("%d messages left in the outbox, want none", n)
	}
	var failed int
	if err := f.db.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL OR last_error <> ''`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != 0 {
		t.Errorf("%d outbox messages failed or recorded an error, want none", failed)
	}
	for _, c := range f.srv.CallsOf("sendMessage") {
		if !c.OK() {
			t.Errorf("Telegram answered %v", c)
		}
	}
	// Each resident got the registration of their own appeal, once.
	numberOf := map[int64]string{}
	for _, chat := range chats {
		got := numbers(f.sentTo(chat))
		if len(got) != 1 || got[0] == "" {
			t.Errorf("resident %d got %d messages naming %v, want one registration message", chat, len(got), got)
			continue
		}
		numberOf[chat] = got[0]
	}
	seen := map[string]int64{}
	for chat, n := range numberOf {
		if other, ok := seen[n]; ok {
			t.Errorf("residents %d and %d were both told of appeal %s", other, chat, n)
		}
		seen[n] = chat
	}
	// The housing chat got every appeal's card, once.
	cards := map[string]int{}
	for _, n := range numbers(f.sentTo(f.housing.ID)) {
		cards[n]++
	}
	for i := 1; i <= residents; i++ {
		n := fmt.Sprintf("2026-%06d", i)
		if cards[n] != 1 {
			t.Errorf("the housing chat got %d cards of %s, want 1", cards[n], n)
		}
		if _, ok := seen[n]; !ok {
			t.Errorf("no resident was told of appeal %s", n)
		}
	}
	if len(cards) != residents {
		t.Errorf("the housing chat got cards of %d appeals, want %d: %v", len(cards), residents, cards)
	}
	// Both instances took part: the test is of two at once.
	for i, c := range clients {
		if c.sent.Load() == 0 {
			t.Errorf("instance %d sent nothing: the other sent all %d messages", i+1, 2*residents)
		}
	}
	t.Logf("sent by the instances: %d and %d", clients[0].sent.Load(), clients[1].sent.Load())
}
