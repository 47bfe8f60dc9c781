package mcpserver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

var _ TaskStore = (*store.Store)(nil)

// testNow is the clock every test server uses.
var testNow = time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)

// newUser returns a user id unique to this run, so tests sharing a
// PostgreSQL database (see storetest.URLs) never see each other's tasks.
func newUser(name string) string {
	return name + "-" + rand.Text()[:8]
}

// connect serves st as user over in-memory transports and returns the
// client session.
func connect(tb testing.TB, st TaskStore, opts Options) *mcp.ClientSession {
	tb.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	ctx := context.Background()
	srv := New(st, opts)
	ct, tt := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, tt, nil)
	if err != nil {
		tb.Fatalf("server connect: %v", err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil)
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		tb.Fatalf("client connect: %v", err)
	}
	tb.Cleanup(func() {
		_ = cs.Close()
		_ = ss.Wait()
	})
	return cs
}

// callTool calls a tool and fails the test on a protocol error.
func callTool(tb testing.TB, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	tb.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		tb.Fatalf("%s(%v): protocol error: %v", name, args, err)
	}
	return res
}

// textOf joins the result's text content.
func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// mustOK calls a tool, fails the test on a tool error and decodes the
// structured content into Out.
func mustOK[Out any](tb testing.TB, cs *mcp.ClientSession, name string, args any) (Out, string) {
	tb.Helper()
	res := callTool(tb, cs, name, args)
	var out Out
	if res.IsError {
		tb.Fatalf("%s(%v): tool error: %s", name, args, textOf(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("%s: decode structured content: %v", name, err)
	}
	return out, textOf(res)
}

// mustFail calls a tool and fails the test unless it returns a tool error;
// it returns the error text.
func mustFail(tb testing.TB, cs *mcp.ClientSession, name string, args any) string {
	tb.Helper()
	res := callTool(tb, cs, name, args)
	if !res.IsError {
		tb.Fatalf("%s(%v): got success %q, want a tool error", name, args, textOf(res))
	}
	return textOf(res)
}

// allTasks reads every task of user straight from the store.
func allTasks(tb testing.TB, st TaskStore, user string) []models.Task {
	tb.Helper()
	var out []models.Task
	f := models.TaskFilter{Limit: models.MaxListLimit}
	for {
		page, err := st.ListTasks(context.Background(), user, f)
		if err != nil {
			tb.Fatalf("list tasks: %v", err)
		}
		out = append(out, page.Tasks...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

// ignoreTimes leaves timestamps out of task comparisons.
var ignoreTimes = cmpopts.IgnoreFields(taskJSON{}, "CreatedAt", "UpdatedAt", "CompletedAt")

// diffTasks compares two store snapshots.
func diffTasks(want, got []models.Task) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}
