package delivery_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/outbox"
)

// countingOutbox counts the claims a dispatcher makes, and those that
// found nothing.
type countingOutbox struct {
	delivery.Outbox
	claims, empty atomic.Int64
}

func (c *countingOutbox) SendOutbox(ctx context.Context, send func(ctx context.Context, m outbox.Message) outbox.Outcome) (bool, bool, error) {
	found, more, err := c.Outbox.SendOutbox(ctx, send)
	c.claims.Add(1)
	if !found {
		c.empty.Add(1)
	}
	return found, more, err
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
