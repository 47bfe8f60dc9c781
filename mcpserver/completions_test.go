package mcpserver

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// complete asks for completions and returns the values and hasMore.
func complete(t *testing.T, cs *mcp.ClientSession, ref *mcp.CompleteReference, arg, value string) ([]string, bool) {
	t.Helper()
	res, err := cs.Complete(context.Background(), &mcp.CompleteParams{
		Ref: ref, Argument: mcp.CompleteParamsArgument{Name: arg, Value: value},
	})
	if err != nil {
		t.Fatalf("complete %+v %s=%q: %v", ref, arg, value, err)
	}
	if res.Completion.Values == nil {
		t.Fatalf("complete %+v: values is null", ref)
	}
	return res.Completion.Values, res.Completion.HasMore
}

func TestCompletions(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		alice, bob := newUser("alice"), newUser("bob")
		a := connect(t, st, Options{DefaultUser: alice})
		b := connect(t, st, Options{DefaultUser: bob})
		seedViews(t, a) // 1 Buy milk (home), ..., 4 Old chore (completed), 7 Send report (work)
		mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Milk the cow", "tags": []string{"homework", "farm"}})
		mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Task 12 of the list"})
		mustOK[addTaskOut](t, b, "add_task", map[string]any{"title": "Bob's milk", "tags": []string{"hobby"}})

		task := &mcp.CompleteReference{Type: "ref/resource", URI: "task://{number}"}
		tests := []struct {
			name     string
			cs       *mcp.ClientSession
			ref      *mcp.CompleteReference
			arg, val string
			want     []string
			wantMore bool
		}{
			{"title match", a, task, "number", "milk", []string{"1", "8"}, false},
			{"any case", a, task, "number", "MILK", []string{"1", "8"}, false},
			{"number first, then titles with it", a, task, "number", "9", []string{"9"}, false},
			{"completed after pending", a, task, "number", "o", []string{"3", "5", "7", "8", "9", "4"}, false},
			{"number and title", a, task, "number", "1", []string{"1", "9"}, false},
			{"empty: everything", a, task, "number", "", []string{"1", "2", "3", "5", "6", "7", "8", "9", "4"}, false},
			{"another user's titles", b, task, "number", "milk", []string{"1"}, false},
			{"another user's numbers", b, task, "number", "7", []string{}, false},
			{"tags by prefix", a, &mcp.CompleteReference{Type: "ref/prompt", Name: "plan_my_day"}, "tag", "ho", []string{"home", "homework"}, false},
			{"all tags", a, &mcp.CompleteReference{Type: "ref/prompt", Name: "capture"}, "tag", "", []string{"farm", "home", "homework", "work"}, false},
			{"own tags only", b, &mcp.CompleteReference{Type: "ref/prompt", Name: "weekly_review"}, "tag", "ho", []string{"hobby"}, false},
			{"no completion for text", a, &mcp.CompleteReference{Type: "ref/prompt", Name: "capture"}, "text", "b", []string{}, false},
			{"unknown prompt", a, &mcp.CompleteReference{Type: "ref/prompt", Name: "test_prompt_with_arguments"}, "arg1", "test", []string{}, false},
		}
		for _, tc := range tests {
			got, more := complete(t, tc.cs, tc.ref, tc.arg, tc.val)
			if diff := cmp.Diff(tc.want, got); diff != "" || more != tc.wantMore {
				t.Errorf("%s: values (-want +got):\n%s hasMore = %v", tc.name, diff, more)
			}
		}
	})
}

func TestCompletionsCapped(t *testing.T) {
	st := storetest.Open(t, "sqlite::memory:")
	cs := connect(t, st, Options{DefaultUser: "alice"})
	for i := range 25 {
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": fmt.Sprintf("Call %d", i)})
	}
	got, more := complete(t, cs, &mcp.CompleteReference{Type: "ref/resource", URI: "task://{number}"}, "number", "call")
	if len(got) != maxCompletions || !more || got[0] != "1" {
		t.Errorf("25 matches: %v (hasMore %v), want the first %d and hasMore", got, more, maxCompletions)
	}
}
