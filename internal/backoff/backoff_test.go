package backoff_test

import (
	"testing"
	"time"

	"mcu/internal/backoff"
)

func TestExponentialDoublesWithinJitterAndCaps(t *testing.T) {
	for _, c := range []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, 750 * time.Millisecond, time.Second},
		{1, 1500 * time.Millisecond, 2 * time.Second},
		{3, 6 * time.Second, 8 * time.Second},
		{10, 45 * time.Second, time.Minute}, // capped
		{1000, 45 * time.Second, time.Minute},
		{-1, 750 * time.Millisecond, time.Second},
	} {
		for range 100 {
			if d := backoff.Exponential(c.attempt, time.Second, time.Minute); d < c.min || d > c.max {
				t.Fatalf("Exponential(%d, 1s, 1m) = %s, want within [%s, %s]", c.attempt, d, c.min, c.max)
			}
		}
	}
}
