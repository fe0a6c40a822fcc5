package transport

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/tgstate"
)

// countingObserver keeps what an UpdateObserver is told.
type countingObserver struct {
	mu       sync.Mutex
	received []string
	failed   []string
}

func (o *countingObserver) UpdateReceived(typ string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.received = append(o.received, typ)
}

func (o *countingObserver) UpdateFailed(typ string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed = append(o.failed, typ)
}

// savingStore is an InboxStore that accepts every batch.
type savingStore struct{ InboxStore }

func (savingStore) SaveInbox(context.Context, []tgstate.InboxUpdate, time.Duration) error { return nil }

// TestObserverCountsKeptUpdatesAndPanics: an update kept in the inbox is
// received, by type; a handler's panic is a failed attempt.
func TestObserverCountsKeptUpdatesAndPanics(t *testing.T) {
	t.Parallel()
	obs := &countingObserver{}
	in := &inbox{store: savingStore{}, observer: obs}
	err := in.keep(t.Context(), []tele.Update{
		chatText(1, 1, "a"),
		{ID: 2, Callback: &tele.Callback{ID: "x", Sender: &tele.User{ID: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newRunnerTestBot(t, func(c tele.Context) error { panic("handler exploded") })
	r := NewRunner(b, RunnerOptions{Observer: obs})
	updates := make(chan tele.Update, 1)
	updates <- chatText(3, 1, "boom")
	close(updates)
	if err := r.Run(context.Background(), updates); err != nil {
		t.Fatal(err)
	}
	if want := []string{"message", "callback_query"}; !slices.Equal(obs.received, want) {
		t.Errorf("received %v, want %v", obs.received, want)
	}
	if want := []string{"message"}; !slices.Equal(obs.failed, want) {
		t.Errorf("failed %v, want %v", obs.failed, want)
	}
}
