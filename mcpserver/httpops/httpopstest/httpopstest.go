// Package httpopstest checks that a running HTTP server keeps the
// contract of package httpops: the probes' answers and the request log
// line. Each server's tests call Check once, so both servers are held to
// the same assertions. For tests only.
package httpopstest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/taskpilot/taskpilot/mcpserver/httpops"
)

// Log is a JSON slog log at Debug, safe for concurrent use. Build the
// server under test with Logger().
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a logger that writes JSON lines at Debug and above to l.
func (l *Log) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Write appends p to the log.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the log's records.
func (l *Log) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	return out
}

// Server is a running server under test.
type Server struct {
	// URL is its base URL, such as "http://127.0.0.1:1234".
	URL string
	// Log is what its logger (Log.Logger) writes to.
	Log *Log
	// SetReady makes its readiness check fail with err from now on, or
	// pass when err is nil.
	SetReady func(err error)
	// Extra names the attributes the server adds to the request log line
	// after the contract's own.
	Extra []string
}

// secret is in the readiness error and must never reach a client.
const secret = "secret-db.internal:5432"

// Check asserts the contract of package httpops on s.
func Check(t *testing.T, s Server) {
	t.Helper()
	s.SetReady(nil)
	probes := []struct {
		name, path, id string
		fail           bool
		wantStatus     int
		wantBody       string
		wantLevel      string
		wantRoute      string
	}{
		{"healthz", "/healthz", "contract-healthz", false, http.StatusOK, `{"status":"ok"}`, "DEBUG", "/healthz"},
		{"healthz while not ready", "/healthz", "contract-healthz-2", true, http.StatusOK, `{"status":"ok"}`, "DEBUG", "/healthz"},
		{"readyz", "/readyz", "contract-readyz", false, http.StatusOK, `{"status":"ok"}`, "DEBUG", "/readyz"},
		{"readyz not ready", "/readyz", "contract-readyz-503", true, http.StatusServiceUnavailable, `{"status":"unavailable"}`, "WARN", "/readyz"},
		{"unknown path", "/no-such-route", "contract-404", false, http.StatusNotFound, "", "INFO", ""},
	}
	bodies := map[string]int{}
	for _, p := range probes {
		if p.fail {
			s.SetReady(errors.New("dial tcp " + secret + ": connection refused"))
		} else {
			s.SetReady(nil)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+p.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(httpops.RequestIDHeader, p.id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies[p.id] = len(b)
		if resp.StatusCode != p.wantStatus || (p.wantBody != "" && string(b) != p.wantBody) {
			t.Errorf("%s: GET %s = %d %q, want %d %q", p.name, p.path, resp.StatusCode, b, p.wantStatus, p.wantBody)
		}
		if strings.Contains(string(b), "secret-db") {
			t.Errorf("%s: the answer names the cause: %s", p.name, b)
		}
		if got := resp.Header.Get(httpops.RequestIDHeader); got != p.id {
			t.Errorf("%s: X-Request-Id = %q, want the client's %q", p.name, got, p.id)
		}
		if p.wantBody == "" {
			continue
		}
		for h, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", p.name, h, got, want)
			}
		}
	}
	s.SetReady(nil)

	lines := s.Log.lines(t)
	for _, p := range probes {
		var line map[string]any
		for _, l := range lines {
			if l["msg"] == httpops.Message && l["request_id"] == p.id {
				if line != nil {
					t.Errorf("%s: two request log lines for one request", p.name)
				}
				line = l
			}
		}
		if line == nil {
			t.Errorf("%s: no %q line with request_id %s in the log:\n%s", p.name, httpops.Message, p.id, dump(lines))
			continue
		}
		want := map[string]any{
			"level": p.wantLevel, "method": "GET", "route": p.wantRoute,
			"status": float64(p.wantStatus), "bytes": float64(bodies[p.id]),
		}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("%s: log %s = %v, want %v in %v", p.name, k, line[k], v, line)
			}
		}
		for _, k := range append([]string{"duration"}, s.Extra...) {
			if _, ok := line[k]; !ok {
				t.Errorf("%s: log line has no %s: %v", p.name, k, line)
			}
		}
	}
	var notReady bool
	for _, l := range lines {
		cause, _ := l["err"].(string)
		if l["msg"] == "not ready" && l["level"] == "WARN" && strings.Contains(cause, secret) {
			notReady = true
		}
	}
	if !notReady {
		t.Errorf(`no WARN "not ready" line naming the cause in the log:\n%s`, dump(lines))
	}
}

// dump formats log records for a failure message.
func dump(lines []map[string]any) string {
	var b strings.Builder
	for _, l := range lines {
		j, _ := json.Marshal(l)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}
