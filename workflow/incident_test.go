package workflow_test

import (
	"context"
	"testing"
	"time"

	"mcu/workflow"
)

// TestAuthorizeIncident: who may do what to an incident of housing.
func TestAuthorizeIncident(t *testing.T) {
	t.Parallel()
	grants := map[string][]workflow.Grant{
		"admin":          {{Role: workflow.RoleAdmin}},
		"operator":       {{Role: workflow.RoleOperator}},
		"curator@own":    {{Role: workflow.RoleCurator, Direction: "housing"}},
		"curator@other":  {{Role: workflow.RoleCurator, Direction: "social"}},
		"executor@own":   {{Role: workflow.RoleExecutor, Direction: "housing"}},
		"executor@other": {{Role: workflow.RoleExecutor, Direction: "social"}},
		"head":           {{Role: workflow.RoleHead}},
		"press":          {{Role: workflow.RolePress}},
		"nobody":         nil,
	}
	allowed := map[workflow.IncidentAction][]string{
		workflow.IncidentMake:    {"admin", "operator", "curator@own"},
		workflow.IncidentJoin:    {"admin", "operator", "curator@own"},
		workflow.IncidentTerm:    {"admin", "operator", "curator@own"},
		workflow.IncidentDraft:   {"curator@own", "executor@own"},
		workflow.IncidentApprove: {"admin", "curator@own"},
		workflow.IncidentReturn:  {"admin", "curator@own"},
	}
	for act, who := range allowed {
		for name, gs := range grants {
			_, err := workflow.AuthorizeIncident(act, workflow.Staff(1), gs, "housing")
			want := false
			for _, w := range who {
				want = want || w == name
			}
			if got := err == nil; got != want {
				t.Errorf("%s by %s: allowed %v, want %v (%v)", act, name, got, want, err)
			}
			if err != nil && workflow.ErrorCode(err) != workflow.EForbidden {
				t.Errorf("%s by %s: %v, want forbidden", act, name, err)
			}
		}
		// A resident is never staff, whatever they hold.
		if _, err := workflow.AuthorizeIncident(act, workflow.Resident(1), grants["admin"], "housing"); err == nil {
			t.Errorf("%s by a resident allowed", act)
		}
	}
}

// TestIncidentStates: what an incident allows in each state, and where
// its appeals' events come from.
func TestIncidentStates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		st   workflow.IncidentState
		act  workflow.IncidentAction
		want bool
	}{
		{workflow.IncidentOpen, workflow.IncidentJoin, true},
		{workflow.IncidentOpen, workflow.IncidentDraft, true},
		{workflow.IncidentOpen, workflow.IncidentApprove, false},
		{workflow.IncidentOnApproval, workflow.IncidentApprove, true},
		{workflow.IncidentOnApproval, workflow.IncidentReturn, true},
		{workflow.IncidentOnApproval, workflow.IncidentDraft, false},
		{workflow.IncidentOnApproval, workflow.IncidentJoin, true},
		{workflow.IncidentAnswered, workflow.IncidentJoin, false},
		{workflow.IncidentAnswered, workflow.IncidentTerm, false},
		{workflow.IncidentAnswered, workflow.IncidentApprove, false},
	}
	for _, c := range cases {
		if got := workflow.IncidentAllows(c.st, c.act); got != c.want {
			t.Errorf("%s in %s: %v, want %v", c.act, c.st, got, c.want)
		}
	}
	// Joined, detached and answered only while staff work on the appeal.
	for _, s := range workflow.States() {
		open := s == workflow.StateAssigned || s == workflow.StateInProgress || s == workflow.StateClarification ||
			s == workflow.StateOnApproval || s == workflow.StateReopened
		for _, ev := range workflow.IncidentEvents() {
			to, ok := workflow.Next(s, ev)
			if ok != open {
				t.Errorf("%s from %s: allowed %v, want %v", ev, s, ok, open)
			}
			want := s
			if ev == workflow.EventAnswerIncident {
				want = workflow.StateAnswered
			}
			if ok && to != want {
				t.Errorf("%s from %s leads to %s, want %s", ev, s, to, want)
			}
		}
	}
}

// TestTermAt: the menu's terms end at 18:00; «today» is offered until
// then.
func TestTermAt(t *testing.T) {
	t.Parallel()
	morning := time.Date(2026, 3, 2, 10, 0, 0, 0, moscow)
	for choice, want := range map[string]time.Time{
		workflow.TermNone:     {},
		workflow.TermToday:    time.Date(2026, 3, 2, 18, 0, 0, 0, moscow),
		workflow.TermTomorrow: time.Date(2026, 3, 3, 18, 0, 0, 0, moscow),
		workflow.TermIn3Days:  time.Date(2026, 3, 5, 18, 0, 0, 0, moscow),
	} {
		got, err := workflow.TermAt(choice, morning, moscow)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v, %v; want %v", choice, got, err, want)
		}
	}
	if _, err := workflow.TermAt("week", morning, moscow); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("unknown term: %v", err)
	}
	if got := workflow.TermChoices(morning, moscow); len(got) != 4 {
		t.Errorf("morning choices %v", got)
	}
	if got := workflow.TermChoices(morning.Add(9*time.Hour), moscow); len(got) != 3 || got[1] != workflow.TermTomorrow {
		t.Errorf("evening choices %v", got)
	}
}

// TestIncidentLifecycle: made from two appeals, joined by a third, one
// detached; the answer answers the appeals still joined, each audited;
// what may not be joined is refused with nothing changed.
func TestIncidentLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	curator := workflow.Staff(staffAll)
	a1, a2, a3 := f.inState(t, workflow.StateAssigned), f.inState(t, workflow.StateInProgress), f.inState(t, workflow.StateAssigned)
	closed := f.inState(t, workflow.StateAnswered)
	inc, err := f.svc.MakeIncident(ctx, curator, "  Нет отопления  ", time.Time{}, []workflow.AppealRef{{ID: a1.ID, Version: a1.Version}, {ID: a2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Нет отопления" || inc.Direction != "housing" || inc.State != workflow.IncidentOpen {
		t.Errorf("incident %+v", inc)
	}
	if _, err := f.svc.JoinIncident(ctx, curator, inc.ID, workflow.AppealRef{ID: a3.ID}); err != nil {
		t.Fatal(err)
	}
	// Not open: refused, unchanged.
	before := f.counts(t, closed.ID)
	if _, err := f.svc.JoinIncident(ctx, curator, inc.ID, workflow.AppealRef{ID: closed.ID}); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("joining an answered appeal: %v", err)
	}
	if after := f.counts(t, closed.ID); after != before {
		t.Errorf("a refused join changed %+v → %+v", before, after)
	}
	// Joined already: refused.
	if _, err := f.svc.JoinIncident(ctx, curator, inc.ID, workflow.AppealRef{ID: a1.ID}); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("joining twice: %v", err)
	}
	// A stale version: a conflict.
	if _, err := f.svc.LeaveIncident(ctx, curator, workflow.AppealRef{ID: a1.ID, Version: a1.Version}); workflow.ErrorCode(err) != workflow.EConflict {
		t.Errorf("leaving with a stale version: %v", err)
	}
	// One joined appeal does not take its own draft.
	if _, err := f.svc.Apply(ctx, workflow.Command{AppealID: a2.ID, Event: workflow.EventSubmitDraft, Actor: curator,
		Input: workflow.Input{Text: "Свой ответ"}}); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("a joined appeal's own draft: %v", err)
	}
	if _, err := f.svc.LeaveIncident(ctx, curator, workflow.AppealRef{ID: a3.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ApproveIncident(ctx, curator, inc.ID, 0); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("approving with no draft: %v", err)
	}
	if _, err := f.svc.SubmitIncidentDraft(ctx, curator, inc.ID, "Отопление дали.", nil); err != nil {
		t.Fatal(err)
	}
	got, n, err := f.svc.ApproveIncident(ctx, curator, inc.ID, 0)
	if err != nil || n != 2 || got.State != workflow.IncidentAnswered {
		t.Fatalf("approve: %v, %d answered, %+v", err, n, got)
	}
	for _, c := range []struct {
		a      *workflow.Appeal
		state  workflow.State
		events string
	}{
		{a1, workflow.StateAnswered, "join_incident answer_incident"},
		{a2, workflow.StateAnswered, "join_incident answer_incident"},
		{a3, workflow.StateAssigned, "join_incident leave_incident"},
	} {
		a, err := f.db.FindAppeal(ctx, c.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != c.state {
			t.Errorf("appeal %d: %s, want %s", a.ID, a.State, c.state)
		}
		var events string
		err = f.db.Pool().QueryRow(ctx, `SELECT coalesce(string_agg(event, ' ' ORDER BY id), '') FROM appeal_events
			WHERE appeal_id = $1 AND event LIKE '%incident%' AND actor_id = $2 AND role <> ''`, a.ID, staffAll).Scan(&events)
		if err != nil {
			t.Fatal(err)
		}
		if events != c.events {
			t.Errorf("appeal %d: audit %q, want %q", a.ID, events, c.events)
		}
	}
	// Answered: nothing more joins it.
	a4 := f.inState(t, workflow.StateAssigned)
	if _, err := f.svc.JoinIncident(ctx, curator, inc.ID, workflow.AppealRef{ID: a4.ID}); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("joining an answered incident: %v", err)
	}
	// «Нет» of a resident detaches only that appeal.
	if _, err := f.svc.Apply(ctx, workflow.Command{AppealID: a1.ID, Event: workflow.EventReopen, Actor: workflow.Resident(residentUser),
		Input: workflow.Input{Solved: workflow.SolvedNo}}); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.db.FindAppeal(ctx, a1.ID); a.IncidentID != 0 || a.State != workflow.StateReopened {
		t.Errorf("after «Нет»: %s, incident %d", a.State, a.IncidentID)
	}
	if a, _ := f.db.FindAppeal(ctx, a2.ID); a.IncidentID != inc.ID {
		t.Errorf("the other appeal left too: incident %d", a.IncidentID)
	}
}
