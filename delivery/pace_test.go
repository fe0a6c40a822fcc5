package delivery

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when slept on.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func newTestPacer(o PaceOptions) (*pacer, *fakeClock) {
	c := &fakeClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	o.Now, o.Sleep = c.Now, c.Sleep
	return newPacer(o), c
}

// sendTimes has the pacer let count messages of n items each go to chat
// with MaxWait large enough never to put one off, and returns when each
// went, from the start.
func sendTimes(t *testing.T, p *pacer, c *fakeClock, chat int64, count, n int) []time.Duration {
	t.Helper()
	start := c.now
	var out []time.Duration
	for range count {
		if err := waitAnswered(p, chat, n); err != nil {
			t.Fatalf("wait: %v", err)
		}
		out = append(out, c.now.Sub(start))
	}
	return out
}

// maxInSpan is the most sends at times ts (each of n items) in any span
// of length span.
func maxInSpan(ts []time.Duration, n int, span time.Duration) int {
	most := 0
	for i := range ts {
		k := 0
		for j := i; j < len(ts) && ts[j] < ts[i]+span; j++ {
			k += n
		}
		most = max(most, k)
	}
	return most
}

func TestPacerPrivateChat(t *testing.T) {
	p, c := newTestPacer(PaceOptions{MaxWait: time.Hour})
	ts := sendTimes(t, p, c, 7, 6, 1)
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 3 * time.Second}
	for i := range want {
		if ts[i] != want[i] {
			t.Fatalf("private chat sends at %v, want %v", ts, want)
		}
	}
}

func TestPacerGroupKeepsTwentyAMinute(t *testing.T) {
	p, c := newTestPacer(PaceOptions{MaxWait: time.Hour})
	ts := sendTimes(t, p, c, -100, 60, 1)
	if got := maxInSpan(ts, 1, time.Minute); got > 20 {
		t.Errorf("%d messages to the group in a minute, want at most 20: %v", got, ts)
	}
	if ts[9] != 0 {
		t.Errorf("the group's burst was not sent at once: %v", ts[:4])
	}
	// Albums of 10: the debt is waited for by the next ones.
	p, c = newTestPacer(PaceOptions{MaxWait: time.Hour})
	ts = sendTimes(t, p, c, -100, 8, 10)
	if got := maxInSpan(ts, 10, time.Minute); got > 20 {
		t.Errorf("%d album items to the group in a minute, want at most 20: %v", got, ts)
	}
}

func TestPacerGlobal(t *testing.T) {
	p, c := newTestPacer(PaceOptions{MaxWait: time.Hour})
	start := c.now
	var ts []time.Duration
	for i := range 200 {
		if err := waitAnswered(p, int64(1000+i), 1); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, c.now.Sub(start))
	}
	if got := maxInSpan(ts, 1, time.Second); got > 30 {
		t.Errorf("%d messages in a second overall, want at most 30", got)
	}
	if ts[len(ts)-1] > 10*time.Second {
		t.Errorf("200 messages took %v, too slow", ts[len(ts)-1])
	}
}

func TestPacerPutsOffLongWaits(t *testing.T) {
	p, c := newTestPacer(PaceOptions{}) // MaxWait 1s
	for range 10 {
		if err := waitAnswered(p, -5, 1); err != nil {
			t.Fatal(err)
		}
	}
	before := c.now
	err := waitAnswered(p, -5, 1)
	var paced errPaced
	if !errors.As(err, &paced) || paced.After <= time.Second || paced.After > 6*time.Second {
		t.Fatalf("11th message to a group: %v, want put off by about 6s", err)
	}
	if c.now != before {
		t.Errorf("a put-off message slept")
	}
	// What was put off took nothing: after the wait it goes at once.
	c.now = c.now.Add(paced.After)
	if d, _, err := p.reserve(-5, 1); err != nil || d != 0 {
		t.Errorf("after the wait: %v, %v; want at once", d, err)
	}
	// Other chats go on meanwhile.
	if err := waitAnswered(p, -6, 1); err != nil {
		t.Errorf("another group: %v", err)
	}
}

func TestPacerGlobalFlood(t *testing.T) {
	p, c := newTestPacer(PaceOptions{})
	p.flood(1, 5*time.Second)
	if d := p.paused(); d != 0 {
		t.Fatalf("one chat's 429 paused everyone for %v", d)
	}
	if err := waitAnswered(p, 2, 1); err != nil {
		t.Fatalf("another chat after one chat's 429: %v", err)
	}
	c.now = c.now.Add(time.Second)
	p.flood(2, 10*time.Second)
	if d := p.paused(); d != 10*time.Second {
		t.Fatalf("a second chat's 429: paused %v, want 10s", d)
	}
	var paced errPaced
	if err := waitAnswered(p, 3, 1); !errors.As(err, &paced) {
		t.Fatalf("a third chat during a global flood: %v, want put off", err)
	}
	c.now = c.now.Add(10 * time.Second)
	if err := waitAnswered(p, 3, 1); err != nil {
		t.Fatalf("after the flood: %v", err)
	}
}

func TestPacerDropsIdleChats(t *testing.T) {
	p, c := newTestPacer(PaceOptions{})
	for i := range 100 {
		if err := waitAnswered(p, int64(i+1), 1); err != nil {
			t.Fatal(err)
		}
		c.now = c.now.Add(50 * time.Millisecond)
	}
	c.now = c.now.Add(2 * time.Minute)
	_ = waitAnswered(p, 1000, 1)
	if len(p.chats) > 1 {
		t.Errorf("%d chats kept after they were idle, want 1", len(p.chats))
	}
}

// A pacer taking over from another (StartEmpty) adds nothing to what the
// other just sent: the two together keep every limit, whenever the
// other stopped. After its first minute, a chat's bucket starts full
// again.
func TestPacerStartEmptyKeepsLimitsAcrossAHandover(t *testing.T) {
	for _, gap := range []time.Duration{0, 3 * time.Second, 30 * time.Second} {
		first, c := newTestPacer(PaceOptions{MaxWait: time.Hour})
		start := c.now
		sent := map[string][]time.Duration{} // group, private, all
		send := func(p *pacer, chat int64) {
			if err := waitAnswered(p, chat, 1); err != nil {
				t.Fatal(err)
			}
			at := c.now.Sub(start)
			switch {
			case chat == -100:
				sent["group"] = append(sent["group"], at)
			case chat == 7:
				sent["private"] = append(sent["private"], at)
			}
			sent["all"] = append(sent["all"], at)
		}
		// The first sends a burst everywhere, the group last, then stops.
		for i := range 30 {
			send(first, int64(1000+i))
		}
		for range 3 {
			send(first, 7)
		}
		for range 12 {
			send(first, -100)
		}
		c.now = c.now.Add(gap)
		second := newPacer(PaceOptions{MaxWait: time.Hour, StartEmpty: true, Now: c.Now, Sleep: c.Sleep})
		for i := range 30 {
			send(second, int64(2000+i))
			if i%10 == 0 {
				send(second, 7)
				send(second, -100)
			}
		}
		for range 20 {
			send(second, -100)
		}
		for _, l := range []struct {
			what string
			span time.Duration
			most int
		}{{"group", time.Minute, 20}, {"private", 3 * time.Second, 3 + 2}, {"all", time.Second, 30}} {
			if got := maxInSpan(sent[l.what], 1, l.span); got > l.most {
				t.Errorf("gap %v: %d messages (%s) in %v, want at most %d: %v", gap, got, l.what, l.span, l.most, sent[l.what])
			}
		}
	}
	p, c := newTestPacer(PaceOptions{MaxWait: time.Hour, StartEmpty: true})
	c.now = c.now.Add(time.Minute)
	if ts := sendTimes(t, p, c, -200, 10, 1); ts[9] != 0 {
		t.Errorf("a group first sent to a minute after the start waits %v for its burst, want it at once", ts[9])
	}
}

// waitAnswered has the pacer let n messages go to chat, answered at once.
func waitAnswered(p *pacer, chat int64, n int) error {
	answered, err := p.wait(context.Background(), chat, n)
	if err == nil {
		answered()
	}
	return err
}
