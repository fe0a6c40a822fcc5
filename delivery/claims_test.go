package delivery_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/telegramtest"
	"mcu/outbox"
)

// countingOutbox counts the claims a dispatcher makes, and those that
// found nothing.
type countingOutbox struct {
	delivery.Outbox
	claims, empty atomic.Int64
}

func (c *countingOutbox) ClaimOutbox(ctx context.Context, limit, bulk int, lease time.Duration) ([]outbox.Message, int, error) {
	ms, n, err := c.Outbox.ClaimOutbox(ctx, limit, bulk, lease)
	c.claims.Add(1)
	if n == 0 {
		c.empty.Add(1)
	}
	return ms, n, err
}

// An idle dispatcher asks the database for nothing: a wake-up costs the
// claims of what it brought and at most one that finds nothing, not one
// per worker or one after every message sent (each a transaction of the
// database's, taken from the residents' updates on a busy day).
func TestDispatcherClaimsOnlyWhatIsThere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	counting := &countingOutbox{Outbox: f.db}
	f.queue = counting
	f.start(delivery.DispatcherOptions{Poll: time.Hour, Pace: delivery.PaceOptions{Off: true}})
	const appeals = 10
	for i := range appeals {
		a := f.submit(fmt.Sprintf("Обращение %d", i))
		f.waitSent(f.housing.ID, a.Number())
		f.waitSent(f.alice.ID, a.Number())
	}
	time.Sleep(100 * time.Millisecond) // any claim still to come
	// Each appeal is two messages (the resident's notice and the card),
	// enqueued together and woken once.
	claims, empty := counting.claims.Load(), counting.empty.Load()
	t.Logf("%d claims for %d messages, %d of them empty", claims, 2*appeals, empty)
	if empty > appeals+1 {
		t.Errorf("%d claims found nothing for %d wake-ups: the dispatcher asks again after every message", empty, appeals)
	}
}

// A message enqueued behind one in flight in the same chat goes as soon
// as the one in flight is done, not at the next poll: the claim made when
// it was enqueued found its chat busy, and the record of the one in
// flight asks again.
func TestDispatcherSendsWhatWaitedBehindAMessageInFlight(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hold := make(chan struct{})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.housing.ID, Hold: hold})
	f.start(delivery.DispatcherOptions{Poll: time.Hour, Pace: delivery.PaceOptions{Off: true}})
	first := f.submit("Первое обращение")
	f.waitSent(f.alice.ID, first.Number()) // its card is held in flight
	second := f.submit("Второе обращение")
	f.waitSent(f.alice.ID, second.Number())
	close(hold)
	f.waitSent(f.housing.ID, first.Number())
	start := time.Now()
	f.waitSent(f.housing.ID, second.Number())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the second card went %v after the first: it waited for a poll", took)
	}
}

// overlappingOutbox makes a claim overlap the record of the message it
// found in flight: once armed, the next claim that finds nothing lets
// that message go (release) and returns only after its record is
// written, as a busy database does by chance.
type overlappingOutbox struct {
	delivery.Outbox
	chatID      int64  // the chat of the message held in flight
	release     func() // lets it go
	armAfter    int64  // records of the resident's messages before arming
	resident    int64  // the resident's chat
	residentRec atomic.Int64
	armed       atomic.Bool
	recorded    chan struct{} // closed when the held message is recorded
	once        sync.Once
}

func (o *overlappingOutbox) ClaimOutbox(ctx context.Context, limit, bulk int, lease time.Duration) ([]outbox.Message, int, error) {
	ms, n, err := o.Outbox.ClaimOutbox(ctx, limit, bulk, lease)
	if n == 0 && o.armed.CompareAndSwap(true, false) {
		o.release()
		<-o.recorded
		time.Sleep(100 * time.Millisecond) // the recorder done with it
	}
	return ms, n, err
}

func (o *overlappingOutbox) FinishOutbox(ctx context.Context, done []outbox.Done) error {
	err := o.Outbox.FinishOutbox(ctx, done)
	for _, d := range done {
		switch d.Message.ChatID {
		case o.chatID:
			o.once.Do(func() { close(o.recorded) })
		case o.resident:
			if o.residentRec.Add(1) == o.armAfter {
				o.armed.Store(true)
			}
		}
	}
	return err
}

// The message in flight may be recorded while a claim that found its
// chat busy is still running: the claim, not the record, then asks
// again, and what waited behind it goes at once, not at the next poll.
func TestDispatcherSendsWhatWaitedWhenTheRecordOverlapsTheClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hold := make(chan struct{})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.housing.ID, Hold: hold})
	f.queue = &overlappingOutbox{
		Outbox: f.db, chatID: f.housing.ID, release: func() { close(hold) },
		resident: f.alice.ID, armAfter: 2, recorded: make(chan struct{}),
	}
	f.start(delivery.DispatcherOptions{Poll: time.Hour, Pace: delivery.PaceOptions{Off: true}})
	first := f.submit("Первое обращение")
	f.waitSent(f.alice.ID, first.Number()) // its card is held in flight
	second := f.submit("Второе обращение")
	f.waitSent(f.alice.ID, second.Number())
	f.waitSent(f.housing.ID, first.Number())
	start := time.Now()
	f.waitSent(f.housing.ID, second.Number())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the second card went %v after the first: it waited for a poll", took)
	}
}

// A crowd of residents, each waiting for a reply, does not hold back a
// new appeal's card: replies go first, yet some workers are kept for the
// rest, so the group hears of the appeal while the crowd is still being
// answered rather than after the last of it.
func TestCardGoesWhileACrowdIsAnswered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const crowd = 120
	for range crowd {
		u := f.srv.NewUser("Житель")
		f.srv.OpenPrivateChat(u)
		_, err := f.db.EnqueueReply(context.Background(), u.ID, 0, outbox.Reply{Calls: []outbox.Call{{Text: "Опишите проблему"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	a := f.submit("Нет отопления в доме")
	// A Telegram slow enough that the replies keep every worker busy.
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", Delay: 5 * time.Millisecond, Times: 1000})
	f.start(delivery.DispatcherOptions{Workers: 8, Poll: time.Hour, Pace: delivery.PaceOptions{Off: true}})
	card := f.waitSent(f.housing.ID, a.Number())
	replies := 0
	for _, c := range f.srv.CallsOf("sendMessage") {
		if c.Seq < card.Seq && c.Param("text") == "Опишите проблему" {
			replies++
		}
	}
	t.Logf("%d of %d replies went before the card", replies, crowd)
	if replies > crowd/2 {
		t.Errorf("%d of %d replies went before the card: the crowd held it back", replies, crowd)
	}
}
