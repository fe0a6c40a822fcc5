package delivery

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The bot's window never lets more than its limit reach Telegram in any
// second, however late each request gets there (up to 150 ms here, in
// any order of arrival), while it still sends nearly its whole limit a
// second and lets an album of ten through at once.
func TestWindowHoldsWhateverTheRequestsDelay(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	w := &window{limit: 29, per: time.Second}
	rng := rand.New(rand.NewPCG(1, 2))
	type answer struct {
		at time.Time
		n  int
	}
	var pending []answer
	var arrived []time.Time
	now := start
	deliver := func(until time.Time) {
		slices.SortFunc(pending, func(a, b answer) int { return a.at.Compare(b.at) })
		for len(pending) > 0 && !pending[0].at.After(until) {
			w.answer(pending[0].n, pending[0].at)
			pending = pending[1:]
		}
	}
	for i := 0; now.Before(start.Add(20*time.Second)) && len(arrived) < 5000; {
		deliver(now)
		n := 1
		if i%25 == 0 {
			n = maxAlbum
		}
		at, ok := w.next(now, n)
		if !ok || (len(pending) > 0 && pending[0].at.Before(at)) {
			now = pending[0].at // wait for an answer
			continue
		}
		now = at
		w.take(n)
		arrive := now.Add(time.Duration(rng.IntN(150)) * time.Millisecond)
		for range n {
			arrived = append(arrived, arrive)
		}
		pending = append(pending, answer{at: arrive.Add(time.Millisecond), n: n})
		i++
	}
	slices.SortFunc(arrived, func(a, b time.Time) int { return a.Compare(b) })
	for i := range arrived {
		j := i
		for j < len(arrived) && arrived[j].Sub(arrived[i]) < time.Second {
			j++
		}
		if j-i > 29 {
			t.Fatalf("%d messages reached Telegram in the second from %v", j-i, arrived[i].Sub(start))
		}
	}
	if rate := float64(len(arrived)) / now.Sub(start).Seconds(); rate < 25 {
		t.Errorf("sustained %.1f a second, want at least 25", rate)
	}
	// Full: nothing more within the span.
	deliver(now.Add(time.Hour))
	w.fill(now)
	if at, ok := w.next(now, 1); !ok || at.Sub(now) != time.Second {
		t.Errorf("a filled window lets the next message go after %v (%v), want 1s", at.Sub(now), ok)
	}
}
