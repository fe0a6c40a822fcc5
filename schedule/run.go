package schedule

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"mcu/internal/backoff"
	"mcu/internal/redact"
)

// decision is what one instance does about a job at one moment.
type decision struct {
	writes   []Record
	claim    *Record   // the attempt to run now
	closed   *Record   // a run of an earlier slot, given up for the newer one
	missed   time.Time // the first slot not run, when older than the one claimed
	takeover string    // the instance whose expired claim is taken over
	wake     time.Time // nothing can be due for the job before then
}

// decide looks at the job's latest run and the clock and says what to
// write and what to run: the latest slot due (only it, however many were
// missed), a retry that has come due, or a run whose lease has expired.
func (s *Scheduler) decide(j *job, now time.Time, last *Record) decision {
	due := j.prev(now)
	if due.IsZero() {
		return decision{wake: j.next(now)}
	}
	switch {
	case last == nil && now.Sub(due) >= s.opts.LateAfter:
		// The job's first look: slots before it was ever scheduled are not
		// missed ones. The record remembers that it was.
		return decision{wake: j.next(due), writes: []Record{{
			Job: j.Name, Slot: due, Outcome: Skipped, Attempts: 0, ClaimedBy: s.opts.Instance,
			ClaimedAt: now, StartedAt: now, FinishedAt: now, Error: "the slot came before the job was first scheduled",
		}}}
	case last == nil || last.Slot.Before(due):
		return s.claimNew(j, now, due, last)
	case last.Slot.Equal(due) && last.Outcome == Retrying && !now.Before(last.NextAttemptAt),
		last.Slot.Equal(due) && last.Outcome == Running && !now.Before(last.LeaseUntil):
		var d decision
		if last.Outcome == Running {
			d.takeover = last.ClaimedBy
		}
		r := *last
		r.Outcome, r.Attempts, r.ClaimedBy, r.ClaimedAt = Running, r.Attempts+1, s.opts.Instance, now
		r.LeaseUntil, r.NextAttemptAt = now.Add(s.opts.Lease), time.Time{}
		d.writes, d.claim = []Record{r}, &r
		return d
	case last.Outcome == Retrying:
		return decision{wake: minTime(last.NextAttemptAt, j.next(due))}
	case last.Outcome == Running:
		return decision{} // in hand: look again at the next tick
	default:
		return decision{wake: j.next(due)}
	}
}

// claimNew claims slot due, newer than the job's latest run. A run of an
// earlier slot still in hand goes on (the job runs one slot at a time);
// one waiting for a retry, or whose lease has expired, is given up.
func (s *Scheduler) claimNew(j *job, now, due time.Time, last *Record) decision {
	var d decision
	if last != nil {
		switch last.Outcome {
		case Running:
			if now.Before(last.LeaseUntil) {
				return decision{}
			}
			fallthrough
		case Retrying:
			c := *last
			c.Error = fmt.Sprintf("given up at slot %s: %s", due.In(j.loc).Format(slotFormat), last.Error)
			if last.Outcome == Running {
				c.Error = fmt.Sprintf("abandoned by %s (lease expired), given up at slot %s", last.ClaimedBy, due.In(j.loc).Format(slotFormat))
			}
			c.Outcome, c.FinishedAt, c.LeaseUntil, c.NextAttemptAt = Failed, now, time.Time{}, time.Time{}
			d.writes, d.closed = append(d.writes, c), &c
		}
		if first := j.next(last.Slot); first.Before(due) {
			d.missed = first
		}
	}
	r := Record{
		Job: j.Name, Slot: due, Late: now.Sub(due) >= s.opts.LateAfter, Outcome: Running, Attempts: 1,
		ClaimedBy: s.opts.Instance, ClaimedAt: now, StartedAt: now, LeaseUntil: now.Add(s.opts.Lease),
	}
	d.writes, d.claim = append(d.writes, r), &r
	return d
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// slotFormat is how slots are written in logs, errors and the status.
const slotFormat = "2006-01-02 15:04"

// claim decides about the job in the store's transaction and returns the
// attempt claimed, if any.
func (s *Scheduler) claim(ctx context.Context, j *job, now time.Time) (*Record, error) {
	var d decision
	err := s.store.ClaimRun(ctx, j.Name, func(last *Record) []Record {
		d = s.decide(j, now, last)
		return d.writes
	})
	if err != nil {
		return nil, fmt.Errorf("schedule: job %s: %w", j.Name, err)
	}
	log := s.opts.Logger.With("job", j.Name)
	if len(d.writes) == 1 && d.writes[0].Outcome == Skipped {
		log.InfoContext(ctx, "job scheduled for the first time; its earlier slots are not run",
			"skipped", d.writes[0].Slot.In(j.loc).Format(slotFormat), "next", d.wake.In(j.loc).Format(slotFormat))
	}
	if d.closed != nil {
		log.WarnContext(ctx, "job run given up for a newer slot", "slot", d.closed.Slot.In(j.loc).Format(slotFormat),
			"attempts", d.closed.Attempts, "error", d.closed.Error)
	}
	if !d.missed.IsZero() {
		log.WarnContext(ctx, "job slots missed while no instance ran; only the latest runs",
			"first_missed", d.missed.In(j.loc).Format(slotFormat), "runs", d.claim.Slot.In(j.loc).Format(slotFormat))
	}
	if d.takeover != "" {
		log.WarnContext(ctx, "job run taken over: its claim's lease expired", "slot", d.claim.Slot.In(j.loc).Format(slotFormat),
			"claimed_by", d.takeover)
	}
	wake := d.wake
	if d.claim != nil {
		wake = d.claim.LeaseUntil // run sets it when it ends
	}
	s.setWake(j.Name, wake)
	return d.claim, nil
}

// run makes one attempt of rec and records its outcome. ctx is the
// scheduler's: when it has ended, a failure is an interruption, retried
// at once by whichever instance looks next.
func (s *Scheduler) run(ctx, work context.Context, j *job, rec Record) {
	log := s.opts.Logger.With("job", j.Name, "slot", rec.Slot.In(j.loc).Format(slotFormat),
		"attempt", rec.Attempts, "late", rec.Late, "instance", s.opts.Instance)
	log.InfoContext(ctx, "job run started")
	started := time.Now()
	attemptCtx, cancel := context.WithTimeout(work, s.opts.Lease*4/5)
	err := call(attemptCtx, j, Run{Slot: rec.Slot.In(j.loc), Late: rec.Late, Attempt: rec.Attempts})
	cancel()
	rec = s.outcome(j, rec, err, err != nil && ctx.Err() != nil)
	log = log.With("outcome", rec.Outcome, "duration", time.Since(started).Round(time.Millisecond))
	recordCtx, cancelRecord := context.WithTimeout(context.WithoutCancel(work), 10*time.Second)
	defer cancelRecord()
	kept, ferr := s.finish(recordCtx, rec)
	switch {
	case ferr != nil:
		log.ErrorContext(ctx, "job run finished; unable to record it", "error", ferr, "job_error", rec.Error)
		s.setWake(j.Name, time.Time{}) // look again at the next tick
		return
	case !kept:
		log.WarnContext(ctx, "job run finished after another instance took it over; outcome not recorded", "error", rec.Error)
		return
	case rec.Outcome == Succeeded:
		log.InfoContext(ctx, "job run succeeded")
	case rec.Outcome == Retrying:
		log.WarnContext(ctx, "job run failed; retrying", "error", rec.Error,
			"next_attempt", rec.NextAttemptAt.In(j.loc).Format(time.DateTime))
	default:
		log.ErrorContext(ctx, "job run failed; given up for this slot", "error", rec.Error)
	}
	wake := j.next(rec.Slot)
	if rec.Outcome == Retrying {
		wake = rec.NextAttemptAt
	}
	s.setWake(j.Name, wake)
}

// finish records the outcome, trying three times in case the database
// fails for a moment: an outcome not recorded makes the run claimed until
// its lease expires, and then run again.
func (s *Scheduler) finish(ctx context.Context, rec Record) (kept bool, err error) {
	for attempt := range 3 {
		if kept, err = s.store.FinishRun(ctx, rec); err == nil {
			return kept, nil
		}
		if backoff.Sleep(ctx, backoff.Exponential(attempt, 500*time.Millisecond, 2*time.Second)) != nil {
			break
		}
	}
	return false, err
}

// call runs the job, a panic becoming an error.
func call(ctx context.Context, j *job, r Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.Run(ctx, r)
}

// maxError is how many bytes of an error are kept.
const maxError = 2000

// shorten cuts s to at most n bytes, at a character's start.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// outcome is rec after its attempt returned err: succeeded; retrying
// after a backoff (at once when interrupted by a shutdown) if attempts
// remain and the retry comes before the next slot; failed otherwise.
func (s *Scheduler) outcome(j *job, rec Record, err error, interrupted bool) Record {
	now := s.opts.Now()
	rec.LeaseUntil = time.Time{}
	if err == nil {
		rec.Outcome, rec.FinishedAt, rec.Error = Succeeded, now, ""
		return rec
	}
	rec.Error = redact.URL(err).Error()
	wait := backoff.Exponential(rec.Attempts-1, s.opts.RetryBase, 32*s.opts.RetryBase)
	if interrupted {
		rec.Error, wait = "interrupted by shutdown: "+rec.Error, 0
	}
	rec.Error = shorten(rec.Error, maxError)
	next := now.Add(wait)
	if rec.Attempts >= s.opts.MaxAttempts || !next.Before(j.next(rec.Slot)) {
		rec.Outcome, rec.FinishedAt = Failed, now
		return rec
	}
	rec.Outcome, rec.NextAttemptAt = Retrying, next
	return rec
}
