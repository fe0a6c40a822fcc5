package workflow_test

import (
	"context"
	"slices"
	"testing"

	"mcu/workflow"
)

// TestSystemCloseTellsTheResident: the system closing an answer nobody
// rated tells the resident (and updates the card); the resident's own
// «Да» tells only the card, being answered where it was pressed.
func TestSystemCloseTellsTheResident(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		actor workflow.Actor
		want  []string
	}{
		{workflow.System(), []string{"card", "resident"}},
		{workflow.Resident(residentUser), []string{"card"}},
	} {
		a := f.inState(t, workflow.StateAnswered)
		if _, err := f.svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventClose, Actor: c.actor, Version: a.Version}); err != nil {
			t.Fatalf("close by %s: %v", c.actor.Kind, err)
		}
		rows, err := f.db.Pool().Query(ctx, `SELECT kind FROM outbox WHERE appeal_id = $1 AND payload->>'Event' = 'close' ORDER BY kind`, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			got = append(got, k)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("close by %s enqueued %v, want %v", c.actor.Kind, got, c.want)
		}
	}
}
