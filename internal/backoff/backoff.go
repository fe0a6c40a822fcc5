// Package backoff computes waits between retries and waits them out
// unless a context ends first.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Exponential returns the wait before retry number attempt+1: base
// doubled attempt times, capped at limit, less a random jitter of up to a
// quarter, so that many retries started together spread out.
func Exponential(attempt int, base, limit time.Duration) time.Duration {
	d := base << min(max(attempt, 0), 20)
	if d <= 0 || d > limit {
		d = limit
	}
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

// Sleep waits for d, or until ctx is done and then returns its error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
