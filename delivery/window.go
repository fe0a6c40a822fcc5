package delivery

import "time"

// window keeps "at most limit messages in any span of per", as Telegram
// counts the bot's 30 messages a second: the times of the messages sent
// (or reserved: a time may lie ahead, when the message waits for it),
// oldest first. Unlike a token bucket, which has to choose between a
// burst that holds an album and a rate near the limit, it sustains the
// whole limit and still lets an album through at once.
type window struct {
	limit int
	per   time.Duration
	times []time.Time
}

// next returns the earliest time, not before now nor before the latest
// time reserved (messages keep their order), at which n more messages
// fit. An album larger than the limit goes alone once the window is
// empty.
func (w *window) next(now time.Time, n int) time.Time {
	w.expire(now)
	t := now
	if k := len(w.times); k > 0 && w.times[k-1].After(t) {
		t = w.times[k-1]
	}
	keep := max(0, w.limit-n) // messages that may stay in the span with them
	if over := len(w.times) - keep; over > 0 {
		if free := w.times[over-1].Add(w.per); free.After(t) {
			t = free
		}
	}
	return t
}

// take records n messages at t (a time next returned).
func (w *window) take(t time.Time, n int) {
	for range n {
		w.times = append(w.times, t)
	}
}

// fill records the window as full at now: nothing more goes before per
// has passed (a sender taking over from another, which may have just
// sent that many).
func (w *window) fill(now time.Time) {
	w.times = w.times[:0]
	w.take(now, w.limit)
}

func (w *window) expire(now time.Time) {
	i := 0
	for i < len(w.times) && !w.times[i].Add(w.per).After(now) {
		i++
	}
	w.times = w.times[i:]
}
