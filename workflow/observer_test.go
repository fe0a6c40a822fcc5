package workflow_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mcu/workflow"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) EventApplied(e workflow.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, "applied "+string(e))
}

func (r *recorder) EventRefused(e workflow.Event, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, "refused "+string(e)+" "+code)
}

// TestObserverSeesAppliedAndRefused: the Observer is told of each event
// applied (a submission is a register and a route), of each refusal with
// its code, and of a submission refused before its registration.
func TestObserverSeesAppliedAndRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := &recorder{}
	f.svc.Observer = rec
	ctx := context.Background()
	a := f.submit(t, "housing")
	if _, err := f.svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventTake, Actor: workflow.Staff(staffAll)}); err != nil {
		t.Fatal(err)
	}
	// Taken already: take again is invalid; a stranger may not withdraw.
	if _, err := f.svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventTake, Actor: workflow.Staff(staffAll)}); err == nil {
		t.Fatal("take twice: no error")
	}
	if _, err := f.svc.Apply(ctx, workflow.Command{AppealID: a.ID + 1000, Event: workflow.EventWithdraw, Actor: workflow.Resident(residentUser)}); err == nil {
		t.Fatal("withdraw of no appeal: no error")
	}
	// Check is a dry run: not observed.
	if _, err := f.svc.Check(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventTake, Actor: workflow.Staff(staffAll)}); err == nil {
		t.Fatal("check take twice: no error")
	}
	_, err := f.svc.Submit(ctx, workflow.Resident(residentUser), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, ResidentID: f.residentID(t, residentUser), Text: " ",
	})
	if err == nil {
		t.Fatal("empty appeal submitted")
	}
	want := []string{
		"applied register", "applied route", "applied take",
		"refused take invalid", "refused withdraw not_found", "refused register invalid",
	}
	if diff := cmp.Diff(want, rec.got); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}
