package bot

import (
	"testing"

	"github.com/looplab/fsm"

	"mcu/internal/readmetest"
)

// TestReadmeIntakeDiagram keeps docs/resident.md's diagram of the intake dialog
// in step with its transition table:
// go test ./bot -run TestReadmeIntakeDiagram -update-readme rewrites it.
func TestReadmeIntakeDiagram(t *testing.T) {
	diagram, err := fsm.VisualizeForMermaidWithGraphType(fsm.NewFSM(stepDirection, intakeTransitions, nil), fsm.StateDiagram)
	if err != nil {
		t.Fatal(err)
	}
	readmetest.CheckMermaid(t, "../docs/resident.md", "intake", diagram)
}

func TestIntakeTransitions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step, event, want string
	}{
		{stepDirection, evChoose, stepDetails},
		{stepDetails, evNext, stepConfirm},
		{stepLocation, evNext, stepConfirm},
		{stepPhone, evNext, stepConfirm},
		{stepConfirm, evBack, stepDetails},
		{stepLocation, evBack, stepConfirm},
		{stepConfirm, evEdit, stepEdit},
		{stepEdit, evChangeDetails, stepDetails},
		{stepDetails, evReview, stepConfirm},
		{stepDirection, evNext, ""},
		{stepConfirm, evChoose, ""},
		{"nonsense", evNext, ""},
	} {
		got, ok := intakeNext(tc.step, tc.event)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s --%s--> %q, %v; want %q", tc.step, tc.event, got, ok, tc.want)
		}
	}
	data := &intakeData{Editing: true}
	if e := intakeEvent(stepLocation, data, evNext); e != evReview {
		t.Errorf("a step reopened from the summary goes on by %q, want review", e)
	}
	if e := intakeEvent(stepEdit, data, evBack); e != evBack {
		t.Errorf("«Назад» from «Что изменить?» is %q, want back", e)
	}
}
