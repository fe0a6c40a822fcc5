package report

import (
	"slices"
	"time"

	"mcu/reportrow"
	"mcu/workflow"
)

// Calendar counts working days by the production calendar;
// *workflow.Calendar implements it.
type Calendar interface {
	// CountWorkdays returns the number of working days strictly after
	// from's date up to and including to's date.
	CountWorkdays(from, to time.Time) int
}

// RegistrationDays is how many days after receipt an appeal may be
// registered (59-ФЗ art. 8 part 2: «в течение трёх дней»).
const RegistrationDays = workflow.RegistrationDays

// outcome is what the report makes of one appeal at the report's time.
type outcome struct {
	answered bool // it has an approved answer (the latest one counts)
	onTime   bool // answered by the deadline
	// overdue: answered after the deadline, or open and past it.
	overdue bool
	// days are the working days from the day of registration (not
	// counted) to the day of the answer, as deadlines count them; only
	// when answered.
	days           int
	reopened       bool // reopened at least once
	lateRegistered bool // registered more than three days after receipt, or still not
}

// assess decides the outcome of a at asOf; dates are taken in loc.
func assess(a *reportrow.Appeal, asOf time.Time, loc *time.Location, cal Calendar) outcome {
	o := outcome{answered: !a.AnsweredAt.IsZero(), reopened: a.ReopenCount > 0}
	due := !a.DueAt.IsZero()
	switch {
	case o.answered:
		o.onTime = due && !a.AnsweredAt.After(a.DueAt)
		o.overdue = due && a.AnsweredAt.After(a.DueAt)
		if !a.RegisteredAt.IsZero() {
			o.days = cal.CountWorkdays(a.RegisteredAt.In(loc), a.AnsweredAt.In(loc))
		}
	case a.State.Open():
		o.overdue = due && asOf.After(a.DueAt)
	}
	registered := a.RegisteredAt
	if registered.IsZero() {
		if a.State != workflow.StateReceived {
			return o // withdrawn before registration: nothing to register
		}
		registered = asOf
	}
	o.lateRegistered = workflow.RegistrationDelay(a.ReceivedAt, registered, loc) > RegistrationDays
	return o
}


// tally adds up the appeals of one group: a direction, an executor, or
// all of them. It keeps counts and a histogram, never the appeals, so a
// month of any size takes the same memory.
type tally struct {
	received       int
	byKind         map[workflow.Kind]int
	bySource       map[workflow.Source]int
	answered       int
	onTime         int
	overdue        int
	reopened       int
	lateRegistered int
	returned       int // drafts returned

	daysSum  int
	daysHist map[int]int // answer time in working days → answers

	ratings    int
	ratingSum  int
	ratingHigh int // ratings of 4 or 5
}

func newTally() *tally {
	return &tally{byKind: map[workflow.Kind]int{}, bySource: map[workflow.Source]int{}, daysHist: map[int]int{}}
}

// add counts one appeal with its outcome.
func (t *tally) add(a *reportrow.Appeal, o outcome) {
	t.received++
	t.byKind[a.Kind]++
	t.bySource[a.Source]++
	if o.answered {
		t.answered++
		t.daysSum += o.days
		t.daysHist[o.days]++
	}
	t.onTime += b2i(o.onTime)
	t.overdue += b2i(o.overdue)
	t.reopened += b2i(o.reopened)
	t.lateRegistered += b2i(o.lateRegistered)
	for _, r := range a.Ratings {
		t.ratings++
		t.ratingSum += r
		t.ratingHigh += b2i(r >= 4)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ratio returns n/d, and false when d is zero: there is nothing to
// average, and the report leaves the cell empty rather than show a 0.
func ratio(n, d int) (float64, bool) {
	if d == 0 {
		return 0, false
	}
	return float64(n) / float64(d), true
}

// averageDays is the mean answer time in working days.
func (t *tally) averageDays() (float64, bool) { return ratio(t.daysSum, t.answered) }

// medianDays is the median answer time in working days.
func (t *tally) medianDays() (float64, bool) { return median(t.daysHist) }

// averageRating is the mean of every rating given.
func (t *tally) averageRating() (float64, bool) { return ratio(t.ratingSum, t.ratings) }

// shareHigh is the share of ratings of 4 or 5.
func (t *tally) shareHigh() (float64, bool) { return ratio(t.ratingHigh, t.ratings) }

// reopenRate is the share of answered appeals that were reopened.
func (t *tally) reopenRate() (float64, bool) { return ratio(t.reopened, t.answered) }

// median returns the median of the values a histogram counts (value →
// how many times): the middle value, or the mean of the two middle ones;
// false when it counts nothing.
func median(hist map[int]int) (float64, bool) {
	n := 0
	for _, c := range hist {
		n += c
	}
	if n == 0 {
		return 0, false
	}
	values := make([]int, 0, len(hist))
	for v := range hist {
		values = append(values, v)
	}
	slices.Sort(values)
	// The (n+1)/2-th and the (n+2)/2-th values, counting from 1: the
	// same one when n is odd.
	lo, hi := (n+1)/2, (n+2)/2
	var loV, hiV int
	seen := 0
	for _, v := range values {
		prev := seen
		seen += hist[v]
		if prev < lo && lo <= seen {
			loV = v
		}
		if prev < hi && hi <= seen {
			hiV = v
			break
		}
	}
	return float64(loV+hiV) / 2, true
}

// figures are the tallies of a month: by direction ("" is triage), by
// executor (0 is nobody), in total, and the returned drafts by reason.
type figures struct {
	byDirection map[string]*tally
	byExecutor  map[int64]*tally
	total       *tally
	byReason    map[string]int // reason label → returns
}

func newFigures() *figures {
	return &figures{byDirection: map[string]*tally{}, byExecutor: map[int64]*tally{}, total: newTally(), byReason: map[string]int{}}
}

func (f *figures) direction(code string) *tally {
	t, ok := f.byDirection[code]
	if !ok {
		t = newTally()
		f.byDirection[code] = t
	}
	return t
}

func (f *figures) executor(id int64) *tally {
	t, ok := f.byExecutor[id]
	if !ok {
		t = newTally()
		f.byExecutor[id] = t
	}
	return t
}

// addAppeal counts an appeal in its direction, its executor and the total.
func (f *figures) addAppeal(a *reportrow.Appeal, o outcome) {
	f.direction(a.Direction).add(a, o)
	f.executor(a.ExecutorID).add(a, o)
	f.total.add(a, o)
}

// addReturn counts a returned draft under its reason's label.
func (f *figures) addReturn(r *reportrow.Return, label string) {
	f.direction(r.Direction).returned++
	f.total.returned++
	f.byReason[label]++
}
