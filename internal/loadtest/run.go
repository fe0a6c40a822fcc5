package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a run.
type Options struct {
	// Plan gives the i-th resident's plan; default DefaultPlan.
	Plan func(i int) Plan
	// Nudge is how long a resident waits for something new before asking
	// again; 0 never does.
	Nudge time.Duration
	// Name prefixes the residents' first names; default "Resident".
	Name string
	// Think is each resident's pause before each update after the first
	// (Resident.Think).
	Think time.Duration
}

func (o Options) withDefaults() Options {
	if o.Plan == nil {
		o.Plan = DefaultPlan
	}
	if o.Name == "" {
		o.Name = "Resident"
	}
	return o
}

// Result is what a run measured.
type Result struct {
	Elapsed   time.Duration
	Residents int // residents started
	Appeals   int // residents who saw their number within the run
	Updates   int // updates the residents sent
	Replies   int // updates the bot answered
	Messages  int // messages the bot sent
	TooMany   int // 429s the bot received
	P50, P99  time.Duration
	// SteadyP50 and SteadyP99 leave out the updates sent in the first
	// Warmup of an open-loop run, while the bot opens its connections
	// and prepares its statements (open loop only; 0 otherwise).
	SteadyP50, SteadyP99 time.Duration
	// Backlog samples the updates sent and not answered yet, once a
	// second (open loop).
	Backlog []int
	// Missed counts the open loop's ticks when no resident was ready and
	// none could be added.
	Missed int
	// Done are the residents who saw their number.
	Done []*Resident
}

// AppealsPerSec, UpdatesPerSec, RepliesPerSec and MessagesPerSec are the
// rates over the run.
func (r Result) AppealsPerSec() float64  { return per(r.Appeals, r.Elapsed) }
func (r Result) UpdatesPerSec() float64  { return per(r.Updates, r.Elapsed) }
func (r Result) RepliesPerSec() float64  { return per(r.Replies, r.Elapsed) }
func (r Result) MessagesPerSec() float64 { return per(r.Messages, r.Elapsed) }

func per(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("%d appeals (%.1f/s), %d updates (%.1f/s), %d replies (%.1f/s), p50 %s p99 %s, %d bot messages (%.1f/s), %d×429 in %s",
		r.Appeals, r.AppealsPerSec(), r.Updates, r.UpdatesPerSec(), r.Replies, r.RepliesPerSec(),
		r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Messages, r.MessagesPerSec(), r.TooMany, r.Elapsed.Round(time.Millisecond))
}

// finish fills the measures between two snapshots.
func (r *Result) finish(a, b Snapshot) {
	r.Elapsed = b.At.Sub(a.At)
	r.Updates, r.Replies = b.Updates-a.Updates, b.Replies-a.Replies
	r.Messages, r.TooMany = b.Messages-a.Messages, b.TooMany-a.TooMany
	l := Latencies(a, b)
	r.P50, r.P99 = Percentile(l, 50), Percentile(l, 99)
}

// Closed runs n residents at a time for d, each replaced by a new one
// when it sees its number; residents still busy at the end are stopped.
// With replace false, it starts n residents at once and waits (up to d)
// until every one has a number: the burst.
func (w *Watcher) Closed(ctx context.Context, n int, d time.Duration, replace bool, opts Options) (Result, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu   sync.Mutex
		res  Result
		errs []error
		wg   sync.WaitGroup
		seq  atomic.Int64
	)
	start := w.Snapshot()
	var play func()
	play = func() {
		defer wg.Done()
		i := int(seq.Add(1))
		r := w.NewResident(fmt.Sprintf("%s %d", opts.Name, i), opts.Plan(i), opts.Nudge)
		r.Think = opts.Think
		err := r.Run(ctx, nil)
		mu.Lock()
		defer mu.Unlock()
		res.Residents++
		if err == nil {
			res.Appeals++
			res.Done = append(res.Done, r)
			if replace && ctx.Err() == nil {
				wg.Add(1)
				go play()
			}
		} else if !replace {
			errs = append(errs, err)
		}
	}
	wg.Add(n)
	for range n {
		go play()
	}
	wg.Wait()
	end := w.Snapshot()
	if replace {
		end.At = start.At.Add(d)
	}
	res.finish(start, end)
	if !replace && len(errs) > 0 {
		return res, fmt.Errorf("%d of %d residents got no number: %w", len(errs), n, errors.Join(errs[:min(len(errs), 3)]...))
	}
	return res, nil
}

// Open offers rate updates a second for d, whatever the bot's pace: each
// tick lets the resident that has waited longest for it send its next
// update, or brings a new resident (up to maxResidents at a time) when
// none is ready. It samples the backlog once a second.
func (w *Watcher) Open(ctx context.Context, rate float64, d time.Duration, maxResidents int, opts Options) (Result, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tokens := make(chan struct{})
	var (
		mu     sync.Mutex
		res    Result
		wg     sync.WaitGroup
		active atomic.Int64
		seq    int
	)
	spawn := func() {
		seq++
		i := seq
		active.Add(1)
		wg.Add(1)
		r := w.NewResident(fmt.Sprintf("%s %d", opts.Name, i), opts.Plan(i), opts.Nudge)
		first := true
		go func() {
			defer wg.Done()
			defer active.Add(-1)
			// The spawning tick is the first update's.
			err := r.Run(ctx, func(ctx context.Context) error {
				if first {
					first = false
					return nil
				}
				return take(ctx, tokens)
			})
			mu.Lock()
			defer mu.Unlock()
			res.Residents++
			if err == nil {
				res.Appeals++
				res.Done = append(res.Done, r)
			}
		}()
	}
	start := w.Snapshot()
	var warm *Snapshot
	interval := time.Duration(float64(time.Second) / rate)
	ticker := time.NewTicker(min(interval, 10*time.Millisecond))
	defer ticker.Stop()
	sample := time.NewTicker(time.Second)
	defer sample.Stop()
	issued := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-sample.C:
			now := w.Snapshot()
			res.Backlog = append(res.Backlog, now.Backlog)
			if warm == nil && now.At.Sub(start.At) >= Warmup {
				warm = &now
			}
		case now := <-ticker.C:
			due := int(now.Sub(start.At).Seconds() * rate)
			for ; issued < due; issued++ {
				select {
				case tokens <- struct{}{}:
				default:
					if int(active.Load()) < maxResidents {
						spawn()
					} else {
						res.Missed++
					}
				}
			}
		}
	}
	end := w.Snapshot()
	wg.Wait()
	res.finish(start, end)
	if warm != nil {
		l := Latencies(*warm, end)
		res.SteadyP50, res.SteadyP99 = Percentile(l, 50), Percentile(l, 99)
	}
	return res, nil
}

// Warmup is the start of an open-loop run that SteadyP50 and SteadyP99
// leave out.
const Warmup = 5 * time.Second

// take waits for a token of the open loop.
func take(ctx context.Context, tokens <-chan struct{}) error {
	select {
	case <-tokens:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BacklogGrows tells whether the backlog grew over an open-loop run: its mean
// over the last third against the first third.
func (r Result) BacklogGrows() bool {
	n := len(r.Backlog)
	if n < 6 {
		return false
	}
	mean := func(xs []int) float64 {
		s := 0
		for _, x := range xs {
			s += x
		}
		return float64(s) / float64(len(xs))
	}
	first, last := mean(r.Backlog[:n/3]), mean(r.Backlog[n-n/3:])
	return last > 2*first+10
}
