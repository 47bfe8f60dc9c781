package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// testSecret is a valid HS256 secret (32 bytes).
const testSecret = "0123456789abcdef0123456789abcdef"

// fakeEnv returns a getenv over m.
func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// golden compares got with testdata/name, or rewrites the file when
// UPDATE_GOLDEN is set.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got), UPDATE_GOLDEN=1 refreshes it:\n%s", path, diff)
	}
}

// Tool results, as much of them as the tests look at.
type (
	taskOut struct {
		TaskID int64  `json:"task_id"`
		Title  string `json:"title"`
	}
	listOut struct {
		Tasks []taskOut `json:"tasks"`
	}
)

// callTool calls a tool that must succeed and decodes its structured
// result into out.
func callTool(ctx context.Context, t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("call %s: tool error: %+v", name, res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s result %s: %v", name, b, err)
	}
}

// addAndList adds a task titled title and returns the listing that follows.
func addAndList(ctx context.Context, t *testing.T, cs *mcp.ClientSession, title string) listOut {
	t.Helper()
	var added taskOut
	callTool(ctx, t, cs, "add_task", map[string]any{"title": title}, &added)
	if added.Title != title || added.TaskID < 1 {
		t.Fatalf("add_task returned %+v, want title %q and a task_id", added, title)
	}
	var list listOut
	callTool(ctx, t, cs, "list_tasks", map[string]any{}, &list)
	return list
}
