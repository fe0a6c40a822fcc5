// Package schedule runs jobs on cron schedules once per slot, however many
// instances of mcu serve share the database.
//
// Each run is claimed in the store (one record per job and due slot,
// claimed in a transaction holding the job's lock), so of two instances
// one runs the slot and the other sees it claimed. A slot missed while
// every instance was down runs once at the next start, marked late; of
// several missed slots of a job only the latest runs. A failed attempt is
// retried with exponential backoff while its slot is the job's latest (a
// retry never runs once the next slot is due). A claim holds for a lease:
// an attempt is cancelled before its lease ends, so a claim whose lease
// has expired belongs to an instance that died, and another instance
// takes the run over.
//
// Every time comes from Options.Now: tests move a clock instead of
// sleeping. robfig/cron parses the specs and computes the slots; its own
// runner, which reads the wall clock, is not used.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is a task run on a cron schedule.
type Job struct {
	Name string // stable; the key in job_runs, e.g. "digest"
	Spec string // five-field cron spec in the scheduler's location
	Run  func(ctx context.Context, r Run) error
}

// Run is one run of a job.
type Run struct {
	Slot    time.Time // the scheduled time this run is for
	Late    bool      // the slot was missed (every instance down) and runs now
	Attempt int       // 1 for the first try
}

// Options configure a Scheduler. Zero values take the defaults.
type Options struct {
	Location *time.Location   // the time zone of the specs and of Run.Slot; default UTC
	Now      func() time.Time // the clock; default time.Now
	Logger   *slog.Logger
	Instance string        // this instance in job_runs.claimed_by; default host-pid
	Poll     time.Duration // how often Run looks for due slots; default 10 s
	// Lease is how long a claim holds. An attempt is cancelled at four
	// fifths of it, so only a dead instance leaves a claim to expire; then
	// another instance takes the run over. Default 10 min.
	Lease time.Duration
	// RetryBase is the wait before the second attempt, doubled for each
	// further one (with jitter, up to 32 times it). Default 1 min.
	RetryBase   time.Duration
	MaxAttempts int // attempts for one slot; default 5
	// LateAfter: a run starting this long after its slot is late (Run.Late).
	// Default 1 min, and at least twice Poll.
	LateAfter time.Duration
	// StopGrace is how long Run lets the run in hand finish once its
	// context ends; then the run's context is cancelled. Default 4 s.
	StopGrace time.Duration
}

// Scheduler claims and runs the slots of its jobs.
type Scheduler struct {
	store Store
	jobs  []*job
	opts  Options

	runs sync.WaitGroup // the runs in hand

	mu   sync.Mutex
	wake map[string]time.Time // job: nothing to do before then
}

type job struct {
	Job
	sched cron.Schedule
	loc   *time.Location
}

// New returns a scheduler of jobs whose runs store keeps. It refuses a job
// without a name or a Run, two jobs of one name, and a spec CheckSpec
// refuses.
func New(store Store, jobs []Job, opts Options) (*Scheduler, error) {
	opts = withDefaults(opts)
	s := &Scheduler{store: store, opts: opts, wake: map[string]time.Time{}}
	for _, j := range jobs {
		if strings.TrimSpace(j.Name) == "" || j.Run == nil {
			return nil, fmt.Errorf("schedule: job %q: a job needs a name and a Run", j.Name)
		}
		for _, other := range s.jobs {
			if other.Name == j.Name {
				return nil, fmt.Errorf("schedule: two jobs named %q", j.Name)
			}
		}
		sched, err := parse(j.Spec)
		if err != nil {
			return nil, fmt.Errorf("schedule: job %s: %w", j.Name, err)
		}
		s.jobs = append(s.jobs, &job{Job: j, sched: sched, loc: opts.Location})
	}
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Instance == "" {
		host, _ := os.Hostname()
		o.Instance = host + "-" + strconv.Itoa(os.Getpid())
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&o.Poll, 10 * time.Second}, {&o.Lease, 10 * time.Minute}, {&o.RetryBase, time.Minute},
		{&o.LateAfter, time.Minute}, {&o.StopGrace, 4 * time.Second},
	}
	for _, d := range defaults {
		if *d.d <= 0 {
			*d.d = d.def
		}
	}
	o.LateAfter = max(o.LateAfter, 2*o.Poll)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	return o
}

// specParser reads the five standard fields and descriptors (@daily…).
var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// CheckSpec reports whether spec is a schedule a Job may have: five cron
// fields (minute hour day-of-month month day-of-week) or a descriptor such
// as @daily, without a time zone (the scheduler's location is the time
// zone), firing at fixed times (not @every) and at all.
func CheckSpec(spec string) error {
	_, err := parse(spec)
	return err
}

// parse parses spec as CheckSpec describes. A panic inside the parser —
// robfig/cron panics on "CRON_TZ=" with no fields — becomes an error.
func parse(spec string) (sched cron.Schedule, err error) {
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return nil, fmt.Errorf("%q: leave the time zone out, the scheduler's location sets it", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("%q is not a cron schedule", spec)
		}
	}()
	sched, err = specParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron schedule (minute hour day month weekday): %v", spec, err)
	}
	if _, fixed := sched.(*cron.SpecSchedule); !fixed {
		return nil, fmt.Errorf("%q has no fixed times (@every): give the minute and hour", spec)
	}
	if sched.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("%q never fires", spec)
	}
	return sched, nil
}

// next returns the job's first slot after t.
func (j *job) next(t time.Time) time.Time { return j.sched.Next(t.In(j.loc)) }

// prev returns the job's latest slot at or before now (zero if none in
// eight years): it widens a window back from now until a slot falls in
// it, then walks forward to the last one.
func (j *job) prev(now time.Time) time.Time {
	now = now.In(j.loc)
	for w := time.Minute; w <= 8*366*24*time.Hour; w *= 2 {
		t := j.sched.Next(now.Add(-w - time.Second))
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := j.sched.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return time.Time{}
}

// Run looks for due slots every Poll and starts the runs it claims, until
// ctx ends. The runs in hand then get StopGrace to finish before their
// context is cancelled, and a second more to record their outcome; a job
// ignoring its context is left behind (its claim expires with its
// lease). Run returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	s.opts.Logger.InfoContext(ctx, "scheduler started", "jobs", len(s.jobs), "instance", s.opts.Instance)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.stop(cancelWork)
			return nil
		case <-timer.C:
		}
		if err := s.claimDue(ctx, workCtx); err != nil {
			s.opts.Logger.ErrorContext(ctx, "scheduler: unable to claim", "error", err)
		}
		timer.Reset(s.opts.Poll)
	}
}

// stop waits StopGrace for the runs in hand, cancels them, and waits one
// second more for their outcomes to be recorded.
func (s *Scheduler) stop(cancelWork context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		s.runs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(s.opts.StopGrace):
	}
	cancelWork()
	select {
	case <-done:
	case <-time.After(time.Second):
		s.opts.Logger.Warn("scheduler: a job ignored its cancelled context; its claim expires with its lease")
	}
}

// Tick claims the slots due at the clock's now and runs what it claimed,
// the jobs in parallel, returning once the runs have finished. Run does
// the same every Poll without waiting; tests call Tick after moving their
// clock.
func (s *Scheduler) Tick(ctx context.Context) error {
	err := s.claimDue(ctx, ctx)
	s.runs.Wait()
	return err
}

// claimDue claims with ctx what is due and starts each run claimed on
// work, which outlives ctx by the stop grace.
func (s *Scheduler) claimDue(ctx, work context.Context) error {
	var errs []error
	for _, j := range s.jobs {
		if ctx.Err() != nil {
			break
		}
		now := s.opts.Now()
		if now.Before(s.wakeAt(j.Name)) {
			continue
		}
		rec, err := s.claim(ctx, j, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if rec != nil {
			s.runs.Go(func() { s.run(ctx, work, j, *rec) })
		}
	}
	return errors.Join(errs...)
}

func (s *Scheduler) wakeAt(name string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake[name]
}

func (s *Scheduler) setWake(name string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wake[name] = t
}

// Previous returns the latest slot of spec (in loc) before t: for the
// head's digest, when the one before it was due. It is zero when spec has
// no slot in the eight years before t.
func Previous(spec string, loc *time.Location, t time.Time) (time.Time, error) {
	sched, err := parse(spec)
	if err != nil {
		return time.Time{}, err
	}
	if loc == nil {
		loc = time.UTC
	}
	j := &job{sched: sched, loc: loc}
	return j.prev(t.Add(-time.Second)), nil
}
