package delivery

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"mcu/internal/backoff"
)

// PaceOptions are the limits the dispatcher keeps to so that Telegram
// need not answer 429: Telegram's flood limits, with a margin. Zero
// numbers take the defaults.
type PaceOptions struct {
	// Off sends without pacing (a test of what Telegram does then).
	Off bool
	// PerSecond is how many messages the bot sends per second overall,
	// at most, in any second; default 30.
	PerSecond int
	// PrivateBurst messages go to a private chat at once, then one every
	// PrivateInterval; defaults 3 and 1s.
	PrivateBurst    int
	PrivateInterval time.Duration
	// GroupPerMinute is how many messages go to a group or supergroup (a
	// negative chat id) in any minute, at most; default 20. GroupBurst of
	// them may go at once; default 10, the largest album, which then
	// never leaves a debt (see reserve): with a smaller burst, a group
	// sent albums may get more than GroupPerMinute in a minute.
	GroupPerMinute int
	GroupBurst     int
	// MaxWait is the longest a worker waits for a limiter while it holds
	// a message claimed (a database transaction open); a longer wait puts
	// the message back until then. Default 1s.
	MaxWait time.Duration
	// StartEmpty starts every bucket empty, not full, for the first
	// minute (the longest span of a limit): a dispatcher taking over from
	// another instance, which may have just spent the buckets Telegram
	// keeps, does not add a burst of its own on top (see elect.go).
	StartEmpty bool
	// Now is the pacer's clock, default time.Now; Sleep waits, default a
	// timer. Not the dispatcher's Now, which may stand still in tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o PaceOptions) withDefaults() PaceOptions {
	if o.PerSecond <= 0 {
		o.PerSecond = 30
	}
	if o.PrivateBurst <= 0 {
		o.PrivateBurst = 3
	}
	if o.PrivateInterval <= 0 {
		o.PrivateInterval = time.Second
	}
	if o.GroupPerMinute <= 0 {
		o.GroupPerMinute = 20
	}
	if o.GroupBurst <= 0 {
		o.GroupBurst = maxAlbum
	}
	o.GroupBurst = max(1, min(o.GroupBurst, o.GroupPerMinute-1))
	if o.MaxWait <= 0 {
		o.MaxWait = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = backoff.Sleep
	}
	return o
}

// pacer holds the dispatcher's sends to the flood limits: a token bucket
// for the bot overall and one per chat, made on demand and dropped once
// full again (idle), so memory stays bounded by the chats sent to lately.
//
// Telegram counts "at most N in any span". The bot's 30 a second are kept
// with a sliding window over the messages in flight and the times they
// were answered (window.go): a message counts from its let-go until a
// second after its answer, which covers every second Telegram may count
// it in, so the window needs no margin below the limit: 30 in any
// second, an album at once. A group's 20 a minute are a token bucket: a
// bucket of rate r and burst b lets b + r·span through in a span, so the
// rate is N minus the burst per span, and an album larger than the burst
// would let more through (it goes when the burst is there and leaves a
// debt), so a group's burst holds the largest album: 10 at once, then 10
// a minute (one every 6s). Private chats keep Telegram's own bucket (3 at
// once, one a second), which lets an album through when full, debt and
// all. Telegram takes from that bucket when a message arrives, the bot
// when it lets it go: a message that arrived late (a slow network, a
// busy machine) left Telegram's bucket emptier than the bot's, and the
// next one, on time, would draw a 429. So the bucket counts tenths of a
// message, and a message's answer takes the tenths it spent in flight as
// well (see lagged).
type pacer struct {
	opts PaceOptions

	mu         sync.Mutex
	global     *window
	chats      map[int64]*rate.Limiter
	pauseUntil time.Time           // a global flood: nothing goes before
	floods     map[int64]time.Time // chats held by a 429, until
	sweptAt    time.Time
	emptyUntil time.Time // StartEmpty: a bucket made before starts empty
}

func newPacer(o PaceOptions) *pacer {
	o = o.withDefaults()
	p := &pacer{
		opts:   o,
		global: &window{limit: o.PerSecond, per: time.Second},
		chats:  map[int64]*rate.Limiter{},
		floods: map[int64]time.Time{},
	}
	if o.StartEmpty {
		now := o.Now()
		p.emptyUntil = now.Add(time.Minute)
		p.global.fill(now)
	}
	return p
}

// chat returns the chat's limiter, made on demand (empty while
// StartEmpty holds).
func (p *pacer) chat(id int64, now time.Time) *rate.Limiter {
	l := p.chats[id]
	if l != nil {
		return l
	}
	if id < 0 {
		per := rate.Limit(float64(max(1, p.opts.GroupPerMinute-p.opts.GroupBurst)) / 60)
		l = rate.NewLimiter(per, p.opts.GroupBurst)
	} else {
		l = rate.NewLimiter(rate.Every(p.opts.PrivateInterval/privateSteps), p.opts.PrivateBurst*privateSteps)
	}
	if now.Before(p.emptyUntil) {
		l.ReserveN(now, l.Burst())
	}
	p.chats[id] = l
	return l
}

// sweep drops the limiters of chats that are full again, at most once a
// minute: a new one starts full, so nothing is lost.
func (p *pacer) sweep(now time.Time) {
	if now.Sub(p.sweptAt) < time.Minute {
		return
	}
	p.sweptAt = now
	for id, l := range p.chats {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(p.chats, id)
		}
	}
	for id, until := range p.floods {
		if !until.After(now) {
			delete(p.floods, id)
		}
	}
}

// errPaced is a send put off by the pacer: the message goes back to the
// queue until After has passed, without counting as an attempt.
type errPaced struct{ After time.Duration }

func (e errPaced) Error() string { return fmt.Sprintf("paced: the chat may send again in %v", e.After) }

// reserve takes n messages for the chat from the limiters and returns how
// long to wait before sending them, and when the chat's bucket counts
// them as gone: earlier than that when the bot's overall limit holds
// them longer than the chat's does (lagged takes the difference at the
// answer). When the wait is more than MaxWait it takes nothing and
// returns errPaced. Of an album larger than a bucket's
// burst, the burst is waited for and the rest taken as a debt that the
// chat's next messages wait for (as Telegram lets a full chat send an
// album and then holds it longer).
func (p *pacer) reserve(chatID int64, n int) (wait time.Duration, charged time.Time, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Now()
	p.sweep(now)
	if p.pauseUntil.After(now) {
		return 0, time.Time{}, errPaced{After: p.pauseUntil.Sub(now)}
	}
	at, ok := p.global.next(now, n)
	if !ok {
		// As many in flight as the bot may send: some must be answered.
		return 0, time.Time{}, errPaced{After: inFlightWait}
	}
	chat, step := p.chat(chatID, now), steps(chatID)
	r := chat.ReserveN(now, min(n*step, chat.Burst()))
	charged = now.Add(r.DelayFrom(now))
	if charged.After(at) {
		at = charged
	}
	wait = at.Sub(now)
	if wait > p.opts.MaxWait {
		r.CancelAt(now)
		return 0, time.Time{}, errPaced{After: wait}
	}
	p.global.take(n)
	for range n - min(n*step, chat.Burst())/step {
		chat.ReserveN(now, step) // the debt: not waited for here
	}
	return wait, charged, nil
}

// privateSteps is how many tokens a message takes from a private chat's
// bucket: tenths, so that the time a message spent in flight can be
// taken as well (lagged).
const privateSteps = 10

// steps returns how many tokens a message takes from the chat's bucket.
func steps(chatID int64) int {
	if chatID > 0 {
		return privateSteps
	}
	return 1
}

// lagged takes from a private chat's bucket, at the answer to messages
// its bucket counted as gone at charged, the tenths of a message for the
// time since: Telegram may have taken them from its bucket as late as
// their answer, after they waited for the bot's overall limit and then
// were in flight.
func (p *pacer) lagged(chatID int64, charged, answer time.Time) {
	if chatID <= 0 {
		return
	}
	tenths := int(math.Ceil(float64(answer.Sub(charged)) / float64(p.opts.PrivateInterval/privateSteps)))
	if tenths <= 0 {
		return
	}
	chat := p.chat(chatID, answer)
	chat.ReserveN(answer, min(tenths, chat.Burst()))
}

// inFlightWait is how long a message waits for answers when as many
// messages are in flight as the bot may send in a second.
const inFlightWait = 50 * time.Millisecond

// wait waits for the limiters before n messages go to the chat (an album
// of n photos, an edit being one), or returns errPaced when that would
// take longer than MaxWait. The messages count as in flight until answered
// is called, once Telegram has answered the call (or it failed).
func (p *pacer) wait(ctx context.Context, chatID int64, n int) (answered func(), err error) {
	if p == nil {
		return func() {}, nil
	}
	d, charged, err := p.reserve(chatID, n)
	if err != nil {
		return nil, err
	}
	answered = func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		now := p.opts.Now()
		p.global.answer(n, now)
		p.lagged(chatID, charged, now)
	}
	if d > 0 {
		if err := p.opts.Sleep(ctx, d); err != nil {
			answered()
			return nil, err
		}
	}
	return answered, nil
}

// paused returns how long every send is held by a global flood.
func (p *pacer) paused() time.Duration {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(0, p.pauseUntil.Sub(p.opts.Now()))
}

// flood records a 429 Telegram answered for the chat, which the outbox
// row's next attempt already holds for retryAfter. Telegram does not say
// which limit it was: a 429 while another chat is still held by one is
// taken as the bot's own limit, and every send waits retryAfter.
func (p *pacer) flood(chatID int64, retryAfter time.Duration) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Now()
	until := now.Add(retryAfter)
	for id, u := range p.floods {
		if id != chatID && u.After(now) && until.After(p.pauseUntil) {
			p.pauseUntil = until
		}
	}
	p.floods[chatID] = until
}
