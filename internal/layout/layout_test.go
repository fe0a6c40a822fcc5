package layout_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"mcu/internal/readmetest"
)

const module = "mcu"

// allowed lists, for each package of the program, every package of this
// repository it may depend on, directly or not. The domain (workflow)
// depends on nothing; the transport knows nothing of appeals; rendering
// knows nothing of Telegram calls; only cmd/mcu knows everything.
var allowed = map[string][]string{
	"workflow":              {},
	"migrations":            {},
	"tgstate":               {},
	"outbox":                {"workflow"},
	"render":                {"workflow"},
	"digest":                {"render", "outbox", "workflow"},
	"internal/backoff":      {},
	"internal/fakeclock":    {},
	"internal/redact":       {},
	"internal/localpg":      {},
	"schedule":              {"internal/backoff", "internal/redact"},
	"reportrow":             {"workflow"},
	"report":                {"reportrow", "render", "workflow"},
	"similar":               {},
	"storage":               {"similar", "workflow", "tgstate", "outbox", "reportrow", "migrations", "schedule", "internal/backoff", "internal/redact"},
	"transport":             {"tgstate", "internal/backoff", "internal/redact"},
	"delivery":              {"render", "outbox", "workflow", "internal/backoff", "internal/redact"},
	"bot":                   {"transport", "delivery", "render", "tgstate", "outbox", "workflow", "internal/backoff", "internal/redact"},
	"control":               {"render", "outbox", "workflow"},
	"metrics":               {"workflow"},
	"cmd/mcu":               {"*"},
	"demo":                  {"storage", "similar", "workflow", "render", "internal/telegramtest", "tgstate", "outbox", "reportrow", "migrations", "schedule", "internal/backoff", "internal/redact", "internal/fakeclock"},
	"internal/layout":       {},
	"internal/dbtest":       {"storage", "similar", "migrations", "workflow", "tgstate", "outbox", "reportrow", "schedule", "internal/backoff", "internal/redact"},
	"internal/readmetest":   {},
	"internal/golden":       {},
	"internal/telegramtest": {},
	"internal/loadtest":     {"internal/telegramtest", "render", "workflow"},
}

// goList runs go list in the module's root with args.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// local returns the packages of this module in list, module prefix cut.
func local(list []string) []string {
	var out []string
	for _, p := range list {
		if p == module {
			out = append(out, ".")
		} else if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// TestImportDirection checks every package's dependencies (go list -deps)
// against allowed, and that every package is listed there.
func TestImportDirection(t *testing.T) {
	pkgs := local(strings.Fields(goList(t, "./...")))
	for _, pkg := range pkgs {
		may, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in the layout test's allowed list: decide where it stands", pkg)
			continue
		}
		if slices.Contains(may, "*") {
			continue
		}
		deps := local(strings.Fields(goList(t, "-deps", "./"+pkg)))
		for _, d := range deps {
			if d != pkg && !slices.Contains(may, d) {
				t.Errorf("%s depends on %s, which it may not (allowed: %v)", pkg, d, may)
			}
		}
	}
}

// metricsLibraryUsers are the only packages that may depend on the
// Prometheus client: the rest name observer interfaces (workflow.Observer,
// transport.UpdateObserver) that package metrics implements.
var metricsLibraryUsers = []string{"metrics", "cmd/mcu"}

// TestMetricsLibraryStaysOut: no package but metricsLibraryUsers depends
// on github.com/prometheus/..., directly or not (tests aside).
func TestMetricsLibraryStaysOut(t *testing.T) {
	for _, line := range strings.Split(strings.TrimSpace(goList(t, "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...")), "\n") {
		fields := strings.Fields(line)
		pkg := local(fields[:1])
		if len(pkg) == 0 || slices.Contains(metricsLibraryUsers, pkg[0]) {
			continue
		}
		for _, d := range fields[1:] {
			if strings.HasPrefix(d, "github.com/prometheus/") {
				t.Errorf("%s depends on %s: only %v may use the metrics library", pkg[0], d, metricsLibraryUsers)
				break
			}
		}
	}
}

// programPackages are the packages drawn in docs/architecture.md's diagram: the
// program, not its test helpers.
var programPackages = []string{
	"cmd/mcu", "bot", "control", "digest", "transport", "delivery", "schedule", "render", "storage", "tgstate", "outbox",
	"report", "reportrow", "workflow", "migrations", "internal/localpg", "internal/redact", "internal/backoff",
	"metrics", "similar",
}

// TestReadmeImportDiagram keeps docs/architecture.md's diagram of which package
// imports which in step with the code:
// go test ./internal/layout -run TestReadmeImportDiagram -update-readme rewrites it.
func TestReadmeImportDiagram(t *testing.T) {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	for _, pkg := range programPackages {
		imports := local(strings.Fields(goList(t, "-f", `{{join .Imports " "}}`, "./"+pkg)))
		for _, imp := range imports {
			if slices.Contains(programPackages, imp) {
				fmt.Fprintf(&b, "    %s[%s] --> %s[%s]\n", node(pkg), pkg, node(imp), imp)
			}
		}
	}
	readmetest.CheckMermaid(t, "../../docs/architecture.md", "imports", b.String())
}

func node(pkg string) string { return strings.NewReplacer("/", "_").Replace(pkg) }

var cyrillic = regexp.MustCompile(`[\p{Cyrillic}]`)

// TestRussianOnlyInCatalogue: a string literal holding a Russian word
// outside render/texts*.go is a text people see that escaped the
// catalogue.
func TestRussianOnlyInCatalogue(t *testing.T) {
	files := strings.Fields(goList(t, "-f", `{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}} {{end}}`, "./..."))
	if len(files) < 20 {
		t.Fatalf("found only %d files", len(files))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The catalogue, and the production calendar as the decrees word it
	// (data, not text people see).
	catalogue := regexp.MustCompile(`^(render/texts[a-z_]*|workflow/calendar)\.go$`)
	fset := token.NewFileSet()
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		if catalogue.MatchString(filepath.ToSlash(rel)) {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && cyrillic.MatchString(lit.Value) {
				t.Errorf("%s: Russian text outside the catalogue: %s", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
	}
}

// TestReadmeListsEveryPackage: docs/architecture.md's «One package, one job» list
// has a line for every package of the module.
func TestReadmeListsEveryPackage(t *testing.T) {
	raw, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	const start = "One package, one job:\n\n```\n"
	i := strings.Index(readme, start)
	if i < 0 {
		t.Fatal("docs/architecture.md has no «One package, one job» list")
	}
	list := "\n" + readme[i+len(start):]
	list = list[:strings.Index(list, "```\n")]
	for _, pkg := range local(strings.Fields(goList(t, "./..."))) {
		if !strings.Contains(list, "\n"+pkg+"/ ") {
			t.Errorf("the package list of docs/architecture.md has no line for %s/", pkg)
		}
	}
}
