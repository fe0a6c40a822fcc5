package workflow_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"mcu/workflow"
)

var update = flag.Bool("update", false, "rewrite golden copies (the README's state diagram)")

// TestReadmeDiagram keeps the README's Mermaid diagram of the lifecycle in
// step with the transition table. go test ./workflow -update rewrites it.
func TestReadmeDiagram(t *testing.T) {
	diagram, err := workflow.MermaidDiagram()
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- lifecycle:begin -->\n```mermaid\n", "```\n<!-- lifecycle:end -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q block", begin, end)
	}
	got := readme[i+len(begin) : j]
	if got == diagram {
		return
	}
	if *update {
		readme = readme[:i+len(begin)] + diagram + readme[j:]
		if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's lifecycle diagram is stale; run go test ./workflow -run TestReadmeDiagram -update\nwant:\n%s", diagram)
}
