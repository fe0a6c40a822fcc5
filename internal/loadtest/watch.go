package loadtest

import (
	"context"
	"slices"
	"sync"
	"time"

	"mcu/internal/telegramtest"
)

// sendMethods are the calls by which the bot shows something in a chat:
// a reply is the first of them in the chat after an update.
var sendMethods = map[string]bool{
	"sendMessage": true, "sendPhoto": true, "sendDocument": true, "sendLocation": true,
	"sendMediaGroup": true, "editMessageText": true, "editMessageCaption": true,
	"editMessageReplyMarkup": true,
}

// Watcher follows the server's calls with one goroutine: it wakes the
// residents whose chat changed and keeps the measures of a run.
type Watcher struct {
	srv *telegramtest.Server

	mu        sync.Mutex
	next      int // calls read so far
	chats     map[int64]*chatWatch
	latencies []time.Duration
	updates   int // updates the residents sent
	messages  int // messages the bot sent (album items counted)
	tooMany   int // 429 answers
	groups    map[int64][]time.Time
	firstSent time.Time
	lastSent  time.Time
}

type chatWatch struct {
	notify  chan struct{}
	pending []time.Time // arrivals of updates not answered yet, oldest first
}

// NewWatcher starts watching srv until ctx ends.
func NewWatcher(ctx context.Context, srv *telegramtest.Server) *Watcher {
	w := &Watcher{srv: srv, chats: map[int64]*chatWatch{}, groups: map[int64][]time.Time{}}
	w.next = len(srv.CallsSince(0))
	go w.loop(ctx)
	return w
}

func (w *Watcher) register(chatID int64, notify chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.chats[chatID] = &chatWatch{notify: notify}
}

// arrived records that an update of the chat reaches the server now.
func (w *Watcher) arrived(chatID int64, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.chats[chatID]; c != nil {
		c.pending = append(c.pending, at)
	}
}

func (w *Watcher) countUpdate() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.updates++
}

func (w *Watcher) loop(ctx context.Context) {
	for {
		changed := w.srv.Changes()
		w.mu.Lock()
		from := w.next
		w.mu.Unlock()
		calls := w.srv.CallsSince(from)
		w.take(calls)
		if w.srv.Closed() {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// take reads new calls: latency samples, counts, wake-ups.
func (w *Watcher) take(calls []telegramtest.Call) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next += len(calls)
	for _, c := range calls {
		if c.Status == 429 {
			w.tooMany++
		}
		if !c.OK() || !sendMethods[c.Method] {
			continue
		}
		end := c.Time.Add(c.Duration)
		n := 1
		if c.Method == "sendMediaGroup" {
			var items []telegramtest.Message
			if c.Result(&items) == nil && len(items) > 0 {
				n = len(items)
			}
		}
		w.messages += n
		if w.firstSent.IsZero() {
			w.firstSent = end
		}
		w.lastSent = end
		id := c.ChatID()
		if id < 0 {
			for range n {
				w.groups[id] = append(w.groups[id], end)
			}
			continue
		}
		ch := w.chats[id]
		if ch == nil {
			continue
		}
		kept := ch.pending[:0]
		for _, at := range ch.pending {
			if at.After(c.Time) {
				kept = append(kept, at) // arrived after the call began: not its reply
				continue
			}
			w.latencies = append(w.latencies, end.Sub(at))
		}
		ch.pending = kept
		select {
		case ch.notify <- struct{}{}:
		default:
		}
	}
}

// Snapshot is the watcher's measures at a moment.
type Snapshot struct {
	At        time.Time
	Updates   int // updates the residents sent
	Replies   int // updates answered (latency samples)
	Messages  int // messages the bot sent
	TooMany   int // 429s the bot received
	Backlog   int // updates sent and not answered yet
	latencies []time.Duration
}

// Snapshot returns the measures so far.
func (w *Watcher) Snapshot() Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Snapshot{At: time.Now(), Updates: w.updates, Replies: len(w.latencies), Messages: w.messages, TooMany: w.tooMany,
		latencies: slices.Clone(w.latencies)}
	for _, c := range w.chats {
		s.Backlog += len(c.pending)
	}
	return s
}

// Latencies returns the latencies of the updates answered between two
// snapshots (a before b), sorted.
func Latencies(a, b Snapshot) []time.Duration {
	l := slices.Clone(b.latencies[min(len(a.latencies), len(b.latencies)):])
	slices.Sort(l)
	return l
}

// Percentile returns the p-th percentile (0..100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// GroupMaxPerMinute returns the most messages the bot sent to the group
// in any 60 s.
func (w *Watcher) GroupMaxPerMinute(chatID int64) int {
	w.mu.Lock()
	times := slices.Clone(w.groups[chatID])
	w.mu.Unlock()
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Minute {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}
