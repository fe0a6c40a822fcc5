package delivery

import (
	"testing"
	"time"
)

// The bot's window sustains its whole limit — 29 a second, second after
// second — lets an album of ten through at once, and never lets more than
// the limit into any span of a second.
func TestWindowSustainsItsLimit(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	w := &window{limit: 29, per: time.Second}
	var sent []time.Time
	now := start
	for i := 0; now.Before(start.Add(10 * time.Second)); i++ {
		n := 1
		if i%25 == 0 {
			n = maxAlbum
		}
		at := w.next(now, n)
		w.take(at, n)
		for range n {
			sent = append(sent, at)
		}
		now = at
	}
	for i := range sent {
		j := i
		for j < len(sent) && sent[j].Sub(sent[i]) < time.Second {
			j++
		}
		if j-i > 29 {
			t.Fatalf("%d messages in the second from %v", j-i, sent[i].Sub(start))
		}
	}
	if rate := float64(len(sent)) / now.Sub(start).Seconds(); rate < 28 {
		t.Errorf("sustained %.1f a second, want at least 28", rate)
	}
	// Full: nothing more within the span.
	w.fill(now)
	if at := w.next(now, 1); at.Sub(now) != time.Second {
		t.Errorf("a filled window lets the next message go after %v, want 1s", at.Sub(now))
	}
}
