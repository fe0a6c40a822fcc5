package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The documentation an operator follows: README.md and docs/*.md, read
// from the repository root.
const repoRoot = "../.."

// docFile is one Markdown file of the documentation, split into its
// prose and its fenced code blocks.
type docFile struct {
	path   string // relative to the repository root
	prose  string // the text outside fenced blocks, inline code removed
	inline []string
	blocks []codeBlock
	slugs  []string // the anchors of its headings, as GitHub makes them
}

type codeBlock struct {
	lang string
	line int // of the opening fence
	body string
}

func readDocs(t *testing.T) map[string]*docFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join(repoRoot, "README.md"))
	docs := map[string]*docFile{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot, p)
		docs[filepath.ToSlash(rel)] = parseDoc(filepath.ToSlash(rel), string(raw))
	}
	if len(docs) < 5 {
		t.Fatalf("found only %d documents", len(docs))
	}
	return docs
}

var (
	inlineCode  = regexp.MustCompile("`[^`]+`")
	htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)
)

func parseDoc(path, text string) *docFile {
	d := &docFile{path: path}
	var prose strings.Builder
	var block *codeBlock
	var body strings.Builder
	seen := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if block == nil {
				block = &codeBlock{lang: strings.TrimPrefix(trimmed, "```"), line: i + 1}
				body.Reset()
			} else {
				block.body = body.String()
				d.blocks = append(d.blocks, *block)
				block = nil
			}
			continue
		}
		if block != nil {
			body.WriteString(strings.TrimPrefix(line, strings.Repeat(" ", len(line)-len(strings.TrimLeft(line, " ")))) + "\n")
			continue
		}
		if strings.HasPrefix(line, "#") {
			title := strings.TrimSpace(strings.TrimLeft(line, "#"))
			slug := githubSlug(title)
			if n := seen[slug]; n > 0 {
				d.slugs = append(d.slugs, slug+"-"+strconv.Itoa(n))
			} else {
				d.slugs = append(d.slugs, slug)
			}
			seen[slug]++
		}
		prose.WriteString(line + "\n")
	}
	p := htmlComment.ReplaceAllString(prose.String(), "")
	d.inline = inlineCode.FindAllString(p, -1)
	d.prose = inlineCode.ReplaceAllString(p, "``")
	return d
}

// githubSlug is the anchor GitHub gives a heading: lower case, letters,
// digits, spaces, hyphens and underscores kept, the rest dropped, spaces
// made hyphens.
func githubSlug(title string) string {
	title = inlineCode.ReplaceAllStringFunc(title, func(s string) string { return strings.Trim(s, "`") })
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	imgLink = regexp.MustCompile(`<img[^>]*\ssrc="([^"]+)"`)
)

// TestDocLinksResolve: every relative link of README.md and docs/*.md
// names a file of the repository, and every #anchor a heading of it.
func TestDocLinksResolve(t *testing.T) {
	docs := readDocs(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range docs {
		var targets []string
		for _, m := range mdLink.FindAllStringSubmatch(d.prose, -1) {
			targets = append(targets, m[1])
		}
		for _, m := range imgLink.FindAllStringSubmatch(d.prose, -1) {
			targets = append(targets, m[1])
		}
		for _, target := range targets {
			if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			file, anchor, _ := strings.Cut(target, "#")
			resolved := d.path
			if file != "" {
				resolved = filepath.ToSlash(filepath.Join(filepath.Dir(d.path), file))
				abs := filepath.Join(root, resolved)
				if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("%s: link %q leaves the repository", d.path, target)
					continue
				}
				if _, err := os.Stat(abs); err != nil {
					t.Errorf("%s: link %q: no such file %s", d.path, target, resolved)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			to, ok := docs[resolved]
			if !ok {
				t.Errorf("%s: link %q: an anchor into %s, which is not documentation", d.path, target, resolved)
				continue
			}
			if !slices.Contains(to.slugs, anchor) {
				t.Errorf("%s: link %q: %s has no heading #%s (it has %v)", d.path, target, resolved, anchor, to.slugs)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d links; is the parser broken?", checked)
	}
}

// TestDocShellBlocksParse: every sh/bash/shell block is valid bash.
func TestDocShellBlocksParse(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	n := 0
	for _, d := range readDocs(t) {
		for _, b := range d.blocks {
			if !isShell(b.lang) {
				continue
			}
			n++
			cmd := exec.Command(bash, "-n")
			cmd.Stdin = strings.NewReader(b.body)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s:%d: the %s block is not valid bash: %v\n%s", d.path, b.line, b.lang, err, out)
			}
		}
	}
	if n < 5 {
		t.Errorf("found only %d shell blocks", n)
	}
}

func isShell(lang string) bool { return lang == "sh" || lang == "bash" || lang == "shell" }

// pendingCommands are documented commands that another branch adds; the
// documentation may name them before they are merged.
var pendingCommands = []string{}

// TestDocMCUInvocations: every «mcu <command> …» the documentation shows
// — in shell blocks, and in inline code that starts with it — names a
// command of mcu, with flags it takes.
func TestDocMCUInvocations(t *testing.T) {
	var invocations []invocation
	for _, d := range readDocs(t) {
		for _, b := range d.blocks {
			if !isShell(b.lang) {
				continue
			}
			for i, line := range strings.Split(b.body, "\n") {
				invocations = append(invocations, findInvocations(line, d.path, b.line+1+i)...)
			}
		}
		for _, code := range d.inline {
			invocations = append(invocations, findInvocations(strings.Trim(code, "`"), d.path, 0)...)
		}
	}
	seen := map[string]bool{}
	for _, inv := range invocations {
		seen[inv.command] = true
		if inv.command == "help" && len(inv.args) == 0 {
			continue // run answers it before the commands
		}
		if _, ok := commands[inv.command]; !ok {
			if slices.Contains(pendingCommands, inv.command) {
				t.Logf("%s: mcu %s is not a command on this branch yet", inv.where, inv.command)
				continue
			}
			t.Errorf("%s: mcu %s: no such command (have %v)", inv.where, inv.command, commandNames())
			continue
		}
		if inv.inline && len(inv.args) == 0 {
			continue // the command named in prose, not a command line
		}
		if err := checkArgs(inv.command, inv.args); err != nil {
			t.Errorf("%s: mcu %s %s: %v", inv.where, inv.command, strings.Join(inv.args, " "), err)
		}
	}
	for _, name := range commandNames() {
		if !seen[name] {
			t.Errorf("the documentation never shows mcu %s", name)
		}
	}
}

type invocation struct {
	where   string
	command string
	args    []string
	inline  bool // from inline code (no line number)
}

var (
	envAssign   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	commandWord = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	segments    = regexp.MustCompile(`&&|\|\||[;|]|\$\(`)
)

// findInvocations returns the mcu commands a shell line runs: the program
// of a simple command (after VAR=value words) being mcu by any path, or
// go run ./cmd/mcu.
func findInvocations(line, path string, lineNo int) []invocation {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	var out []invocation
	for _, seg := range segments.Split(line, -1) {
		words := strings.Fields(seg)
		for len(words) > 0 && envAssign.MatchString(words[0]) {
			words = words[1:]
		}
		switch {
		case len(words) >= 2 && filepath.Base(words[0]) == "mcu" && !strings.Contains(words[0], "="):
			words = words[1:]
		case len(words) >= 4 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/mcu":
			words = words[3:]
		default:
			continue
		}
		if !commandWord.MatchString(words[0]) {
			continue // a placeholder such as <command>
		}
		where := path
		if lineNo > 0 {
			where += ":" + strconv.Itoa(lineNo)
		}
		out = append(out, invocation{where: where, command: words[0], args: words[1:], inline: lineNo == 0})
	}
	return out
}

func commandNames() []string {
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// checkArgs checks the arguments shown (optional ones in brackets) as
// the command would read them.
func checkArgs(command string, args []string) error {
	var plain []string
	for _, a := range args {
		if a = strings.Trim(a, "[]"); a != "" {
			plain = append(plain, a)
		}
	}
	switch command {
	case "report":
		_, err := parseReportFlags(plain)
		return err
	case "demo":
		if len(plain) > 1 || (len(plain) == 1 && plain[0] != "--reset") {
			return &ConfigError{Var: "mcu demo", Problem: "takes only --reset"}
		}
	default:
		if len(plain) > 0 {
			return &ConfigError{Var: "mcu " + command, Problem: "takes no arguments"}
		}
	}
	return nil
}
