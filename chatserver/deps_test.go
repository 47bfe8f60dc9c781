package chatserver_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/taskpilot/taskpilot/"

// TestImportsNoAgent: the HTTP adapter reaches the agent only through the
// interfaces it declares, so neither it nor anything it imports (in this
// module) imports the agent or the model client.
func TestImportsNoAgent(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(pkg string, path []string)
	walk = func(pkg string, path []string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		for _, imp := range imports(t, filepath.Join(root, strings.TrimPrefix(pkg, module))) {
			chain := append(path[:len(path):len(path)], imp)
			if imp == module+"chatserver/agent" || strings.HasPrefix(imp, "github.com/openai/") {
				t.Errorf("chatserver depends on %s: %s", imp, strings.Join(chain, " -> "))
			}
			if strings.HasPrefix(imp, module) {
				walk(imp, chain)
			}
		}
	}
	walk(module+"chatserver", []string{module + "chatserver"})
	if len(seen) < 3 {
		t.Fatalf("walked %d packages; the walk is broken", len(seen))
	}
}

// TestWidgetStandsAlone: the widget vocabulary and the wire helpers it
// shares with chatkit import only the standard library (and widget those
// helpers), never chatkit itself, so chatkit may import them.
func TestWidgetStandsAlone(t *testing.T) {
	allowed := map[string][]string{
		"chatkit/widget":            {module + "chatserver/chatkit/internal/wirejson"},
		"chatkit/internal/wirejson": nil,
	}
	for dir, ok := range allowed {
		imps := imports(t, dir)
		if len(imps) == 0 {
			t.Fatalf("%s imports nothing; the check is broken", dir)
		}
		for _, imp := range imps {
			stdlib := !strings.Contains(strings.Split(imp, "/")[0], ".")
			if !stdlib && !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s", dir, imp)
			}
		}
	}
}

// imports returns the imports of the non-test Go files in dir.
func imports(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			out = append(out, p)
		}
	}
	return out
}
