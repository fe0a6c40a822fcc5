package workflow

import (
	"cmp"
	"slices"
	"time"
)

// The head's daily digest: where the district stands, in
// figures. The store counts rows in a window (DigestRows in a
// DigestWindow); ComputeDigest decides what the counts mean. Every
// definition is here, so the digest's text and the README say the same.

// Targets the quality figures stand beside (the federal
// targets of the feedback platform, ПОС).
const (
	// TargetAnswerWorkdays is the longest average answer time, in working
	// days.
	TargetAnswerWorkdays = 8
	// TargetGoodRatingsPercent is the smallest share of ratings 4–5, in
	// percent.
	TargetGoodRatingsPercent = 60
	// TargetOnTimePercent is the share of answers approved by their
	// deadline, in percent.
	TargetOnTimePercent = 100
)

// Sizes of the digest.
const (
	// DigestPeriod is the period of the quality figures; each is compared
	// with the period before.
	DigestPeriod = 30 * 24 * time.Hour
	// DigestDueSoonWorkdays is how many working days ahead «due soon»
	// looks, today included when it is a working day.
	DigestDueSoonWorkdays = 3
	// DigestWorst is how many of the most overdue appeals are named.
	DigestWorst = 5
	// DigestEscalations is how many of the appeals escalated since the
	// last digest are named.
	DigestEscalations = 5
)

// ClosedStates are the states in which an appeal waits for nothing from
// staff (State.Open is false), in a slice of the caller's own.
func ClosedStates() []State { return statesWhere(false) }

// OpenStates are the states in which an appeal still waits for an answer
// (State.Open), in a slice of the caller's own.
func OpenStates() []State { return statesWhere(true) }

// statesWhere returns the states whose Open is open, in lifecycle order.
func statesWhere(open bool) []State {
	var out []State
	for _, s := range States() {
		if s.Open() == open {
			out = append(out, s)
		}
	}
	return out
}

// DaysLate returns how many days, started, now is past due: 1 from the
// moment due passes until 24 hours later. The card says the same
// («просрочено на N дн.»): calendar days, as the deadlines of 59-ФЗ run.
func DaysLate(due, now time.Time) int {
	return int(now.Sub(due).Hours()/24) + 1
}

// DigestWindow is what a digest counts over. Make it with
// NewDigestWindow.
type DigestWindow struct {
	// Since is the previous digest: new appeals, answers and closings are
	// counted in [Since, Now).
	Since, Now time.Time
	// DueBy ends «due soon»: open appeals not overdue at Now and due by
	// DueBy (the end of the DigestDueSoonWorkdays-th working day, today
	// counted when it is a working day).
	DueBy time.Time
	// The quality figures are counted in [PeriodStart, Now) and compared
	// with [PreviousStart, PeriodStart).
	PeriodStart, PreviousStart time.Time
	// Location is where dates are taken: answer times count working days
	// between local dates.
	Location *time.Location
	// Worst is how many of the most overdue appeals the store lists.
	Worst int
	// Escalations is how many of the appeals escalated in [Since, Now)
	// the store lists (0: all).
	Escalations int
}

// NewDigestWindow returns the window of a digest made at now, the previous
// one having been made at since (a zero since, or one not before now,
// means a day ago), with the working days of cal in loc.
func NewDigestWindow(cal Workdays, loc *time.Location, since, now time.Time) DigestWindow {
	if since.IsZero() || !since.Before(now) {
		since = now.Add(-24 * time.Hour)
	}
	local := now.In(loc)
	yesterday := time.Date(local.Year(), local.Month(), local.Day()-1, 0, 0, 0, 0, loc)
	return DigestWindow{
		Since: since, Now: now,
		DueBy:         EndOfDay(cal.AddWorkdays(yesterday, DigestDueSoonWorkdays)),
		PeriodStart:   now.Add(-DigestPeriod),
		PreviousStart: now.Add(-2 * DigestPeriod),
		Location:      loc,
		Worst:         DigestWorst,
		Escalations:   DigestEscalations,
	}
}

// DigestRows are what the store counts for a digest in a window. Counts
// by direction are keyed by the direction's code, "" for appeals in
// triage.
type DigestRows struct {
	New     map[string]int // appeals created in [Since, Now)
	Open    map[string]int // appeals open at Now
	Overdue map[string]int // open appeals past their deadline at Now
	// Worst are the open appeals longest past their deadline at Now
	// (earliest deadline first, then by number), at most Worst of them.
	Worst   []OverdueAppeal
	DueSoon int // open appeals due in [Now, DueBy]
	// Answered is how many answers were given in [Since, Now): approvals
	// of an appeal's own answer and appeals answered by their incident's.
	Answered int
	Closed   int // appeals closed in [Since, Now): by the resident's «Да», or unrated in time
	// Incidents are the incidents' counts.
	Incidents IncidentFigures
	// Escalated is how many appeals deadline control escalated in
	// [Since, Now), each counted once; Escalations are the first of them
	// (earliest escalation first, then by id), at most Escalations of
	// them.
	Escalated   int
	Escalations []EscalatedAppeal
	// Current and Previous are the counts of [PeriodStart, Now) and of
	// [PreviousStart, PeriodStart).
	Current, Previous PeriodRows
}

// PeriodRows are the counts behind the quality figures of one period.
type PeriodRows struct {
	// Answers are the answers given in the period (every approval, an
	// answer after a reopen too, and every appeal answered by its
	// incident's answer), grouped by the local date the appeal
	// was registered and the local date of the answer.
	Answers     []AnswerCount
	Ratings     int // ratings given in the period
	GoodRatings int // of them, 4 or 5
	Reopens     int // reopenings by residents («не решена», «частично»)
}

// AnswerCount is how many answers were approved on one date to appeals
// registered on another, and how many of them by the appeal's deadline
// (as extended, when it was).
type AnswerCount struct {
	// Registered and Answered are dates: only their year, month and day
	// (in their own location) count.
	Registered, Answered time.Time
	Count, OnTime        int
}

// OverdueAppeal is an open appeal past its deadline.
type OverdueAppeal struct {
	ID        int64
	Number    string
	Direction string // code; "" in triage
	DueAt     time.Time
	DaysLate  int // DaysLate(DueAt, the digest's Now); set by ComputeDigest
}

// EscalatedAppeal is an appeal deadline control escalated (package
// control, table deadline_alerts): its deadline passed unanswered (the
// escalation on its last day), or, when Redirect is set, an appeal of
// 59-ФЗ still in triage on the last day it could be redirected to another
// body (59-ФЗ art. 8 p. 3). An appeal escalated twice in a window (after
// an extension, or in triage and later past its deadline) is its latest
// escalation.
type EscalatedAppeal struct {
	ID        int64
	Number    string
	Direction string // code, as the appeal is now; "" in triage
	Redirect  bool
	SentAt    time.Time
}

// IncidentFigures are the incidents of a digest (see Incident).
type IncidentFigures struct {
	Open     int // incidents not answered at Now (open or with a draft on approval)
	Appeals  int // appeals joined to them at Now
	Made     int // incidents made in [Since, Now)
	Answered int // incidents answered in [Since, Now)
}

// Any reports whether there is anything to say about incidents.
func (f IncidentFigures) Any() bool { return f.Open+f.Made+f.Answered > 0 }

// DirectionFigures are a direction's counts in a digest.
type DirectionFigures struct {
	Code    string // "" for triage
	Name    string // "" for triage; the code for a direction no longer active
	New     int
	Open    int
	Overdue int
}

// Digest is the head's daily digest as figures.
type Digest struct {
	Since, Now time.Time
	// Directions are the active directions in their order, then any other
	// that has new or open appeals (a direction no longer active), then
	// triage when it has any.
	Directions []DirectionFigures
	// Totals of the directions' counts.
	New, Open, Overdue int
	// Worst are the most overdue appeals, worst first.
	Worst    []OverdueAppeal
	DueSoon  int
	DueBy    time.Time
	Answered int
	Closed   int
	// Incidents are the incidents open now and those made and answered
	// since the last digest.
	Incidents IncidentFigures
	// Escalated is how many appeals were escalated since the last digest;
	// Escalations are the first DigestEscalations of them, earliest first.
	Escalated   int
	Escalations []EscalatedAppeal
	// Quality over the last DigestPeriod, beside the period before.
	AnswerTime  Indicator // average working days from registration to answer
	OnTime      Indicator // percent of answers approved by the deadline
	GoodRatings Indicator // percent of ratings that are 4 or 5
	Reopens     Indicator // reopenings per 100 answers
}

// WorkdayCounter counts working days. *Calendar implements it.
type WorkdayCounter interface {
	Workdays
	// CountWorkdays returns the number of working days strictly after
	// from's date up to and including to's date.
	CountWorkdays(from, to time.Time) int
}

// ComputeDigest makes the digest of the window w from what the store
// counted, with the active directions in their order and the working
// days of cal.
func ComputeDigest(w DigestWindow, cal WorkdayCounter, directions []Direction, rows DigestRows) Digest {
	d := Digest{Since: w.Since, Now: w.Now, DueSoon: rows.DueSoon, DueBy: w.DueBy,
		Answered: rows.Answered, Closed: rows.Closed, Incidents: rows.Incidents}
	d.Directions = digestDirections(directions, rows)
	d.Escalated, d.Escalations = rows.Escalated, slices.Clone(rows.Escalations)
	slices.SortStableFunc(d.Escalations, func(a, b EscalatedAppeal) int {
		return cmp.Or(a.SentAt.Compare(b.SentAt), cmp.Compare(a.ID, b.ID))
	})
	if w.Escalations > 0 && len(d.Escalations) > w.Escalations {
		d.Escalations = d.Escalations[:w.Escalations]
	}
	for _, f := range d.Directions {
		d.New += f.New
		d.Open += f.Open
		d.Overdue += f.Overdue
	}
	d.Worst = slices.Clone(rows.Worst)
	slices.SortStableFunc(d.Worst, func(a, b OverdueAppeal) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.Number, b.Number))
	})
	if w.Worst > 0 && len(d.Worst) > w.Worst {
		d.Worst = d.Worst[:w.Worst]
	}
	for i := range d.Worst {
		d.Worst[i].DaysLate = DaysLate(d.Worst[i].DueAt, w.Now)
	}
	cur, prev := periodFigures(cal, rows.Current), periodFigures(cal, rows.Previous)
	d.AnswerTime = indicator(cur.answerTenths(), prev.answerTenths(), 10, TargetAnswerWorkdays, true)
	d.OnTime = indicator(cur.onTimePercent(), prev.onTimePercent(), 1, TargetOnTimePercent, false)
	d.GoodRatings = indicator(cur.goodPercent(), prev.goodPercent(), 1, TargetGoodRatingsPercent, false)
	d.Reopens = indicator(cur.reopenPercent(), prev.reopenPercent(), 1, 0, true)
	return d
}

// digestDirections lists the active directions with their counts, then
// the other codes the rows have (inactive directions by code, then
// triage).
func digestDirections(directions []Direction, rows DigestRows) []DirectionFigures {
	figures := func(code, name string) DirectionFigures {
		return DirectionFigures{Code: code, Name: name,
			New: rows.New[code], Open: rows.Open[code], Overdue: rows.Overdue[code]}
	}
	var out []DirectionFigures
	seen := map[string]bool{}
	for _, dir := range directions {
		out = append(out, figures(dir.Code, dir.Name))
		seen[dir.Code] = true
	}
	var others []string
	for _, m := range []map[string]int{rows.New, rows.Open, rows.Overdue} {
		for code, n := range m {
			if n > 0 && code != "" && !seen[code] {
				others = append(others, code)
				seen[code] = true
			}
		}
	}
	slices.Sort(others)
	for _, code := range others {
		out = append(out, figures(code, code))
	}
	if f := figures("", ""); f.New+f.Open+f.Overdue > 0 {
		out = append(out, f)
	}
	return out
}

// period are the sums of one period's rows.
type period struct {
	answers, answerDays, onTime int
	ratings, good, reopens      int
}

func periodFigures(cal WorkdayCounter, rows PeriodRows) period {
	p := period{ratings: rows.Ratings, good: rows.GoodRatings, reopens: rows.Reopens}
	for _, a := range rows.Answers {
		p.answers += a.Count
		p.onTime += a.OnTime
		p.answerDays += a.Count * cal.CountWorkdays(a.Registered, a.Answered)
	}
	return p
}

// Each figure is rounded towards the worse side, so that what the digest
// shows never meets a target the exact figure misses: an average answer
// time of 8.01 days shows as 8.1, 59.9 % of good ratings as 59 %. ok is
// false when the period had nothing to measure.

// measure is a figure in whole units of its scale; ok is false when the
// period had nothing to measure.
type measure struct {
	value int
	ok    bool
}

// answerTenths is the average answer time in tenths of a working day,
// rounded up.
func (p period) answerTenths() measure { return ceilDiv(10*p.answerDays, p.answers) }

// onTimePercent is the percent of answers given by the deadline, rounded
// down.
func (p period) onTimePercent() measure { return floorDiv(100*p.onTime, p.answers) }

// goodPercent is the percent of ratings that are 4 or 5, rounded down.
func (p period) goodPercent() measure { return floorDiv(100*p.good, p.ratings) }

// reopenPercent is reopenings per 100 answers, rounded up.
func (p period) reopenPercent() measure { return ceilDiv(100*p.reopens, p.answers) }

func floorDiv(a, b int) measure {
	if b <= 0 {
		return measure{}
	}
	return measure{a / b, true}
}

func ceilDiv(a, b int) measure {
	if b <= 0 {
		return measure{}
	}
	return measure{(a + b - 1) / b, true}
}

// Indicator is a quality figure of the last period beside the previous
// period's and its target.
type Indicator struct {
	// Value and Previous are the figures as shown (rounded, see
	// ComputeDigest); Known and PreviousKnown are false when the period
	// had nothing to measure (no answers, no ratings).
	Value, Previous      float64
	Known, PreviousKnown bool
	// Target is the figure to reach (see the Target constants); 0 when
	// there is none.
	Target float64
	// LowerIsBetter is set for times and reopenings: the target is a most.
	LowerIsBetter bool
}

// indicator makes an Indicator from measures in units of 1/scale.
func indicator(cur, prev measure, scale, target int, lowerIsBetter bool) Indicator {
	return Indicator{
		Value: float64(cur.value) / float64(scale), Known: cur.ok,
		Previous: float64(prev.value) / float64(scale), PreviousKnown: prev.ok,
		Target: float64(target), LowerIsBetter: lowerIsBetter,
	}
}

// HasTarget reports whether the figure has a target.
func (i Indicator) HasTarget() bool { return i.Target != 0 }

// Met reports whether the figure is known and meets its target.
func (i Indicator) Met() bool {
	if !i.Known || !i.HasTarget() {
		return false
	}
	if i.LowerIsBetter {
		return i.Value <= i.Target
	}
	return i.Value >= i.Target
}

// Trend is how a figure moved against the previous period.
type Trend int

// Trends.
const (
	TrendUnknown Trend = iota // a period had nothing to measure
	TrendSame
	TrendUp
	TrendDown
)

// Trend tells how the figure, as shown, moved against the previous
// period's.
func (i Indicator) Trend() Trend {
	switch {
	case !i.Known || !i.PreviousKnown:
		return TrendUnknown
	case i.Value > i.Previous:
		return TrendUp
	case i.Value < i.Previous:
		return TrendDown
	}
	return TrendSame
}

// Improved reports whether the figure moved the better way (down for
// times and reopenings, up for shares).
func (i Indicator) Improved() bool {
	t := i.Trend()
	return (t == TrendDown && i.LowerIsBetter) || (t == TrendUp && !i.LowerIsBetter)
}
