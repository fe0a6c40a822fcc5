package workflow_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"mcu/workflow"
)

// allowedActors is the README's list of who may fire each event, written
// out by hand. "@own" means the role in the appeal's direction.
var allowedActors = map[workflow.Event][]string{
	"register":           {"system"},
	"route":              {"system", "operator"},
	"take":               {"executor@own", "curator@own"},
	"ask_resident":       {"executor@own", "curator@own"},
	"resident_replied":   {"resident"},
	"submit_draft":       {"executor@own", "curator@own"},
	"approve":            {"curator@own", "admin"},
	"return":             {"curator@own", "admin"},
	"reroute":            {"curator@own", "operator"},
	"extend":             {"curator@own"},
	"rate":               {"resident"},
	"reopen":             {"resident"},
	"resident_commented": {"resident"},
	"close":              {"system", "resident"},
	"reject":             {"operator", "curator@own"},
	"redirect":           {"operator", "curator@own"},
	"withdraw":           {"resident"},
}

// matrixActor is one column of the role matrix.
type matrixActor struct {
	name  string
	actor workflow.Actor
	grant *workflow.Grant
}

func matrixActors() []matrixActor {
	staff := func(name string, id int64, role workflow.Role, dir string) matrixActor {
		return matrixActor{name: name, actor: workflow.Staff(id), grant: &workflow.Grant{Role: role, Direction: dir}}
	}
	return []matrixActor{
		{name: "system", actor: workflow.System()},
		{name: "resident", actor: workflow.Resident(residentUser)},
		{name: "other resident", actor: workflow.Resident(otherUser)},
		{name: "stranger", actor: workflow.Staff(3999)},
		staff("admin", 3001, workflow.RoleAdmin, ""),
		staff("operator", 3002, workflow.RoleOperator, ""),
		staff("curator@own", 3003, workflow.RoleCurator, "housing"),
		staff("curator@other", 3004, workflow.RoleCurator, "social"),
		staff("executor@own", 3005, workflow.RoleExecutor, "housing"),
		staff("executor@other", 3006, workflow.RoleExecutor, "social"),
		staff("head", 3007, workflow.RoleHead, ""),
		staff("leader", 3008, workflow.RoleLeader, ""),
	}
}

// sourceState returns a state in which ev is allowed, one where the
// appeal has a direction when there is such a state.
func sourceState(ev workflow.Event) workflow.State {
	var first workflow.State
	for _, s := range workflow.States() {
		if _, ok := lifecycle[ev][s]; ok {
			if s != workflow.StateReceived && s != workflow.StateRegistered {
				return s
			}
			if first == "" {
				first = s
			}
		}
	}
	if first != "" {
		return first
	}
	panic(fmt.Sprintf("no state allows %s", ev))
}

func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	actors := matrixActors()
	for _, m := range actors {
		if m.grant != nil {
			if err := f.db.GrantRole(ctx, m.actor.UserID, m.name, *m.grant, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, ev := range workflow.Events() {
		for _, m := range actors {
			a := f.inState(t, sourceState(ev))
			before := f.counts(t, a.ID)
			_, err := f.svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: ev, Actor: m.actor, Input: validInput(ev)})
			want := slices.Contains(allowedActors[ev], m.name)
			if want {
				if err != nil {
					t.Errorf("%s by %s: %v, want success", ev, m.name, err)
				}
				continue
			}
			code := workflow.ErrorCode(err)
			wantCode := workflow.EForbidden
			if m.name == "other resident" {
				wantCode = workflow.ENotFound // someone else's appeal is not revealed
			}
			if code != wantCode {
				t.Errorf("%s by %s: error %v (code %q), want %q", ev, m.name, err, code, wantCode)
			}
			if after := f.counts(t, a.ID); after != before {
				t.Errorf("%s by %s was refused but changed %+v to %+v", ev, m.name, before, after)
			}
		}
	}
}

func TestBootstrapAdminFromConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.Admins = []int64{4242}
	a := f.inState(t, workflow.StateOnApproval)
	got, err := f.svc.Apply(context.Background(), workflow.Command{
		AppealID: a.ID, Event: workflow.EventApprove, Actor: workflow.Staff(4242)})
	if err != nil {
		t.Fatalf("approve by bootstrap admin: %v", err)
	}
	if got.State != workflow.StateAnswered || got.Answer != "Мусор вывезен 3 марта." {
		t.Errorf("after approve: state %s, answer %q", got.State, got.Answer)
	}
}
