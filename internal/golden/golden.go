// Package golden compares test output with golden files under the test's
// testdata folder, and rewrites the files instead when the UPDATE_GOLDEN
// environment variable is set:
//
//	UPDATE_GOLDEN=1 go test ./...
package golden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Check compares got with testdata/name (name may contain slashes), or
// rewrites that file with got when UPDATE_GOLDEN is set.
func Check(tb testing.TB, name, got string) {
	tb.Helper()
	path, want, ok := read(tb, name, []byte(got))
	if !ok {
		return
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tb.Errorf("%s mismatch (-want +got), UPDATE_GOLDEN=1 refreshes it:\n%s", path, diff)
	}
}

// CheckJSON is Check for JSON: both sides are compared decoded, so
// formatting and key order do not count.
func CheckJSON(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path, want, ok := read(tb, name, got)
	if !ok {
		return
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("got is not JSON: %v", err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		tb.Errorf("%s mismatch (-want +got), UPDATE_GOLDEN=1 refreshes it:\n%s", path, diff)
	}
}

// read returns the path and content of the golden file name. When
// UPDATE_GOLDEN is set it writes got there instead and returns ok false.
func read(tb testing.TB, name string, got []byte) (path string, want []byte, ok bool) {
	tb.Helper()
	path = filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return path, nil, false
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	return path, want, true
}
