package storage_test

import (
	"context"
	"testing"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

// TestDeadlineRuleRows: the rules as migrated (a calendar-day deadline's
// last day on a non-working day moves back by default), a direction's own
// row winning over the kind's, and the CHECK on non_working.
func TestDeadlineRuleRows(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO deadline_rules (kind, direction, unit, amount, non_working)
		VALUES ('appeal59', 'social', 'days', 20, 'next')`)
	find := func(kind workflow.Kind, direction string) workflow.DeadlineRule {
		t.Helper()
		var r workflow.DeadlineRule
		err := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
			var err error
			r, err = tx.FindDeadlineRule(ctx, kind, direction)
			return err
		})
		if err != nil {
			t.Fatalf("FindDeadlineRule(%s, %q): %v", kind, direction, err)
		}
		return r
	}
	for _, tt := range []struct {
		kind      workflow.Kind
		direction string
		want      workflow.DeadlineRule
	}{
		{workflow.KindMessage, "", workflow.DeadlineRule{Unit: "workdays", Amount: 10, NonWorking: "previous"}},
		{workflow.KindAppeal59, "", workflow.DeadlineRule{Unit: "days", Amount: 30, NonWorking: "previous"}},
		{workflow.KindAppeal59, "housing", workflow.DeadlineRule{Unit: "days", Amount: 30, NonWorking: "previous"}},
		{workflow.KindAppeal59, "social", workflow.DeadlineRule{Unit: "days", Amount: 20, NonWorking: "next"}},
		{workflow.KindIncident, "social", workflow.DeadlineRule{Unit: "hours", Amount: 24, NonWorking: "previous"}},
	} {
		if got := find(tt.kind, tt.direction); got != tt.want {
			t.Errorf("FindDeadlineRule(%s, %q) = %#v, want %#v", tt.kind, tt.direction, got, tt.want)
		}
	}
	_, err := db.Pool().Exec(ctx, `UPDATE deadline_rules SET non_working = 'later' WHERE kind = 'message'`)
	if err == nil {
		t.Error("non_working 'later' was accepted")
	}
}
