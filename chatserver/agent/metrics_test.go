package agent_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
)

// recorder is an agent.Metrics that remembers what it was told.
type recorder struct {
	mu          sync.Mutex
	firstTokens []time.Duration
	toolCalls   []string // "tool outcome"
	modelErrors []string
	onToken     func() // called after a first token is observed, if set
}

func (r *recorder) ObserveFirstToken(d time.Duration) {
	r.mu.Lock()
	r.firstTokens = append(r.firstTokens, d)
	r.mu.Unlock()
	if r.onToken != nil {
		r.onToken()
	}
}

func (r *recorder) ToolCall(tool, outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.toolCalls = append(r.toolCalls, tool+" "+outcome)
}

func (r *recorder) ModelError(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.modelErrors = append(r.modelErrors, kind)
}

// TestMetrics: an operator watching the agent's metrics sees how fast the
// model starts answering, which tools ran with what outcome, and why model
// requests failed; a user giving up on a turn is not a model error.
func TestMetrics(t *testing.T) {
	t.Parallel()
	text := func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Text: []string{"Hello", " there"}} }
	calls := func(name, args string) func(fakemodel.Request) fakemodel.Reply {
		return afterTool(func(string) []fakemodel.Call { return []fakemodel.Call{{ID: "call_1", Name: name, Args: args}} }, "Done.")
	}
	status := func(code int) func(fakemodel.Request) fakemodel.Reply {
		return func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Status: code} }
	}
	hang := func(fakemodel.Request) fakemodel.Reply {
		return fakemodel.Reply{Text: []string{"Let me"}, HangText: true}
	}

	for _, tc := range []struct {
		name        string
		reply       func(fakemodel.Request) fakemodel.Reply // nil: no model
		message     string
		giveUp      bool // the user leaves once the first token arrived
		firstTokens int
		toolCalls   []string
		modelErrors []string
	}{
		{name: "text answer", reply: text, message: "hi", firstTokens: 1},
		{name: "tool then text", reply: calls("add_task", `{"title":"Buy milk"}`), message: "add milk",
			firstTokens: 1, toolCalls: []string{"add_task ok"}},
		{name: "tool error", reply: calls("complete_task", `{"task_id":99}`), message: "done 99",
			firstTokens: 1, toolCalls: []string{"complete_task error"}},
		{name: "made-up tool", reply: calls("launch_rockets", `{}`), message: "launch",
			firstTokens: 1, toolCalls: []string{"unknown error"}},
		{name: "slash command without a model", message: "/add Buy milk", toolCalls: []string{"add_task ok"}},
		{name: "model 503", reply: status(http.StatusServiceUnavailable), message: "hi", modelErrors: []string{agent.ModelErrorStatus5xx}},
		{name: "model 401", reply: status(http.StatusUnauthorized), message: "hi", modelErrors: []string{agent.ModelErrorStatus4xx}},
		{name: "model too slow", reply: hang, message: "hi", firstTokens: 1, modelErrors: []string{agent.ModelErrorTimeout}},
		{name: "user gives up", reply: hang, message: "hi", giveUp: true, firstTokens: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			o := envOptions{config: func(c *agent.Config) {
				c.Metrics = rec
				c.MaxRetries = -1
				if !tc.giveUp {
					c.RequestTimeout = 300 * time.Millisecond
				}
			}}
			if tc.reply != nil {
				o.model = fakemodel.New(t, tc.reply)
			}
			e := newEnv(t, o)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.giveUp {
				rec.onToken = cancel
			}
			start := time.Now()
			e.stream(t, ctx, newUser("alice"), createThread(tc.message))
			turn := time.Since(start)

			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.firstTokens) != tc.firstTokens {
				t.Errorf("time to first token observed %d times, want %d", len(rec.firstTokens), tc.firstTokens)
			}
			for _, d := range rec.firstTokens {
				if d <= 0 || d > turn {
					t.Errorf("time to first token %v, want more than 0 and at most the turn's %v", d, turn)
				}
			}
			if diff := cmp.Diff(tc.toolCalls, rec.toolCalls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("tool calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.modelErrors, rec.modelErrors, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("model errors (-want +got):\n%s", diff)
			}
		})
	}
}
