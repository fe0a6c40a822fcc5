package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"mcu/internal/dbtest"
	"mcu/internal/fakeclock"
	"mcu/schedule"
	"mcu/storage"
)

var msk = mustLocation("Europe/Moscow")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// monday is 2 March 2026, a Monday, at hh:mm in Moscow.
func monday(hh, mm int) time.Time { return time.Date(2026, 3, 2, hh, mm, 0, 0, msk) }

// call is one call of a job's Run.
type call struct {
	Instance string
	Job      string
	Slot     string // 15:04 in Moscow
	Late     bool
	Attempt  int
	At       string // 15:04 in Moscow, by the clock
}

func (c call) String() string {
	return fmt.Sprintf("%s %s@%s late=%v attempt=%d at %s", c.Instance, c.Job, c.Slot, c.Late, c.Attempt, c.At)
}

// calls records the calls of every job of every instance.
type calls struct {
	mu  sync.Mutex
	all []call
}

func (cs *calls) add(c call) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.all = append(cs.all, c)
}

func (cs *calls) of(job string) []call {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var out []call
	for _, c := range cs.all {
		if c.Job == job {
			out = append(out, c)
		}
	}
	return out
}

// fixture is a database, a clock and the calls of jobs run by schedulers
// on them.
type fixture struct {
	t     *testing.T
	db    *storage.DB
	clock *fakeclock.Clock
	calls calls
}

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Parallel()
	return &fixture{t: t, db: dbtest.New(t), clock: fakeclock.New(start)}
}

// job is a job on spec whose Run records its call and returns what do
// returns (nil when do is nil).
type job struct {
	name, spec string
	do         func(ctx context.Context, r schedule.Run) error
}

// scheduler returns instance's scheduler of jobs.
func (f *fixture) scheduler(instance string, jobs []job, opts schedule.Options) *schedule.Scheduler {
	f.t.Helper()
	var js []schedule.Job
	for _, j := range jobs {
		js = append(js, schedule.Job{Name: j.name, Spec: j.spec, Run: func(ctx context.Context, r schedule.Run) error {
			f.calls.add(call{Instance: instance, Job: j.name, Slot: r.Slot.Format("15:04"), Late: r.Late,
				Attempt: r.Attempt, At: f.clock.Now().In(msk).Format("15:04")})
			if r.Slot.Location() != msk {
				f.t.Errorf("%s: slot %v not in the scheduler's location", j.name, r.Slot)
			}
			if j.do != nil {
				return j.do(ctx, r)
			}
			return nil
		}})
	}
	opts.Location, opts.Now, opts.Instance = msk, f.clock.Now, instance
	opts.Logger = dbtest.Logger(f.t)
	s, err := schedule.New(f.db, js, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// tick moves the clock to at and ticks the schedulers, all at once.
func (f *fixture) tick(at time.Time, ss ...*schedule.Scheduler) {
	f.t.Helper()
	f.clock.Set(at)
	errs := make([]error, len(ss))
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Go(func() { errs[i] = s.Tick(f.t.Context()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		f.t.Fatalf("tick at %s: %v", at.Format("15:04:05"), err)
	}
}

// gate holds a job until the test releases it.
type gate struct {
	started, released chan struct{}
	start, release    func()
}

func newGate(t *testing.T) *gate {
	g := &gate{started: make(chan struct{}), released: make(chan struct{})}
	g.start = sync.OnceFunc(func() { close(g.started) })
	g.release = sync.OnceFunc(func() { close(g.released) })
	t.Cleanup(g.release)
	return g
}

// pass says the job has started and waits for the release.
func (g *gate) pass() {
	g.start()
	<-g.released
}

// status returns the status of the job named.
func status(t *testing.T, s *schedule.Scheduler, name string) schedule.JobStatus {
	t.Helper()
	all, err := s.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no status of job %s", name)
	return schedule.JobStatus{}
}

// TestTwoInstancesRunEachSlotOnce: two instances on one database tick
// through a whole Monday every 30 seconds, at the same moments; every
// slot of every job runs exactly once, on time, and nothing else runs
// (the slots before the first start are not run late).
func TestTwoInstancesRunEachSlotOnce(t *testing.T) {
	f := newFixture(t, monday(0, 0))
	jobs := []job{
		{name: "hourly", spec: "0 * * * *"},
		{name: "quarter", spec: "*/15 * * * *"},
		{name: "digest", spec: "0 9 * * *"},
		{name: "summary", spec: "0 8 * * 1-5"},
	}
	a := f.scheduler("a", jobs, schedule.Options{Poll: time.Second})
	b := f.scheduler("b", jobs, schedule.Options{Poll: time.Second})
	for at := monday(0, 0); at.Before(monday(24, 0)); at = at.Add(30 * time.Second) {
		f.tick(at, a, b)
	}
	want := map[string][]string{"digest": {"09:00"}, "summary": {"08:00"}}
	for h := range 24 {
		want["hourly"] = append(want["hourly"], fmt.Sprintf("%02d:00", h))
		for m := 0; m < 60; m += 15 {
			want["quarter"] = append(want["quarter"], fmt.Sprintf("%02d:%02d", h, m))
		}
	}
	byInstance := map[string]int{}
	for name, slots := range want {
		var got []string
		for _, c := range f.calls.of(name) {
			got = append(got, c.Slot)
			byInstance[c.Instance]++
			if c.Late || c.Attempt != 1 || c.At != c.Slot {
				t.Errorf("%s: want attempt 1, on time, not late", c)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, slots) {
			t.Errorf("%s ran for slots %v, want each of %v once", name, got, slots)
		}
	}
	t.Logf("runs by instance: %v", byInstance)
}

// TestRestartAcrossNineRunsMissedSlotOnceLate: the only instance stops at
// 08:50 and a new one starts at 12:30. The digest of 09:00 runs once, at
// 12:30, late; of the hourly job's missed slots (09:00 to 12:00) only
// 12:00 runs, late, and 13:00 runs on time.
func TestRestartAcrossNineRunsMissedSlotOnceLate(t *testing.T) {
	f := newFixture(t, monday(8, 0))
	jobs := []job{{name: "digest", spec: "0 9 * * *"}, {name: "hourly", spec: "0 * * * *"}}
	a := f.scheduler("a", jobs, schedule.Options{})
	for at := monday(8, 0); !at.After(monday(8, 50)); at = at.Add(10 * time.Minute) {
		f.tick(at, a)
	}
	b := f.scheduler("b", jobs, schedule.Options{})
	for at := monday(12, 30); !at.After(monday(13, 30)); at = at.Add(10 * time.Minute) {
		f.tick(at, b)
	}
	wantCalls := map[string][]string{
		"digest": {"b digest@09:00 late=true attempt=1 at 12:30"},
		"hourly": {
			"a hourly@08:00 late=false attempt=1 at 08:00",
			"b hourly@12:00 late=true attempt=1 at 12:30",
			"b hourly@13:00 late=false attempt=1 at 13:00",
		},
	}
	for name, want := range wantCalls {
		var got []string
		for _, c := range f.calls.of(name) {
			got = append(got, c.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s ran:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	st := status(t, b, "digest")
	if st.Last == nil || !st.Last.Slot.Equal(monday(9, 0)) || !st.Last.Late || st.Last.Outcome != schedule.Succeeded ||
		!st.Next.Equal(monday(9, 0).AddDate(0, 0, 1)) {
		t.Errorf("digest status: %s, want the late 09:00 run succeeded and the next slot tomorrow 09:00", st)
	}
}

// TestFailedRunRetriesWithinItsSlot: a job failing once succeeds at its
// second attempt, after the backoff; a job failing always is retried with
// growing waits, never once the next slot is due, and the next slot runs
// on time.
func TestFailedRunRetriesWithinItsSlot(t *testing.T) {
	f := newFixture(t, monday(9, 0))
	jobs := []job{
		{name: "flaky", spec: "0 * * * *", do: func(_ context.Context, r schedule.Run) error {
			if r.Attempt == 1 {
				return errors.New("telegram: 502 Bad Gateway")
			}
			return nil
		}},
		{name: "broken", spec: "0 * * * *", do: func(context.Context, schedule.Run) error {
			return errors.New("boom")
		}},
	}
	s := f.scheduler("a", jobs, schedule.Options{RetryBase: 10 * time.Minute, MaxAttempts: 10, Poll: time.Second})
	for at := monday(9, 0); !at.After(monday(10, 5)); at = at.Add(time.Minute) {
		f.tick(at, s)
		if at.Equal(monday(9, 1)) {
			if st := status(t, s, "flaky"); st.Last == nil || st.Last.Outcome != schedule.Retrying ||
				st.Last.Error != "telegram: 502 Bad Gateway" {
				t.Errorf("flaky at 09:01: %s, want retrying with the error", st)
			}
		}
		// What /readyz shows never promises a retry once the next slot is due.
		if st := status(t, s, "broken"); st.Last != nil && st.Last.Slot.Equal(monday(9, 0)) &&
			st.Last.Outcome == schedule.Retrying && !st.Last.NextAttemptAt.Before(monday(10, 0)) {
			t.Errorf("broken at %s: %s, want a retry before 10:00 or failed", at.Format("15:04"), st)
		}
	}
	var flaky []string
	for _, c := range f.calls.of("flaky") {
		flaky = append(flaky, c.String())
	}
	if len(flaky) != 3 || flaky[0] != "a flaky@09:00 late=false attempt=1 at 09:00" ||
		(flaky[1] != "a flaky@09:00 late=false attempt=2 at 09:08" && flaky[1] != "a flaky@09:00 late=false attempt=2 at 09:09" &&
			flaky[1] != "a flaky@09:00 late=false attempt=2 at 09:10") ||
		flaky[2] != "a flaky@10:00 late=false attempt=1 at 10:00" {
		t.Errorf("flaky ran:\n%s\nwant attempt 1 at 09:00, attempt 2 after 7.5–10 min, then 10:00", strings.Join(flaky, "\n"))
	}

	var gaps []time.Duration
	var last time.Time
	var nine []call
	for _, c := range f.calls.of("broken") {
		if c.Slot == "09:00" {
			nine = append(nine, c)
			at, _ := time.ParseInLocation("15:04", c.At, msk)
			if len(nine) > 1 {
				gaps = append(gaps, at.Sub(last))
			}
			last = at
		}
	}
	if len(nine) < 3 {
		t.Fatalf("broken was tried %d times for 09:00, want retries: %v", len(nine), nine)
	}
	for i, c := range nine {
		if c.Attempt != i+1 || c.At >= "10:00" {
			t.Errorf("broken: %s, want attempt %d before the next slot (10:00)", c, i+1)
		}
	}
	for i := 1; i < len(gaps); i++ {
		if gaps[i] <= gaps[i-1] {
			t.Errorf("broken's waits between attempts %v do not grow", gaps)
		}
	}
	if got := f.calls.of("broken"); got[len(got)-1].String() != "a broken@10:00 late=false attempt=1 at 10:00" {
		t.Errorf("broken's last run: %s, want the 10:00 slot on time", got[len(got)-1])
	}
	var outcome, errText string
	var attempts int
	err := f.db.Pool().QueryRow(t.Context(), `SELECT outcome, attempts, error FROM job_runs WHERE job = 'broken' AND slot = $1`,
		monday(9, 0)).Scan(&outcome, &attempts, &errText)
	if err != nil {
		t.Fatal(err)
	}
	if outcome != "failed" || attempts != len(nine) || !strings.HasSuffix(errText, "boom") {
		t.Errorf("broken's 09:00 run recorded %s after %d attempts with %q, want failed after %d with \"boom\"",
			outcome, attempts, errText, len(nine))
	}
}

// TestEarlierSlotGivenUpAtRestart: at 09:00 one job fails (its retry
// due at about 09:10) and another hangs as its instance dies; no instance
// runs until 10:30. Then neither 09:00 run is tried again: both are
// recorded as given up, and the 10:00 slot of each runs once, late.
func TestEarlierSlotGivenUpAtRestart(t *testing.T) {
	f := newFixture(t, monday(9, 0))
	hang := newGate(t)
	// Instance a: the failing job's outcome is recorded, then a dies in
	// the middle of the hanging job.
	f.tick(monday(9, 0), f.scheduler("a", []job{
		{name: "failing", spec: "0 * * * *", do: func(context.Context, schedule.Run) error { return errors.New("boom") }},
	}, schedule.Options{RetryBase: 10 * time.Minute}))
	a := f.scheduler("a", []job{{name: "hanging", spec: "0 * * * *", do: func(context.Context, schedule.Run) error {
		hang.pass()
		return nil
	}}}, schedule.Options{Lease: 10 * time.Minute})
	go func() { _ = a.Tick(t.Context()) }()
	<-hang.started
	b := f.scheduler("b", []job{{name: "failing", spec: "0 * * * *"}, {name: "hanging", spec: "0 * * * *"}}, schedule.Options{})
	f.tick(monday(10, 30), b)
	f.tick(monday(10, 40), b)
	for _, name := range []string{"failing", "hanging"} {
		var got []string
		for _, c := range f.calls.of(name) {
			got = append(got, c.String())
		}
		want := []string{"a " + name + "@09:00 late=false attempt=1 at 09:00", "b " + name + "@10:00 late=true attempt=1 at 10:30"}
		if !slices.Equal(got, want) {
			t.Errorf("%s ran:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for name, wantErr := range map[string]string{"failing": "boom", "hanging": "abandoned by a"} {
		var outcome, errText string
		err := f.db.Pool().QueryRow(t.Context(), `SELECT outcome, error FROM job_runs WHERE job = $1 AND slot = $2`,
			name, monday(9, 0)).Scan(&outcome, &errText)
		if err != nil {
			t.Fatal(err)
		}
		if outcome != "failed" || !strings.Contains(errText, wantErr) || !strings.Contains(errText, "given up at slot 2026-03-02 10:00") {
			t.Errorf("%s's 09:00 run recorded %s, %q; want failed, given up at 10:00, saying %q", name, outcome, errText, wantErr)
		}
	}
}

// TestDeadInstanceClaimIsTakenOver: instance a claims the 09:00 digest and
// hangs; b leaves the claim alone while its lease holds and takes the run
// over once it has expired. When a comes back to life and succeeds while
// b's attempt is in hand, a's outcome is not recorded: b's is (a failure,
// to be retried).
func TestDeadInstanceClaimIsTakenOver(t *testing.T) {
	f := newFixture(t, monday(9, 0))
	ga, gb := newGate(t), newGate(t)
	a := f.scheduler("a", []job{{name: "digest", spec: "0 9 * * *", do: func(context.Context, schedule.Run) error {
		ga.pass()
		return nil
	}}}, schedule.Options{Lease: 10 * time.Minute})
	b := f.scheduler("b", []job{{name: "digest", spec: "0 9 * * *", do: func(context.Context, schedule.Run) error {
		if f.clock.Now().Before(monday(9, 11)) {
			return nil // too early: the check below fails the test
		}
		gb.pass()
		return errors.New("telegram: 502 Bad Gateway")
	}}}, schedule.Options{Lease: 10 * time.Minute})
	aDone := make(chan error, 1)
	go func() { aDone <- a.Tick(t.Context()) }()
	<-ga.started
	for _, at := range []time.Time{monday(9, 1), monday(9, 5), monday(9, 9)} {
		f.tick(at, b)
	}
	if got := f.calls.of("digest"); len(got) != 1 {
		t.Fatalf("while a's lease holds: %v, want only a's run", got)
	}
	if st := status(t, b, "digest"); st.Last == nil || st.Last.Outcome != schedule.Running || st.Last.ClaimedBy != "a" {
		t.Errorf("status while a runs: %s", st)
	}
	f.clock.Set(monday(9, 11))
	bDone := make(chan error, 1)
	go func() { bDone <- b.Tick(t.Context()) }()
	<-gb.started
	ga.release()
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if st := status(t, b, "digest"); st.Last == nil || st.Last.Outcome != schedule.Running || st.Last.ClaimedBy != "b" {
		t.Errorf("status after a's late success, b's attempt in hand: %s, want running by b", st)
	}
	gb.release()
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.calls.of("digest") {
		got = append(got, c.String())
	}
	want := []string{"a digest@09:00 late=false attempt=1 at 09:00", "b digest@09:00 late=false attempt=2 at 09:11"}
	if !slices.Equal(got, want) {
		t.Errorf("digest ran:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st := status(t, b, "digest")
	if st.Last == nil || st.Last.Outcome != schedule.Retrying || st.Last.ClaimedBy != "b" || st.Last.Attempts != 2 ||
		st.Last.Error != "telegram: 502 Bad Gateway" {
		t.Errorf("status after both returned: %s, want b's failure of attempt 2, to be retried", st)
	}
}

// TestRunFinishesRunInHandOnShutdown: when Run's context ends, a run
// finishing within the grace is recorded as succeeded; one that does not
// is cancelled, Run returns within the grace and a second, and the
// interrupted run is retried at once (no backoff) at the next start.
func TestRunFinishesRunInHandOnShutdown(t *testing.T) {
	f := newFixture(t, monday(9, 0))
	quick, stubborn := newGate(t), newGate(t)
	jobs := []job{
		{name: "quick", spec: "0 9 * * *", do: func(ctx context.Context, _ schedule.Run) error {
			quick.start()
			select {
			case <-quick.released:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}},
		{name: "stubborn", spec: "0 9 * * *", do: func(ctx context.Context, r schedule.Run) error {
			if r.Attempt == 1 {
				stubborn.start()
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}},
	}
	const grace = 300 * time.Millisecond
	s := f.scheduler("a", jobs, schedule.Options{Poll: 5 * time.Millisecond, StopGrace: grace})
	ctx, cancel := context.WithCancel(t.Context())
	returned := make(chan error, 1)
	go func() { returned <- s.Run(ctx) }()
	<-quick.started
	<-stubborn.started
	cancel()
	stopped := time.Now()
	quick.release()
	select {
	case err := <-returned:
		if err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
		if d := time.Since(stopped); d > grace+2*time.Second {
			t.Errorf("Run took %s to return, want under %s", d, grace+2*time.Second)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if st := status(t, s, "quick"); st.Last == nil || st.Last.Outcome != schedule.Succeeded {
		t.Errorf("quick: %s, want succeeded", st)
	}
	st := status(t, s, "stubborn")
	if st.Last == nil || st.Last.Outcome != schedule.Retrying || !strings.HasPrefix(st.Last.Error, "interrupted by shutdown") {
		t.Errorf("stubborn: %s, want retrying after an interruption", st)
	}
	restarted := f.scheduler("b", jobs, schedule.Options{})
	f.tick(monday(9, 0).Add(30*time.Second), restarted)
	if got := f.calls.of("stubborn"); len(got) != 2 || got[1].String() != "b stubborn@09:00 late=false attempt=2 at 09:00" {
		t.Errorf("stubborn ran %v, want its second attempt at once after the restart", got)
	}
}

func TestNewRefusesBadJobs(t *testing.T) {
	run := func(context.Context, schedule.Run) error { return nil }
	cases := []struct {
		jobs []schedule.Job
		want string
	}{
		{[]schedule.Job{{Name: "digest", Spec: "every morning", Run: run}}, "not a cron schedule"},
		{[]schedule.Job{{Name: "digest", Spec: "0 25 * * *", Run: run}}, "not a cron schedule"},
		{[]schedule.Job{{Name: "digest", Spec: "CRON_TZ=", Run: run}}, "leave the time zone out"},
		{[]schedule.Job{{Name: "digest", Spec: "TZ=Europe/Moscow 0 9 * * *", Run: run}}, "leave the time zone out"},
		{[]schedule.Job{{Name: "digest", Spec: "@every 1h", Run: run}}, "no fixed times"},
		{[]schedule.Job{{Name: "digest", Spec: "0 9 30 2 *", Run: run}}, "never fires"},
		{[]schedule.Job{{Name: "", Spec: "0 9 * * *", Run: run}}, "needs a name"},
		{[]schedule.Job{{Name: "digest", Spec: "0 9 * * *"}}, "needs a name and a Run"},
		{[]schedule.Job{{Name: "digest", Spec: "0 9 * * *", Run: run}, {Name: "digest", Spec: "@daily", Run: run}}, "two jobs named"},
	}
	for _, c := range cases {
		if _, err := schedule.New(nil, c.jobs, schedule.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.jobs, err, c.want)
		}
	}
	if _, err := schedule.New(nil, []schedule.Job{{Name: "digest", Spec: "@daily", Run: run}, {Name: "summary", Spec: "0 8 * * 1-5", Run: run}}, schedule.Options{}); err != nil {
		t.Errorf("good jobs refused: %v", err)
	}
}
