package workflow

import "github.com/looplab/fsm"

// MermaidDiagram returns the lifecycle as a Mermaid state diagram, as
// looplab/fsm draws it. The README keeps a copy, checked by a test.
func MermaidDiagram() (string, error) {
	return fsm.VisualizeForMermaidWithGraphType(newMachine(StateReceived), fsm.StateDiagram)
}

// DecreedYears returns the years the embedded decree tables describe, in
// the order of the tables.
func DecreedYears() []int {
	var years []int
	for _, d := range decreed() {
		if d.YearKnown {
			years = append(years, d.Date.Year())
		}
	}
	return years
}
