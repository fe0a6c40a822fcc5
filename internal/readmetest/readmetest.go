// Package readmetest keeps generated blocks of README.md (the Mermaid
// diagrams of state machines) in step with the code that generates them.
package readmetest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update-readme", false, "rewrite the README's generated blocks")

// CheckMermaid fails tb unless README.md at path holds diagram between
// the lines "<!-- name:begin -->" + "```mermaid" and "```" +
// "<!-- name:end -->". With -update-readme it rewrites the block instead.
func CheckMermaid(tb testing.TB, path, name, diagram string) {
	tb.Helper()
	begin, end := "<!-- "+name+":begin -->\n```mermaid\n", "```\n<!-- "+name+":end -->"
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		tb.Fatalf("%s has no %q … %q block", filepath.Base(path), begin, end)
	}
	if readme[i+len(begin):j] == diagram {
		return
	}
	if *update {
		readme = readme[:i+len(begin)] + diagram + readme[j:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	tb.Errorf("the %q diagram of %s is stale; rerun this test with -update-readme to rewrite it\nwant:\n%s",
		name, filepath.Base(path), diagram)
}
