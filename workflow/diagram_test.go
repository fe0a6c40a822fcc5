package workflow_test

import (
	"testing"

	"mcu/internal/readmetest"
	"mcu/workflow"
)

// TestReadmeDiagram keeps docs/product.md's Mermaid diagram of the lifecycle in
// step with the transition table:
// go test ./workflow -run TestReadmeDiagram -update-readme rewrites it.
func TestReadmeDiagram(t *testing.T) {
	diagram, err := workflow.MermaidDiagram()
	if err != nil {
		t.Fatal(err)
	}
	readmetest.CheckMermaid(t, "../docs/product.md", "lifecycle", diagram)
}
