package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPackageDocs checks that every package of the module has a package
// comment in the form go doc expects: "Package name ..." for a library,
// "Command name ..." for a main package. It reads the source with
// go/parser, so a new package without one fails here, not in review.
func TestPackageDocs(t *testing.T) {
	root := moduleRoot(t)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules" || name == "vendor") {
			return filepath.SkipDir
		}
		if path != root && fileExists(filepath.Join(path, "go.mod")) {
			return filepath.SkipDir // another module
		}
		rel, _ := filepath.Rel(root, path)
		if problem, ok := packageDocProblem(t, path); ok {
			checked++
			if problem != "" {
				t.Errorf("package %s: %s", filepath.ToSlash(rel), problem)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked %d packages under %s; the walk is broken", checked, root)
	}
}

// packageDocProblem parses the non-test Go files of dir and says what is
// wrong with its package comment ("" if nothing). ok is false if dir holds
// no package.
func packageDocProblem(t *testing.T, dir string) (problem string, ok bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var pkg string
	docs := map[string]string{} // file name -> package comment
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		pkg = f.Name.Name
		if f.Doc != nil {
			docs[name] = f.Doc.Text()
		}
	}
	if pkg == "" {
		return "", false
	}
	want := "Package " + pkg
	if pkg == "main" {
		want = "Command " + filepath.Base(dir)
	}
	switch len(docs) {
	case 0:
		return fmt.Sprintf("no package comment (want one starting %q, in doc.go or the main file)", want), true
	case 1:
		for file, doc := range docs {
			if !strings.HasPrefix(doc, want+" ") {
				return fmt.Sprintf("the package comment in %s starts %q, want %q", file, firstLine(doc), want), true
			}
		}
		return "", true
	default:
		return fmt.Sprintf("package comments in %s (go doc joins them): keep one", strings.Join(slices.Sorted(maps.Keys(docs)), ", ")), true
	}
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// moduleRoot returns the directory of the go.mod above the working
// directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
	return dir
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
