// Package fakemodel is a fake OpenAI-compatible Chat Completions server for
// tests: it never calls a real model. Streaming requests are answered with
// real chat.completion.chunk SSE ("data: {...}" events, a finish reason,
// then "data: [DONE]") from a script; non-streaming ones (the agent's
// thread titles) with a fixed title. The faults the tests need are part of
// the script (Reply) or of the server (FailWith, CutNext, held replies):
// error statuses, streams cut cleanly or mid-chunk, hangs before or after
// the text, a held reply released by the test, finish reasons such as
// length or content_filter, and tool calls whose arguments arrive split
// across chunks.
//
// It imports only the standard library; it is meant for _test.go files.
package fakemodel

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Request is a Chat Completions request the fake received.
type Request struct {
	Model    string           `json:"model"`
	Stream   bool             `json:"stream"`
	Messages []map[string]any `json:"messages"`
	Tools    []map[string]any `json:"tools"`
	// Auth is the request's Authorization header.
	Auth string `json:"-"`
}

// Reply scripts one streamed answer. The zero Reply is an empty answer
// that finishes with "stop".
type Reply struct {
	Status   int      // not 0 or 200: answer this status and an error body
	Text     []string // text pieces, one chunk each
	Calls    []Call   // tool calls, after the text
	HangText bool     // after Text, hang until the request is cancelled (signals Held)
	Stall    bool     // after the first (role only) chunk, hang until the request is cancelled (signals Held)
	Finish   string   // the finish reason; "" means stop, or tool_calls with Calls
	Cut      Cut      // end the connection after Text and Calls, before the finish reason
	// HoldAt, if above 0, holds the reply before Text[HoldAt]: the model
	// signals Held and waits for Release (or the request's end, which
	// ends the reply there).
	HoldAt int
}

// Call is a scripted tool call. Its arguments are sent in three chunks
// after the one that names the call. An empty ID becomes "call_<n>", n the
// number of the request.
type Call struct{ ID, Name, Args string }

// Cut is how the connection ends a reply early; the zero value sends the
// whole reply.
type Cut int

const (
	// CutClean ends a body delimited by the connection's end (no
	// Content-Length, no chunked encoding): the client sees a clean end of
	// the stream, with no finish reason and no [DONE].
	CutClean Cut = iota + 1
	// CutBroken closes the connection in the middle of a chunked body:
	// the client sees an unexpected EOF.
	CutBroken
)

// Model is a running fake model.
type Model struct {
	srv    *httptest.Server
	script func(Request) Reply

	received atomic.Int64 // every request, of any kind
	status   atomic.Int64 // when not 0, every request fails with it
	cuts     atomic.Int64 // the next this many streamed replies are cut cleanly

	held    chan struct{} // a value for each reply that starts holding
	release chan struct{} // closed by Release
	once    sync.Once

	mu          sync.Mutex
	title       string
	titleStatus int
	requests    []Request // streaming requests, in arrival order
}

// New starts a fake model answering streaming requests with script (nil:
// the text "OK") and non-streaming ones with the title "Grocery run". It
// stops when the test ends, releasing held replies first.
func New(t testing.TB, script func(Request) Reply) *Model {
	t.Helper()
	m := &Model{
		script: script, title: "Grocery run", titleStatus: http.StatusOK,
		held: make(chan struct{}, 100), release: make(chan struct{}),
	}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(func() {
		m.Release()
		m.srv.Close()
	})
	return m
}

// URL is the base URL to configure (".../v1").
func (m *Model) URL() string { return m.srv.URL + "/v1" }

// Requests returns the streaming requests received so far.
func (m *Model) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

// Received returns how many requests of any kind arrived so far.
func (m *Model) Received() int { return int(m.received.Load()) }

// SetTitle sets the answer to non-streaming requests: a status and, for
// 200, the title.
func (m *Model) SetTitle(status int, title string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.titleStatus, m.title = status, title
}

// FailWith makes every request from now on fail with status and an error
// body, whatever the script says; 0 turns that off.
func (m *Model) FailWith(status int) { m.status.Store(int64(status)) }

// CutNext cuts the next n streamed replies cleanly (CutClean), whatever
// the script says.
func (m *Model) CutNext(n int) { m.cuts.Store(int64(n)) }

// Held receives a value each time a reply starts holding (Reply.HoldAt)
// or hanging (Reply.Stall, Reply.HangText); up to 100 are kept unread.
func (m *Model) Held() <-chan struct{} { return m.held }

// Release lets held replies, and all later ones, go on.
func (m *Model) Release() { m.once.Do(func() { close(m.release) }) }

// fail answers an error status the way the OpenAI API does.
func fail(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After-Ms", "1")
	w.WriteHeader(status)
	fmt.Fprint(w, `{"error":{"message":"scripted failure","type":"server_error"}}`)
}

func (m *Model) serve(w http.ResponseWriter, r *http.Request) {
	n := m.received.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	if code := m.status.Load(); code != 0 {
		fail(w, int(code))
		return
	}
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	req.Auth = r.Header.Get("Authorization")
	if !req.Stream {
		m.mu.Lock()
		status, title := m.titleStatus, m.title
		m.mu.Unlock()
		if status != http.StatusOK {
			fail(w, status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-%d","object":"chat.completion","created":1767225600,"model":%q,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":%q}}]}`, n, req.Model, title)
		return
	}
	m.mu.Lock()
	m.requests = append(m.requests, req)
	m.mu.Unlock()
	rep := Reply{Text: []string{"OK"}}
	if m.script != nil {
		rep = m.script(req)
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		fail(w, rep.Status)
		return
	}
	if m.cuts.Add(-1) >= 0 {
		rep.Cut = CutClean
	} else {
		m.cuts.Add(1)
	}
	m.stream(w, r, n, req, rep)
}

// stream writes rep as chat.completion.chunk events.
func (m *Model) stream(w http.ResponseWriter, r *http.Request, n int64, req Request, rep Reply) {
	var out io.Writer = w
	flush := w.(http.Flusher).Flush
	if rep.Cut == CutClean {
		// Answer by hand on the raw connection: the body ends where the
		// connection does.
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
		out, flush = rw, func() { _ = rw.Flush() }
	} else {
		w.Header().Set("Content-Type", "text/event-stream")
	}
	id := fmt.Sprintf("chatcmpl-%d", n)
	send := func(delta map[string]any, finish any) {
		b, _ := json.Marshal(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": 1767225600, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		fmt.Fprintf(out, "data: %s\n\n", b)
		flush()
	}
	send(map[string]any{"role": "assistant", "content": ""}, nil)
	if rep.Stall {
		m.hold(r, nil)
		return
	}
	for i, piece := range rep.Text {
		if rep.HoldAt > 0 && i == rep.HoldAt && !m.hold(r, m.release) {
			return
		}
		send(map[string]any{"content": piece}, nil)
	}
	if rep.HangText {
		m.hold(r, nil)
		return
	}
	for i, c := range rep.Calls {
		callID := c.ID
		if callID == "" {
			callID = fmt.Sprintf("call_%d", n)
		}
		send(map[string]any{"tool_calls": []any{map[string]any{
			"index": i, "id": callID, "type": "function", "function": map[string]any{"name": c.Name, "arguments": ""},
		}}}, nil)
		for _, piece := range thirds(c.Args) {
			send(map[string]any{"tool_calls": []any{map[string]any{
				"index": i, "function": map[string]any{"arguments": piece},
			}}}, nil)
		}
	}
	switch rep.Cut {
	case CutClean:
		return // the deferred Close ends the body
	case CutBroken:
		conn, _, err := http.NewResponseController(w).Hijack() // sends what was written, not the final chunk
		if err != nil {
			panic(err)
		}
		conn.Close()
		return
	}
	finish := rep.Finish
	switch {
	case finish != "":
	case len(rep.Calls) > 0:
		finish = "tool_calls"
	default:
		finish = "stop"
	}
	send(map[string]any{}, finish)
	fmt.Fprint(out, "data: [DONE]\n\n")
	flush()
}

// hold signals Held and waits for release (nil: forever) or the end of
// the request; it reports whether the reply goes on.
func (m *Model) hold(r *http.Request, release <-chan struct{}) bool {
	select {
	case m.held <- struct{}{}:
	default: // nobody is counting
	}
	select {
	case <-r.Context().Done():
		return false
	case <-release:
		return true
	}
}

// thirds splits s into three pieces (some possibly empty).
func thirds(s string) []string {
	n := len(s)
	return []string{s[:n/3], s[n/3 : 2*n/3], s[2*n/3:]}
}

// Last returns the newest message of the request, or nil.
func (r Request) Last() map[string]any {
	if len(r.Messages) == 0 {
		return nil
	}
	return r.Messages[len(r.Messages)-1]
}

// LastUserText returns the text of the newest user message.
func (r Request) LastUserText() string {
	for _, m := range slices.Backward(r.Messages) {
		if m["role"] == "user" {
			return Text(m)
		}
	}
	return ""
}

// ToolName returns the name of the tool call that the message m (a tool
// result) answers, or "".
func (r Request) ToolName(m map[string]any) string {
	for _, msg := range r.Messages {
		calls, _ := msg["tool_calls"].([]any)
		for _, c := range calls {
			call, _ := c.(map[string]any)
			if call["id"] == m["tool_call_id"] {
				fn, _ := call["function"].(map[string]any)
				name, _ := fn["name"].(string)
				return name
			}
		}
	}
	return ""
}

// Text returns the content of the message m as text: a string, or the
// text of its parts.
func Text(m map[string]any) string {
	switch c := m["content"].(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for _, p := range c {
			part, _ := p.(map[string]any)
			s, _ := part["text"].(string)
			b.WriteString(s)
		}
		return b.String()
	}
	return ""
}
