package workflow_test

import (
	"context"
	"testing"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

// TestCheckRefusesWhatApplyRefuses: Check, the dry run behind the bot's
// buttons, refuses a command exactly when Apply does (with the same code)
// and changes nothing either way.
func TestCheckRefusesWhatApplyRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const (
		executorOwn   = 3005 // executor of housing
		curatorOther  = 3004 // curator of social
		staleByChange = "UPDATE appeals SET version = version + 1 WHERE id = $1"
	)
	for id, g := range map[int64]workflow.Grant{
		executorOwn:  {Role: workflow.RoleExecutor, Direction: "housing"},
		curatorOther: {Role: workflow.RoleCurator, Direction: "social"},
	} {
		if err := f.db.GrantRole(ctx, id, "Сотрудник", g, 0); err != nil {
			t.Fatal(err)
		}
	}
	curator, resident := workflow.Staff(staffAll), workflow.Resident(residentUser)
	cases := []struct {
		name  string
		state workflow.State
		ev    workflow.Event
		actor workflow.Actor
		// change is what happens to the appeal after the actor saw it.
		change []string
		want   string
	}{
		{"return allowed", workflow.StateOnApproval, workflow.EventReturn, curator, nil, ""},
		{"reject allowed", workflow.StateAssigned, workflow.EventReject, curator, nil, ""},
		{"extend allowed", workflow.StateAssigned, workflow.EventExtend, curator, nil, ""},
		{"return on a stale version", workflow.StateOnApproval, workflow.EventReturn, curator, []string{staleByChange}, workflow.EConflict},
		{"reject on a stale version", workflow.StateAssigned, workflow.EventReject, curator, []string{staleByChange}, workflow.EConflict},
		{"extend on a stale version", workflow.StateAssigned, workflow.EventExtend, curator, []string{staleByChange}, workflow.EConflict},
		{"extend on a stale version, extended since", workflow.StateAssigned, workflow.EventExtend, curator,
			[]string{staleByChange, "UPDATE appeals SET extended = true WHERE id = $1"}, workflow.EConflict},
		{"return by an executor", workflow.StateOnApproval, workflow.EventReturn, workflow.Staff(executorOwn), nil, workflow.EForbidden},
		{"return by an executor on a stale version", workflow.StateOnApproval, workflow.EventReturn, workflow.Staff(executorOwn),
			[]string{staleByChange}, workflow.EForbidden},
		{"extend by an executor", workflow.StateAssigned, workflow.EventExtend, workflow.Staff(executorOwn), nil, workflow.EForbidden},
		{"reject by another direction's curator", workflow.StateAssigned, workflow.EventReject, workflow.Staff(curatorOther), nil, workflow.EForbidden},
		{"reject by a stranger", workflow.StateAssigned, workflow.EventReject, workflow.Staff(3999), nil, workflow.EForbidden},
		{"return in progress", workflow.StateInProgress, workflow.EventReturn, curator, nil, workflow.EInvalid},
		{"reject on approval", workflow.StateOnApproval, workflow.EventReject, curator, nil, workflow.EInvalid},
		{"extend when answered", workflow.StateAnswered, workflow.EventExtend, curator, nil, workflow.EInvalid},
		{"extend again", workflow.StateInProgress, workflow.EventExtend, curator,
			[]string{"UPDATE appeals SET extended = true WHERE id = $1"}, workflow.EInvalid},
		// The clock says 2026-03-02 10:00 in Moscow.
		{"extend overdue", workflow.StateInProgress, workflow.EventExtend, curator,
			[]string{"UPDATE appeals SET due_at = '2026-03-02 09:59:59+03' WHERE id = $1"}, workflow.EInvalid},
		{"extend at the very deadline", workflow.StateInProgress, workflow.EventExtend, curator,
			[]string{"UPDATE appeals SET due_at = '2026-03-02 10:00:00+03' WHERE id = $1"}, ""},
		{"rate again", workflow.StateAnswered, workflow.EventRate, resident,
			[]string{"UPDATE appeals SET rating = 4 WHERE id = $1"}, workflow.EInvalid},
		{"ask nobody", workflow.StateInProgress, workflow.EventAskResident, curator,
			[]string{"UPDATE appeals SET resident_id = NULL WHERE id = $1"}, workflow.EInvalid},
		{"rate someone else's appeal", workflow.StateAnswered, workflow.EventRate, workflow.Resident(otherUser), nil, workflow.ENotFound},
		{"comment on the reopening", workflow.StateReopened, workflow.EventResidentCommented, resident, nil, ""},
		{"comment on the reopening, taken since", workflow.StateInProgress, workflow.EventResidentCommented, resident, nil, ""},
		{"comment with no reopening", workflow.StateInProgress, workflow.EventResidentCommented, resident,
			[]string{"UPDATE appeals SET reopen_count = 0, solved = '' WHERE id = $1"}, workflow.EInvalid},
		{"comment on an answer judged solved", workflow.StateInProgress, workflow.EventResidentCommented, resident,
			[]string{"UPDATE appeals SET solved = 'yes' WHERE id = $1"}, workflow.EInvalid},
		{"comment when answered again", workflow.StateAnswered, workflow.EventResidentCommented, resident,
			[]string{"UPDATE appeals SET reopen_count = 1, solved = 'no' WHERE id = $1"}, workflow.EInvalid},
		{"comment by staff", workflow.StateReopened, workflow.EventResidentCommented, curator, nil, workflow.EForbidden},
		{"comment on someone else's appeal", workflow.StateReopened, workflow.EventResidentCommented, workflow.Resident(otherUser), nil, workflow.ENotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := f.inState(t, c.state)
			seen := a.Version
			for _, q := range c.change {
				dbtest.Exec(t, f.db, q, a.ID)
			}
			cmd := workflow.Command{AppealID: a.ID, Event: c.ev, Actor: c.actor, Version: seen, Input: validInput(c.ev)}
			before := f.counts(t, a.ID)
			got, err := f.svc.Check(ctx, cmd)
			if code := workflow.ErrorCode(err); code != c.want {
				t.Errorf("Check: %v (code %q), want code %q", err, code, c.want)
			}
			if after := f.counts(t, a.ID); after != before {
				t.Errorf("Check changed %+v to %+v", before, after)
			}
			if err == nil && (got.ID != a.ID || got.Version != before.Version || got.State != c.state) {
				t.Errorf("Check returned appeal %d version %d in %s, want %d version %d in %s",
					got.ID, got.Version, got.State, a.ID, before.Version, c.state)
			}
			_, err = f.svc.Apply(ctx, cmd)
			if code := workflow.ErrorCode(err); code != c.want {
				t.Errorf("Apply: %v (code %q), want code %q as Check", err, code, c.want)
			}
			after := f.counts(t, a.ID)
			switch {
			case err != nil && after != before:
				t.Errorf("refused Apply changed %+v to %+v", before, after)
			case err == nil && after.Version != before.Version+1:
				t.Errorf("Apply: version %d→%d, want +1", before.Version, after.Version)
			}
		})
	}
}

// TestCheckAgreesWithApplyEverywhere: for every event in every state,
// with input Apply accepts, Check and Apply refuse alike.
func TestCheckAgreesWithApplyEverywhere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, from := range workflow.States() {
		for _, ev := range workflow.Events() {
			a := f.inState(t, from)
			cmd := workflow.Command{AppealID: a.ID, Event: ev, Actor: actorFor(ev), Version: a.Version, Input: validInput(ev)}
			before := f.counts(t, a.ID)
			_, checkErr := f.svc.Check(ctx, cmd)
			if after := f.counts(t, a.ID); after != before {
				t.Errorf("Check of %s in %s changed %+v to %+v", ev, from, before, after)
			}
			_, applyErr := f.svc.Apply(ctx, cmd)
			if c, a := workflow.ErrorCode(checkErr), workflow.ErrorCode(applyErr); c != a {
				t.Errorf("%s in %s: Check %v (code %q), Apply %v (code %q)", ev, from, checkErr, c, applyErr, a)
			}
		}
	}
}
