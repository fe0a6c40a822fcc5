package telegramtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limits are the rules of Telegram that the bot of today may trip, off
// unless On is set: the flood limits on sending and callback queries that
// expire. Zero numbers take Telegram's values. Time is the server's clock
// (Options.Now) unless Now is set, so a test moves a fake clock instead of
// sleeping.
type Limits struct {
	// On turns the rules on. MustNew also turns them on when the
	// environment variable TELEGRAMTEST_STRICT is "1" (or "wallclock",
	// which also sets Now to time.Now), to see which tests of a bot would
	// trip them.
	On bool
	// Now, when set, is the clock of the limits instead of Options.Now:
	// time.Now for a test whose message dates come from a clock that
	// stands still.
	Now func() time.Time
	// PerSecond is how many messages the bot may send per second overall;
	// default 30.
	PerSecond int
	// PrivateBurst is how many messages the bot may send to one private
	// chat at once, PrivateInterval how long it then takes for one more;
	// defaults 3 and 1s (a token bucket).
	PrivateBurst    int
	PrivateInterval time.Duration
	// GroupPerMinute is how many messages the bot may send to one group,
	// supergroup or channel in any 60 seconds; default 20.
	GroupPerMinute int
	// CallbackTimeout is how long after the press a callback query may be
	// answered; default 15s. Later, answerCallbackQuery fails with 400
	// "query is too old and response timeout expired or query ID is
	// invalid", as in Telegram.
	CallbackTimeout time.Duration
}

// withDefaults fills in Telegram's values.
func (l Limits) withDefaults() Limits {
	if l.PerSecond <= 0 {
		l.PerSecond = 30
	}
	if l.PrivateBurst <= 0 {
		l.PrivateBurst = 3
	}
	if l.PrivateInterval <= 0 {
		l.PrivateInterval = time.Second
	}
	if l.GroupPerMinute <= 0 {
		l.GroupPerMinute = 20
	}
	if l.CallbackTimeout <= 0 {
		l.CallbackTimeout = 15 * time.Second
	}
	return l
}

// floodCounted are the methods that count as sending a message: every
// send and every edit. answerCallbackQuery, sendChatAction, deletions and
// reads are not counted.
var floodCounted = map[string]bool{
	"sendMessage": true, "sendPhoto": true, "sendDocument": true,
	"sendLocation": true, "sendMediaGroup": true,
	"editMessageText": true, "editMessageCaption": true,
	"editMessageReplyMarkup": true,
}

// window counts the messages sent in a sliding window: at most limit in
// any span of length per.
type window struct {
	limit int
	per   time.Duration
	times []time.Time // oldest first
}

// wait returns how long from now until n more messages fit. A window
// that is empty takes any number (an album larger than the limit passes
// alone).
func (w *window) wait(now time.Time, n int) time.Duration {
	w.expire(now)
	if len(w.times) == 0 || len(w.times)+n <= w.limit {
		return 0
	}
	// The messages to expire before n more fit; all of them when n is
	// more than the limit.
	k := min(len(w.times)+n-w.limit, len(w.times))
	return w.times[k-1].Add(w.per).Sub(now)
}

func (w *window) expire(now time.Time) {
	i := 0
	for i < len(w.times) && !w.times[i].Add(w.per).After(now) {
		i++
	}
	w.times = w.times[i:]
}

func (w *window) take(now time.Time, n int) {
	for range n {
		w.times = append(w.times, now)
	}
}

func (w *window) refund(at time.Time, n int) {
	for i := len(w.times) - 1; i >= 0 && n > 0; i-- {
		if w.times[i].Equal(at) {
			w.times = append(w.times[:i], w.times[i+1:]...)
			n--
		}
	}
}

// bucket is a token bucket: burst tokens, one more every interval. It is
// kept as the time at which it is full again.
type bucket struct {
	burst    int
	interval time.Duration
	full     time.Time
}

// wait returns how long from now until n tokens are there; a bucket that
// is full takes any number (an album larger than the burst passes, and
// the chat then waits longer).
func (b *bucket) wait(now time.Time, n int) time.Duration {
	avail := b.burst
	if b.full.After(now) {
		used := int(math.Ceil(float64(b.full.Sub(now)) / float64(b.interval)))
		avail = b.burst - used
	}
	m := min(n, b.burst)
	if avail >= m {
		return 0
	}
	// avail(t) = burst - ceil((full-t)/interval) reaches m at
	// t = full - (burst-m)*interval.
	return b.full.Add(-time.Duration(b.burst-m) * b.interval).Sub(now)
}

func (b *bucket) take(now time.Time, n int) {
	if b.full.Before(now) {
		b.full = now
	}
	b.full = b.full.Add(time.Duration(n) * b.interval)
}

func (b *bucket) refund(n int) {
	b.full = b.full.Add(-time.Duration(n) * b.interval)
}

// flood is the state of the flood limits.
type flood struct {
	global  window
	private map[int64]*bucket
	groups  map[int64]*window
}

// floodCharge is what a call took from the limits, to give back if the
// call fails.
type floodCharge struct {
	at     time.Time
	n      int
	global *window
	chat   *window
	bucket *bucket
}

// floodCount returns how many messages a call sends, 0 for a call
// not counted.
func floodCount(method string, q *request) int {
	if !floodCounted[method] {
		return 0
	}
	if method == "sendMediaGroup" {
		var media []json.RawMessage
		if _, err := q.jsonValue("media", &media); err != nil || len(media) == 0 {
			return 1 // refused anyway
		}
		return min(len(media), maxAlbum)
	}
	return 1
}

// chargeFlood applies the flood limits to a call. A call over a limit is
// refused with 429 and parameters.retry_after, the whole seconds until it
// would pass, and takes nothing; a call that passes takes its messages,
// given back by refundFlood if the method then fails.
func (s *Server) chargeFlood(method string, q *request) (*floodCharge, *apiError) {
	if !s.limits.On {
		return nil, nil
	}
	n := floodCount(method, q)
	if n == 0 {
		return nil, nil
	}
	chatID, err := strconv.ParseInt(strings.TrimSpace(q.str("chat_id")), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.limitsNow()
	f := &s.flood
	if f.private == nil {
		f.private, f.groups = map[int64]*bucket{}, map[int64]*window{}
		f.global = window{limit: s.limits.PerSecond, per: time.Second}
	}
	c := &floodCharge{at: now, n: n, global: &f.global}
	wait := f.global.wait(now, n)
	if err == nil && chatID != 0 {
		if chatID > 0 {
			b := f.private[chatID]
			if b == nil {
				b = &bucket{burst: s.limits.PrivateBurst, interval: s.limits.PrivateInterval}
				f.private[chatID] = b
			}
			c.bucket = b
			wait = max(wait, b.wait(now, n))
		} else {
			w := f.groups[chatID]
			if w == nil {
				w = &window{limit: s.limits.GroupPerMinute, per: time.Minute}
				f.groups[chatID] = w
			}
			c.chat = w
			wait = max(wait, w.wait(now, n))
		}
	}
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return nil, &apiError{Code: http.StatusTooManyRequests, Description: fmt.Sprintf("Too Many Requests: retry after %d", secs), RetryAfter: secs}
	}
	c.global.take(now, n)
	if c.chat != nil {
		c.chat.take(now, n)
	}
	if c.bucket != nil {
		c.bucket.take(now, n)
	}
	return c, nil
}

// limitsNow is the time by the clock of the limits.
func (s *Server) limitsNow() time.Time {
	if s.limits.Now != nil {
		return s.limits.Now()
	}
	return s.now()
}

// refundFlood gives back what a failed call took.
func (s *Server) refundFlood(c *floodCharge) {
	if c == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.global.refund(c.at, c.n)
	if c.chat != nil {
		c.chat.refund(c.at, c.n)
	}
	if c.bucket != nil {
		c.bucket.refund(c.n)
	}
}
