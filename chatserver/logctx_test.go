package chatserver_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
)

// lockedBuffer is a bytes.Buffer safe for the handler's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loggingResponder logs one line with the turn's context, as the agent
// does, and answers nothing.
type loggingResponder struct{ log *slog.Logger }

func (r loggingResponder) Respond(ctx context.Context, _ *chatkit.Turn, _ *chatkit.UserMessageItem) error {
	r.log.InfoContext(ctx, "responder ran")
	return nil
}

// TestRequestIDInEveryLogLine: a line logged deep inside a request, by a
// logger built on LogHandler, names the request's id, the same id the
// response carries.
func TestRequestIDInEveryLogLine(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	log := slog.New(chatserver.LogHandler(slog.NewTextHandler(&buf, nil)))
	kit := chatkit.New(memstore.New(), loggingResponder{log.With("component", "agent")}, chatkit.Options{Logger: log})
	srv := httptest.NewServer(chatserver.New(chatserver.Options{Kit: kit, Logger: log}))
	t.Cleanup(srv.Close)

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/chatkit", strings.NewReader(
		`{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-log-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = new(bytes.Buffer).ReadFrom(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "req-log-1" {
		t.Fatalf("X-Request-Id = %q, want the client's", got)
	}
	for _, msg := range []string{`msg="responder ran"`, `msg="http request"`} {
		var line string
		for l := range strings.SplitSeq(buf.String(), "\n") {
			if strings.Contains(l, msg) {
				line = l
			}
		}
		if !strings.Contains(line, "request_id=req-log-1") || strings.Count(line, "request_id=") != 1 {
			t.Errorf("log line %s: %q, want request_id=req-log-1 once", msg, line)
		}
	}
}
