package mcpserver

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// User B can neither see nor touch user A's tasks, whatever task numbers
// it tries.
func TestIsolation(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		alice, bob := newUser("alice"), newUser("bob")
		seedTasks(t, st, alice,
			models.NewTask{Title: "Buy milk", Tags: models.Tags{"home"}},
			models.NewTask{Title: "done:Pay rent"},
		)
		before := allTasks(t, st, alice)
		cs := connect(t, st, Options{DefaultUser: bob})

		for _, call := range []struct {
			tool string
			args map[string]any
			want string
		}{
			{"complete_task", map[string]any{"task_id": 1}, "Task 1 not found."},
			{"complete_task", map[string]any{"task_id": 2, "completed": false}, "Task 2 not found."},
			{"update_task", map[string]any{"task_id": 1, "title": "Hacked"}, "Task 1 not found."},
			{"delete_task", map[string]any{"task_id": 1}, "Task 1 not found."},
			{"delete_task", map[string]any{"task_id": 2}, "Task 2 not found."},
			{"find_task_by_name", map[string]any{"name": "Buy milk"}, `No task matches "Buy milk".`},
			{"find_task_by_name", map[string]any{"name": "rent"}, `No task matches "rent".`},
		} {
			if msg := mustFail(t, cs, call.tool, call.args); !strings.HasPrefix(msg, call.want) {
				t.Errorf("%s(%v) = %q, want %q", call.tool, call.args, msg, call.want)
			}
		}
		list, text := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"tag": "home"})
		if len(list.Tasks) != 0 || list.Counts != (taskCounts{}) || text != "The user has no tasks yet." {
			t.Errorf("bob's list: %+v %q", list, text)
		}

		// Bob's own numbering starts at 1 and leaves Alice's task 1 alone.
		added, _ := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Bob's task"})
		if added.TaskID != 1 {
			t.Errorf("bob's first task_id = %d, want 1", added.TaskID)
		}
		mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 1})
		mustOK[deleteTaskOut](t, cs, "delete_task", map[string]any{"task_id": 1})

		if diff := diffTasks(before, allTasks(t, st, alice)); diff != "" {
			t.Errorf("alice's tasks changed (-before +after):\n%s", diff)
		}
	})
}

func TestUserFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		defaultUser string
		extra       *mcp.RequestExtra
		want        string // "" means not authenticated
	}{
		{"token user", "local", &mcp.RequestExtra{TokenInfo: &auth.TokenInfo{UserID: "alice"}}, "alice"},
		{"default user without token", "local", nil, "local"},
		{"default user without token info", "local", &mcp.RequestExtra{}, "local"},
		{"token without a user never falls back", "local", &mcp.RequestExtra{TokenInfo: &auth.TokenInfo{}}, ""},
		{"nobody", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &server{defaultUser: tt.defaultUser}
			got, err := s.userFrom(&mcp.CallToolRequest{Extra: tt.extra})
			if tt.want == "" {
				if !errors.Is(err, errNotAuthenticated) {
					t.Errorf("userFrom = %q, %v; want not authenticated", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("userFrom = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Without a default user or a token, every tool refuses.
func TestNotAuthenticated(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite::memory:")
	cs := connect(t, st, Options{})
	for _, tool := range Tools() {
		args := map[string]any{"add_task": map[string]any{"title": "x"}, "find_task_by_name": map[string]any{"name": "x"},
			"update_task": map[string]any{"task_id": 1, "title": "x"}}[tool.Name]
		if args == nil {
			args = map[string]any{"task_id": 1}
			if tool.Name == "list_tasks" {
				args = map[string]any{}
			}
		}
		if msg := mustFail(t, cs, tool.Name, args); msg != "not authenticated" {
			t.Errorf("%s: %q, want not authenticated", tool.Name, msg)
		}
	}
}

// Over streamable HTTP with bearer auth, the user comes from the token,
// not from DefaultUser.
func TestTokenUserOverHTTP(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite::memory:")
	alice, bob := newUser("alice"), newUser("bob")
	users := map[string]string{"token-a": alice, "token-b": bob, "token-nouser": ""}
	verify := func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		user, ok := users[token]
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: user, Expiration: time.Now().Add(time.Hour)}, nil
	}
	srv := New(st, Options{DefaultUser: "local"})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	ts := httptest.NewServer(auth.RequireBearerToken(verify, nil)(h))
	t.Cleanup(ts.Close)

	dial := func(token string) *mcp.ClientSession {
		t.Helper()
		client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil)
		cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
			Endpoint:   ts.URL,
			HTTPClient: &http.Client{Transport: bearer{token}},
		}, nil)
		if err != nil {
			t.Fatalf("connect with %s: %v", token, err)
		}
		t.Cleanup(func() { _ = cs.Close() })
		return cs
	}
	a, b, nouser := dial("token-a"), dial("token-b"), dial("token-nouser")
	mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Alice's task"})
	if got := allTasks(t, st, alice); len(got) != 1 || got[0].Title != "Alice's task" {
		t.Errorf("alice's stored tasks: %+v", got)
	}
	if got := allTasks(t, st, "local"); len(got) != 0 {
		t.Errorf("the default user got tasks: %+v", got)
	}
	if list, _ := mustOK[listTasksOut](t, b, "list_tasks", nil); len(list.Tasks) != 0 {
		t.Errorf("bob sees %+v", list.Tasks)
	}
	if msg := mustFail(t, b, "complete_task", map[string]any{"task_id": 1}); !strings.HasPrefix(msg, "Task 1 not found.") {
		t.Errorf("bob completing alice's task: %q", msg)
	}
	if msg := mustFail(t, nouser, "list_tasks", nil); msg != "not authenticated" {
		t.Errorf("token without user: %q", msg)
	}
}

// bearer adds an Authorization header to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// failingStore fails every call with a database error.
type failingStore struct{ TaskStore }

var errDB = errors.New("connection refused: secret-host:5432")

func (failingStore) CreateTask(context.Context, string, models.NewTask) (models.Task, error) {
	return models.Task{}, errDB
}

func (failingStore) ListTasks(context.Context, string, models.TaskFilter) (models.TaskPage, error) {
	return models.TaskPage{}, errDB
}

func (failingStore) GetTask(context.Context, string, int64) (models.Task, error) {
	return models.Task{}, errDB
}

func (failingStore) CompleteTasks(context.Context, string, []int64, bool, *time.Location) ([]models.TaskResult, error) {
	return nil, errDB
}

// Internal errors are logged with detail but reach the model only as a
// generic message.
func TestInternalError(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cs := connect(t, failingStore{}, Options{DefaultUser: "alice", Logger: log})
	for tool, args := range map[string]map[string]any{
		"add_task":      {"title": "x"},
		"list_tasks":    {},
		"complete_task": {"task_id": 1},
	} {
		if msg := mustFail(t, cs, tool, args); msg != "internal error; try again" {
			t.Errorf("%s: %q", tool, msg)
		}
		if !strings.Contains(logs.String(), "tool="+tool) {
			t.Errorf("%s: not logged:\n%s", tool, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "secret-host") || !strings.Contains(logs.String(), "component=mcpserver") {
		t.Errorf("log lacks the detail:\n%s", logs.String())
	}
}
