package bot

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/looplab/fsm"
)

var updateIntakeDiagram = flag.Bool("update-intake-diagram", false, "rewrite the README's diagram of the intake dialog")

// TestReadmeIntakeDiagram keeps the README's diagram of the intake dialog
// in step with its transition table:
// go test ./bot -run TestReadmeIntakeDiagram -update-intake-diagram
// rewrites it.
func TestReadmeIntakeDiagram(t *testing.T) {
	diagram, err := fsm.VisualizeForMermaidWithGraphType(fsm.NewFSM(stepDirection, intakeTransitions, nil), fsm.StateDiagram)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- intake:begin -->\n```mermaid\n", "```\n<!-- intake:end -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q block", begin, end)
	}
	if readme[i+len(begin):j] == diagram {
		return
	}
	if *updateIntakeDiagram {
		readme = readme[:i+len(begin)] + diagram + readme[j:]
		if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's intake diagram is stale; run go test ./bot -run TestReadmeIntakeDiagram -update-intake-diagram\nwant:\n%s", diagram)
}

func TestIntakeTransitions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step, event, want string
	}{
		{stepDirection, evChoose, stepDetails},
		{stepDetails, evNext, stepLocation},
		{stepLocation, evNext, stepPhone},
		{stepPhone, evNext, stepConfirm},
		{stepConfirm, evBack, stepPhone},
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
