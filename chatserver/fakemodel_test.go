package chatserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeModel is an OpenAI-compatible Chat Completions endpoint that
// streams real chat.completion.chunk SSE with scripted text and tool
// calls, with no latency.
type fakeModel struct {
	srv      *httptest.Server
	requests atomic.Int64
	status   atomic.Int64  // when non-zero, every request fails with it
	cuts     atomic.Int64  // the next this many replies end early: the connection closes before the finish reason
	release  chan struct{} // closed to let held replies finish
	held     chan struct{} // receives a value when a reply starts holding
	once     sync.Once
}

// modelMessage is a message of a Chat Completions request.
type modelMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []struct {
		ID       string `json:"id"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
}

// text returns the message's content as text: a string, or the text of
// its parts.
func (m modelMessage) text() string {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(m.Content, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// reply is what the fake model answers: text deltas, or one tool call.
type reply struct {
	deltas   []string
	tool     string
	args     string
	holdFrom int // with hold: deltas from this index wait for release
	hold     bool
}

func newFakeModel(t testing.TB) *fakeModel {
	m := &fakeModel{release: make(chan struct{}), held: make(chan struct{}, 100)}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(func() {
		m.unhold()
		m.srv.Close()
	})
	return m
}

// baseURL is the endpoint for agent.Config.BaseURL.
func (m *fakeModel) baseURL() string { return m.srv.URL + "/v1/" }

// unhold lets held replies finish.
func (m *fakeModel) unhold() { m.once.Do(func() { close(m.release) }) }

// script decides the reply from the conversation so far:
//
//	last message from a tool       -> "Done! I ran <tool>."
//	"add <title>"                  -> add_task {"title": <title>}
//	"show my tasks"                -> list_tasks {}
//	"call <tool> <json>"           -> <tool> with the JSON arguments
//	"what day is it"               -> the system prompt's "Dates:" line
//	"slow"                         -> "Let me think" then, once released,
//	                                  " about it." (held in between)
//	anything else                  -> "You said: <text>"
func script(msgs []modelMessage) reply {
	last := msgs[len(msgs)-1]
	if last.Role == "tool" {
		name := "a tool"
		for _, m := range msgs {
			for _, c := range m.ToolCalls {
				if c.ID == last.ToolCallID {
					name = c.Function.Name
				}
			}
		}
		return reply{deltas: []string{"Done! ", "I ran " + name + "."}}
	}
	text := strings.TrimSpace(last.text())
	lower := strings.ToLower(text)
	switch {
	case strings.HasPrefix(lower, "call "):
		name, args, _ := strings.Cut(text[5:], " ")
		return reply{tool: name, args: args}
	case lower == "what day is it":
		for _, m := range msgs {
			if m.Role != "system" {
				continue
			}
			for line := range strings.Lines(m.text()) {
				if strings.HasPrefix(line, "Dates:") {
					return reply{deltas: []string{strings.TrimSpace(line)}}
				}
			}
		}
		return reply{deltas: []string{"no dates"}}
	case strings.HasPrefix(lower, "add "):
		args, _ := json.Marshal(map[string]string{"title": text[4:]})
		return reply{tool: "add_task", args: string(args)}
	case lower == "show my tasks":
		return reply{tool: "list_tasks", args: "{}"}
	case lower == "slow":
		return reply{deltas: []string{"Let me think", " about it."}, hold: true, holdFrom: 1}
	}
	return reply{deltas: []string{"You said: ", text}}
}

func (m *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	n := m.requests.Add(1)
	if !strings.HasSuffix(r.URL.Path, "/chat/completions") || r.Method != http.MethodPost {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	if code := m.status.Load(); code != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(code))
		fmt.Fprint(w, `{"error":{"message":"the fake model is down","type":"server_error"}}`)
		return
	}
	var req struct {
		Messages []modelMessage `json:"messages"`
		Stream   bool           `json:"stream"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 || !req.Stream {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	rep := script(req.Messages)
	var out io.Writer = w
	flush := w.(http.Flusher).Flush
	cut := m.cuts.Add(-1) >= 0
	if !cut {
		m.cuts.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
	} else {
		// A body that ends with the connection, which closes after the
		// scripted chunks, before the finish reason and [DONE].
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
		out, flush = rw, func() { _ = rw.Flush() }
	}
	id := fmt.Sprintf("chatcmpl-%d", n)
	chunk := func(delta map[string]any, finish any) {
		if cut && finish != nil {
			return
		}
		b, _ := json.Marshal(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": 1767225600, "model": "fake-model",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		fmt.Fprintf(out, "data: %s\n\n", b)
		flush()
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	if rep.tool != "" {
		chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": 0, "id": fmt.Sprintf("call_%d", n), "type": "function",
			"function": map[string]any{"name": rep.tool, "arguments": ""},
		}}}, nil)
		chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": 0, "function": map[string]any{"arguments": rep.args},
		}}}, nil)
		chunk(map[string]any{}, "tool_calls")
	} else {
		for i, d := range rep.deltas {
			if rep.hold && i == rep.holdFrom {
				m.held <- struct{}{}
				select {
				case <-r.Context().Done():
					return
				case <-m.release:
				}
			}
			chunk(map[string]any{"content": d}, nil)
		}
		chunk(map[string]any{}, "stop")
	}
	if !cut {
		fmt.Fprint(out, "data: [DONE]\n\n")
		flush()
	}
}
