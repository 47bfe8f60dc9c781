package mcphttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestSessions: an initialize-based client gets a session on the replica
// it initialized with, and can open a server-to-client stream there; a
// session id this process does not hold (another replica's, or one from
// before a restart) is still served, on a temporary session.
func TestSessions(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	srv := httptest.NewServer(mcphttp.New(mcphttp.Options{
		Server: mcpserver.New(st, mcpserver.Options{DefaultUser: "local"}),
	}))
	t.Cleanup(srv.Close)

	post := func(session, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	init := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	id := init.Header.Get("Mcp-Session-Id")
	if init.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("initialize: status %d, Mcp-Session-Id %q; want 200 and a session", init.StatusCode, id)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/mcp", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", id)
	get, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusOK {
		t.Errorf("GET stream on own session: status %d, want 200", get.StatusCode)
	}

	list := post("someone-elses-session", `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`)
	if list.StatusCode != http.StatusOK {
		t.Errorf("tools/list with a foreign session id: status %d, want 200", list.StatusCode)
	}
}

// TestCloseSessionsEndsStreams: a client's GET stream lives as long as its
// session, so a graceful shutdown would wait for it; CloseSessions ends it.
func TestCloseSessionsEndsStreams(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	h := mcphttp.New(mcphttp.Options{Server: mcpserver.New(st, mcpserver.Options{DefaultUser: "local"})})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/mcp", strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	init, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	init.Body.Close()
	id := init.Header.Get("Mcp-Session-Id")

	get, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/mcp", nil)
	get.Header.Set("Accept", "text/event-stream")
	get.Header.Set("Mcp-Session-Id", id)
	get.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	stream, err := http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("GET stream: status %d", stream.StatusCode)
	}

	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stream.Body)
		close(ended)
	}()
	select {
	case <-ended:
		t.Fatal("the stream ended before CloseSessions")
	case <-time.After(100 * time.Millisecond):
	}
	h.CloseSessions()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream is still open 5s after CloseSessions")
	}
}
