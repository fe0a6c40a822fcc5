// Package fakeclock is a clock that moves only when told to: tests of
// schedules, deadlines and Telegram's limits move it instead of sleeping,
// and the demo's seeding dates its appeals with it.
package fakeclock

import (
	"context"
	"sync"
	"time"
)

// Clock is a time that stands still until Set, Add or Sleep moves it.
// It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Sleep moves the clock on by d and returns at once (virtual time): a
// pacer that sleeps on it waits no real time, and whatever reads the
// clock sees the wait done. It fails only when ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.Add(d)
	return ctx.Err()
}
