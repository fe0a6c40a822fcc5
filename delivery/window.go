package delivery

import (
	"slices"
	"time"
)

// window keeps "at most limit messages in any span of per", as Telegram
// counts the bot's 30 messages a second. Telegram counts a message when
// it receives it, which the bot does not see: somewhere between letting
// the request go and reading the answer. So a message counts from the
// moment it is let go (in flight) and, once answered, until per after
// its answer — an upper bound of when Telegram counted it. However late a
// request reaches Telegram, and however the requests bunch on the way, no
// span of per then holds more than limit of them there. Unlike a token
// bucket, which has to choose between a burst that holds an album and a
// rate near the limit, it sustains the whole limit (less the requests'
// round trip) and lets an album through at once.
type window struct {
	limit    int
	per      time.Duration
	answered []time.Time // when Telegram answered, oldest first
	flying   int         // let go, not answered yet
}

// next returns the earliest time, not before now, at which n more
// messages fit; false when they cannot fit before some in flight are
// answered. An album larger than the limit goes alone once the window
// is empty.
func (w *window) next(now time.Time, n int) (time.Time, bool) {
	w.expire(now)
	room := w.limit - w.flying - n // answered messages that may stay in the span
	if room < 0 {
		if w.flying > 0 {
			return time.Time{}, false
		}
		room = 0
	}
	t := now
	if over := len(w.answered) - room; over > 0 {
		if free := w.answered[over-1].Add(w.per); free.After(t) {
			t = free
		}
	}
	return t, true
}

// take counts n messages let go.
func (w *window) take(n int) { w.flying += n }

// answer records n messages Telegram answered (or failed to) at.
func (w *window) answer(n int, at time.Time) {
	w.flying = max(0, w.flying-n)
	i, _ := slices.BinarySearchFunc(w.answered, at, func(a, b time.Time) int { return a.Compare(b) })
	for range n {
		w.answered = slices.Insert(w.answered, i, at)
	}
}

// fill records the window as full at now: nothing more goes before per
// has passed (a sender taking over from another, which may have just
// sent that many).
func (w *window) fill(now time.Time) {
	w.answered = w.answered[:0]
	for range w.limit {
		w.answered = append(w.answered, now)
	}
}

func (w *window) expire(now time.Time) {
	i := 0
	for i < len(w.answered) && !w.answered[i].Add(w.per).After(now) {
		i++
	}
	w.answered = w.answered[i:]
}
