package workflow

import "github.com/looplab/fsm"

// MermaidDiagram returns the lifecycle as a Mermaid state diagram, as
// looplab/fsm draws it. The README keeps a copy, checked by a test.
func MermaidDiagram() (string, error) {
	return fsm.VisualizeForMermaidWithGraphType(newMachine(StateReceived), fsm.StateDiagram)
}
