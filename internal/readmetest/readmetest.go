// Package readmetest keeps generated blocks of the documentation
// (docs/*.md: the Mermaid diagrams of state machines and of imports, the
// digest as the head sees it) in step with the code that generates them.
package readmetest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update-readme", false, "rewrite the generated blocks of the documentation")

// CheckMermaid fails tb unless the Markdown file at path holds diagram between
// the lines "<!-- name:begin -->" + "```mermaid" and "```" +
// "<!-- name:end -->". With -update-readme it rewrites the block instead.
func CheckMermaid(tb testing.TB, path, name, diagram string) {
	tb.Helper()
	CheckBlock(tb, path, name, "mermaid", diagram)
}

// CheckBlock fails tb unless the Markdown file at path holds body in a fenced
// block of language lang (e.g. "mermaid", "text") between the lines
// "<!-- name:begin -->" and "<!-- name:end -->". With -update-readme it
// rewrites the block instead.
func CheckBlock(tb testing.TB, path, name, lang, body string) {
	tb.Helper()
	begin, end := "<!-- "+name+":begin -->\n```"+lang+"\n", "```\n<!-- "+name+":end -->"
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		tb.Fatalf("%s has no %q … %q block", filepath.Base(path), begin, end)
	}
	if readme[i+len(begin):j] == body {
		return
	}
	if *update {
		readme = readme[:i+len(begin)] + body + readme[j:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	tb.Errorf("the %q block of %s is stale; rerun this test with -update-readme to rewrite it\nwant:\n%s",
		name, filepath.Base(path), body)
}
