package schedule

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JobStatus is where a job stands: its latest run, by whichever instance,
// and its next slot. Times are in the scheduler's location.
type JobStatus struct {
	Name string
	Spec string
	Last *Record   // the latest run; nil when the job has none yet
	Next time.Time // the first slot after now
}

// Status returns each job's status, in the order the jobs were given.
func (s *Scheduler) Status(ctx context.Context) ([]JobStatus, error) {
	if len(s.jobs) == 0 {
		return nil, nil
	}
	names := make([]string, len(s.jobs))
	for i, j := range s.jobs {
		names[i] = j.Name
	}
	recs, err := s.store.LatestRuns(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("schedule: unable to read the runs: %w", err)
	}
	latest := make(map[string]Record, len(recs))
	for _, r := range recs {
		latest[r.Job] = r
	}
	now := s.opts.Now()
	out := make([]JobStatus, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = JobStatus{Name: j.Name, Spec: j.Spec, Next: j.next(now)}
		if r, ok := latest[j.Name]; ok {
			r.inLocation(j.loc)
			out[i].Last = &r
		}
	}
	return out, nil
}

func (r *Record) inLocation(loc *time.Location) {
	for _, t := range []*time.Time{&r.Slot, &r.ClaimedAt, &r.StartedAt, &r.LeaseUntil, &r.NextAttemptAt, &r.FinishedAt} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
}

// String is one line for /readyz, e.g.
//
//	digest (0 9 * * *): slot 2026-03-02 09:00 late, succeeded, attempt 1 by a-17, finished 09:41:03; next slot 2026-03-03 09:00
func (st JobStatus) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): ", st.Name, st.Spec)
	r := st.Last
	if r == nil {
		b.WriteString("no run yet")
	} else {
		b.WriteString("slot " + r.Slot.Format(slotFormat))
		if r.Late {
			b.WriteString(" late")
		}
		fmt.Fprintf(&b, ", %s, attempt %d by %s", r.Outcome, r.Attempts, r.ClaimedBy)
		switch r.Outcome {
		case Running:
			b.WriteString(", since " + r.ClaimedAt.Format(time.TimeOnly))
		case Retrying:
			b.WriteString(", next attempt " + r.NextAttemptAt.Format(time.TimeOnly))
		default:
			b.WriteString(", finished " + r.FinishedAt.Format(time.TimeOnly))
		}
		if r.Error != "" {
			b.WriteString(", error " + strconv.Quote(shorten(r.Error, 300)))
		}
	}
	if !st.Next.IsZero() {
		b.WriteString("; next slot " + st.Next.Format(slotFormat))
	}
	return b.String()
}
