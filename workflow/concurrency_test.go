package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

func TestConcurrentApproveOneWins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []int64{5001, 5002} {
		if err := f.db.GrantRole(ctx, id, "Куратор", workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	a := f.inState(t, workflow.StateOnApproval)
	before := f.counts(t, a.ID)

	const presses = 20
	errs := make([]error, presses)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range presses {
		wg.Go(func() {
			<-start
			_, errs[i] = f.svc.Apply(ctx, workflow.Command{
				AppealID: a.ID, Event: workflow.EventApprove,
				Actor: workflow.Staff(int64(5001 + i%2)), Version: a.Version,
			})
		})
	}
	close(start)
	wg.Wait()

	ok, conflicts := 0, 0
	for _, err := range errs {
		switch workflow.ErrorCode(err) {
		case "":
			ok++
		case workflow.EConflict:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != presses-1 {
		t.Fatalf("%d approvals and %d conflicts, want 1 and %d", ok, conflicts, presses-1)
	}
	after := f.counts(t, a.ID)
	if after.Events != before.Events+1 || after.State != workflow.StateAnswered {
		t.Errorf("audit rows %d→%d, state %s; want one approve", before.Events, after.Events, after.State)
	}
	var toResident int
	err := f.db.Pool().QueryRow(ctx, `
		SELECT count(*) FROM outbox WHERE appeal_id = $1 AND kind = 'resident' AND payload->>'Event' = 'approve'`,
		a.ID).Scan(&toResident)
	if err != nil {
		t.Fatal(err)
	}
	if toResident != 1 {
		t.Errorf("%d answers enqueued for the resident, want 1", toResident)
	}
}

func TestConcurrentRegistrationNumbers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	resident := f.residentID(t, residentUser)

	const n = 200
	numbers := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a, err := f.svc.Submit(ctx, workflow.Resident(residentUser), workflow.NewAppeal{
				Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
				ResidentID: resident, Text: fmt.Sprintf("Сообщение номер %d о протечке крыши", i),
			})
			errs[i] = err
			if err == nil {
				numbers[i] = a.Number()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	sort.Strings(numbers)
	for i, got := range numbers {
		if want := workflow.FormatNumber(2026, i+1); got != want {
			t.Fatalf("sorted number %d is %s, want %s (distinct, consecutive, no gaps)", i, got, want)
		}
	}

	f.now = time.Date(2027, 1, 1, 0, 5, 0, 0, moscow)
	a := f.submit(t, "housing")
	if got := a.Number(); got != "2027-000001" {
		t.Errorf("first number of 2027 is %s, want 2027-000001", got)
	}
}

func TestRolledBackTransactionEnqueuesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.inState(t, workflow.StateInProgress)
	before := f.counts(t, a.ID)
	boom := errors.New("boom")
	err := f.db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
		if err := tx.Enqueue(ctx, workflow.Notification{AppealID: a.ID, Audience: workflow.AudienceResident, Event: workflow.EventTake}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want boom", err)
	}
	// A command refused after its notifications were built leaves none too.
	_, err = f.svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventSubmitDraft,
		Actor: workflow.Staff(staffAll), Input: workflow.Input{Text: "   "}})
	if workflow.ErrorCode(err) != workflow.EInvalid {
		t.Fatalf("empty draft: %v, want invalid", err)
	}
	if after := f.counts(t, a.ID); after != before {
		t.Errorf("rolled back work changed %+v to %+v", before, after)
	}
}

func TestDeadlinesOnRegistration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := f.db.GrantRole(ctx, 6001, "Оператор", workflow.Grant{Role: workflow.RoleOperator}, 0); err != nil {
		t.Fatal(err)
	}
	// A direction's own rules: the 30th day moves on, or stays.
	dbtest.Exec(t, f.db, `INSERT INTO deadline_rules (kind, direction, unit, amount, non_working) VALUES
		('appeal59', 'social', 'days', 30, 'next'), ('appeal59', 'economy', 'days', 30, 'none')`)
	// Friday 26.12.2025 15:00: 10 working days are over on 21.01.2026; the
	// 30th day is Sunday 25.01.2026, moved back to Friday 23.01 by default.
	f.now = time.Date(2025, 12, 26, 15, 0, 0, 0, moscow)
	cases := []struct {
		kind      workflow.Kind
		direction string
		want      time.Time
	}{
		{workflow.KindMessage, "housing", time.Date(2026, 1, 21, 23, 59, 59, 0, moscow)},
		{workflow.KindAppeal59, "housing", time.Date(2026, 1, 23, 23, 59, 59, 0, moscow)},
		{workflow.KindAppeal59, "social", time.Date(2026, 1, 26, 23, 59, 59, 0, moscow)},
		{workflow.KindAppeal59, "economy", time.Date(2026, 1, 25, 23, 59, 59, 0, moscow)},
		{workflow.KindIncident, "housing", time.Date(2025, 12, 27, 15, 0, 0, 0, moscow)},
	}
	for _, c := range cases {
		actor, n := workflow.Staff(6001), workflow.NewAppeal{
			Kind: c.kind, Source: workflow.SourcePOS, Direction: c.direction,
			Text: "Не работает уличное освещение на ул. Ленина", ContactName: "Иванов И. И.", Contact: "+7 900 000-00-00",
		}
		if c.kind == workflow.KindMessage {
			actor = workflow.Resident(residentUser)
			n.Source, n.ResidentID, n.ContactName, n.Contact = workflow.SourceBot, f.residentID(t, residentUser), "", ""
		}
		a, err := f.svc.Submit(ctx, actor, n)
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if !a.DueAt.Equal(c.want) {
			t.Errorf("%s in %s registered %s is due %s, want %s", c.kind, c.direction, f.now, a.DueAt.In(moscow), c.want)
		}
	}
}

func TestExtendOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.inState(t, workflow.StateInProgress)
	cmd := workflow.Command{AppealID: a.ID, Event: workflow.EventExtend, Actor: workflow.Staff(staffAll),
		Input: workflow.Input{Days: 30, Reason: "Нужен выезд комиссии"}}
	got, err := f.svc.Apply(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if want := a.DueAt.In(moscow).AddDate(0, 0, 30); !got.DueAt.Equal(want) {
		t.Errorf("extended due %s, want %s", got.DueAt, want)
	}
	before := f.counts(t, a.ID)
	if _, err := f.svc.Apply(ctx, cmd); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("second extension: %v, want invalid", err)
	}
	if after := f.counts(t, a.ID); after != before {
		t.Errorf("refused extension changed %+v to %+v", before, after)
	}
}

// TestExtendRefusedOnceOverdue: 59-ФЗ art. 12 part 2 extends a running
// term; past the deadline both Check and Apply refuse, saying why.
func TestExtendRefusedOnceOverdue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.inState(t, workflow.StateInProgress)
	f.now = a.DueAt.Add(time.Second)
	cmd := workflow.Command{AppealID: a.ID, Event: workflow.EventExtend, Actor: workflow.Staff(staffAll),
		Version: a.Version, Input: workflow.Input{Days: 10, Reason: "Нужен выезд комиссии"}}
	before := f.counts(t, a.ID)
	if _, err := f.svc.Check(ctx, cmd); !errors.Is(err, workflow.ErrDeadlinePassed) || workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("Check past the deadline: %v, want invalid, deadline passed", err)
	}
	if _, err := f.svc.Apply(ctx, cmd); !errors.Is(err, workflow.ErrDeadlinePassed) || workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("Apply past the deadline: %v, want invalid, deadline passed", err)
	}
	if after := f.counts(t, a.ID); after != before {
		t.Errorf("a refused extension changed %+v to %+v", before, after)
	}
	// The other events of a late appeal go on.
	for _, e := range []workflow.Event{workflow.EventAskResident, workflow.EventSubmitDraft, workflow.EventReroute, workflow.EventReject} {
		if err := workflow.Guard(a, e, f.now); err != nil {
			t.Errorf("Guard(%s) past the deadline: %v", e, err)
		}
	}
}

func TestResidentFloodLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.AppealsPerHour = 2
	first := f.now
	f.submit(t, "housing")
	f.now = first.Add(10 * time.Minute)
	f.submit(t, "housing")
	f.now = first.Add(20 * time.Minute)
	_, err := f.svc.Submit(context.Background(), workflow.Resident(residentUser), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: f.residentID(t, residentUser), Text: "Третье сообщение за час о том же",
	})
	var limit *workflow.LimitError
	if workflow.ErrorCode(err) != workflow.ELimited || !errors.As(err, &limit) {
		t.Fatalf("third appeal in an hour: %v, want limited", err)
	}
	if want := first.Add(time.Hour); !limit.RetryAt.Equal(want) {
		t.Errorf("retry at %s, want %s", limit.RetryAt, want)
	}
	f.now = first.Add(time.Hour + time.Second)
	f.submit(t, "housing") // the window has moved on
}

func TestRatingAgainAfterReopen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.inState(t, workflow.StateAnswered)
	resident, staff := workflow.Resident(residentUser), workflow.Staff(staffAll)
	steps := []workflow.Command{
		{Event: workflow.EventRate, Actor: resident, Input: workflow.Input{Rating: 2}},
		{Event: workflow.EventReopen, Actor: resident, Input: workflow.Input{Solved: workflow.SolvedNo, Text: "Мусор так и лежит"}},
		{Event: workflow.EventTake, Actor: staff},
		{Event: workflow.EventSubmitDraft, Actor: staff, Input: workflow.Input{Text: "Мусор вывезен повторно 10 марта, фото прилагаем."}},
		{Event: workflow.EventApprove, Actor: staff},
		{Event: workflow.EventRate, Actor: resident, Input: workflow.Input{Rating: 5}},
		{Event: workflow.EventClose, Actor: resident},
	}
	for _, cmd := range steps {
		cmd.AppealID = a.ID
		if _, err := f.svc.Apply(ctx, cmd); err != nil {
			t.Fatalf("%s: %v", cmd.Event, err)
		}
	}
	got, err := f.db.FindAppeal(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != workflow.StateClosed || got.Rating != 5 || got.Solved != workflow.SolvedYes || got.ReopenCount != 1 {
		t.Errorf("after a second answer: state %s, rating %d, solved %q, reopened %d", got.State, got.Rating, got.Solved, got.ReopenCount)
	}
	events, err := f.db.FindAppealEvents(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ratings []int
	for _, e := range events {
		if e.Event == workflow.EventRate {
			ratings = append(ratings, e.Payload.Rating)
		}
	}
	if len(ratings) != 2 || ratings[0] != 2 || ratings[1] != 5 {
		t.Errorf("ratings in the audit trail %v, want [2 5]", ratings)
	}
}

func BenchmarkApply(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	a := f.inState(b, workflow.StateInProgress)
	ask := workflow.Command{AppealID: a.ID, Event: workflow.EventAskResident, Actor: workflow.Staff(staffAll),
		Input: workflow.Input{Text: "Уточните адрес"}}
	reply := workflow.Command{AppealID: a.ID, Event: workflow.EventResidentReplied, Actor: workflow.Resident(residentUser),
		Input: workflow.Input{Text: "Ленина, 5"}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cmd := ask
		if i%2 == 1 {
			cmd = reply
		}
		if _, err := f.svc.Apply(ctx, cmd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	for b.Loop() {
		workflow.Next(workflow.StateOnApproval, workflow.EventApprove)
	}
}

// TestApproveInterleavedByHand: two curators approve the same version v,
// their transactions interleaved step by step. A locks the appeal; B's
// lock must wait for A (B never reads the appeal while A holds it); A
// approves and commits; B then finds version v+1 and gets a conflict.
// Exactly one approval wins, every time.
func TestApproveInterleavedByHand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []int64{5001, 5002} {
		if err := f.db.GrantRole(ctx, id, "Куратор", workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	a := f.inState(t, workflow.StateOnApproval)
	before := f.counts(t, a.ID)
	svc := *f.svc
	svc.Store = steppedStore{f.db}

	done := make(chan struct{})
	defer close(done) // whatever fails, nobody waits for ever
	aLocked, releaseA := make(chan struct{}), make(chan struct{})
	bLocking, bLocked, releaseB := make(chan struct{}), make(chan struct{}), make(chan struct{})
	ctxA := withStep(ctx, func(step string) {
		if step == "locked" {
			close(aLocked)
			wait(done, releaseA)
		}
	})
	ctxB := withStep(ctx, func(step string) {
		switch step {
		case "lock":
			close(bLocking)
		case "locked":
			close(bLocked)
			wait(done, releaseB)
		}
	})
	approve := func(ctx context.Context, user int64, out chan<- error) {
		_, err := svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventApprove,
			Actor: workflow.Staff(user), Version: a.Version})
		out <- err
	}
	errA, errB := make(chan error, 1), make(chan error, 1)

	go approve(ctxA, 5001, errA)
	mustReceive(t, aLocked, "A locks the appeal")
	go approve(ctxB, 5002, errB)
	mustReceive(t, bLocking, "B starts to lock the appeal")
	// B must be waiting for A's row lock, not reading the appeal.
	deadline := time.After(10 * time.Second)
	for waiting := false; !waiting; {
		select {
		case <-bLocked:
			t.Errorf("B read the appeal while A held it locked")
			waiting = true
		case <-deadline:
			t.Fatal("B neither waits for A's lock nor reads the appeal")
		case <-time.After(5 * time.Millisecond):
			err := f.db.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	close(releaseA)
	if err := mustReceive(t, errA, "A's approval ends"); err != nil {
		t.Errorf("A's approval: %v", err)
	}
	mustReceive(t, bLocked, "B locks the appeal after A")
	close(releaseB)
	if err := mustReceive(t, errB, "B's approval ends"); workflow.ErrorCode(err) != workflow.EConflict {
		t.Errorf("B's approval of version %d: %v, want a conflict", a.Version, err)
	}

	after := f.counts(t, a.ID)
	if after.State != workflow.StateAnswered || after.Version != before.Version+1 || after.Events != before.Events+1 {
		t.Errorf("%+v → %+v: want one approval", before, after)
	}
}

// steppedStore is a Store whose transactions tell the step function of
// their context (withStep) what they are about to do, so that a test can
// hold them at a step and interleave two by hand.
type steppedStore struct{ workflow.Store }

// InTx runs fn with a Tx that reports its steps.
func (s steppedStore) InTx(ctx context.Context, fn func(ctx context.Context, tx workflow.Tx) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return fn(ctx, steppedTx{Tx: tx, step: stepOf(ctx)})
	})
}

// steppedTx reports "lock" before LockAppeal and "locked" after it.
type steppedTx struct {
	workflow.Tx
	step func(string)
}

func (t steppedTx) LockAppeal(ctx context.Context, id int64) (*workflow.Appeal, error) {
	t.step("lock")
	a, err := t.Tx.LockAppeal(ctx, id)
	t.step("locked")
	return a, err
}

type stepKey struct{}

func withStep(ctx context.Context, step func(string)) context.Context {
	return context.WithValue(ctx, stepKey{}, step)
}

func stepOf(ctx context.Context) func(string) {
	if step, ok := ctx.Value(stepKey{}).(func(string)); ok {
		return step
	}
	return func(string) {}
}

// wait waits for release, or for done when the test is over.
func wait(done, release <-chan struct{}) {
	select {
	case <-release:
	case <-done:
	}
}

// mustReceive receives from ch within 10 s, or fails the test.
func mustReceive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out: %s", what)
		panic("unreachable")
	}
}
