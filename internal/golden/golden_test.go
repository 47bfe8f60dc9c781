package golden_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/taskpilot/taskpilot/internal/golden"
)

// recorder notes test errors instead of failing the test.
type recorder struct {
	*testing.T
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }

func TestCheck(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("UPDATE_GOLDEN", "1")
	golden.Check(t, "sub/a.txt", "hello\n")
	golden.CheckJSON(t, "b.json", []byte(`{"x":1,"y":[2]}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "sub", "a.txt")); err != nil || string(b) != "hello\n" {
		t.Fatalf("UPDATE_GOLDEN=1 wrote %q, %v; want hello", b, err)
	}
	t.Setenv("UPDATE_GOLDEN", "")

	tests := []struct {
		name     string
		check    func(tb testing.TB)
		wantFail bool
	}{
		{"same text", func(tb testing.TB) { golden.Check(tb, "sub/a.txt", "hello\n") }, false},
		{"other text", func(tb testing.TB) { golden.Check(tb, "sub/a.txt", "hello") }, true},
		{"same JSON, other layout", func(tb testing.TB) { golden.CheckJSON(tb, "b.json", []byte("{\n  \"y\": [2],\n  \"x\": 1\n}\n")) }, false},
		{"other JSON", func(tb testing.TB) { golden.CheckJSON(tb, "b.json", []byte(`{"x":1,"y":[3]}`)) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{T: t}
			tc.check(rec)
			if rec.failed != tc.wantFail {
				t.Errorf("reported a mismatch = %v, want %v", rec.failed, tc.wantFail)
			}
		})
	}
}
