// Package httpopstest checks that a running HTTP server keeps the
// contract of package httpops: the probes' answers and the request log
// line. Each server's tests run one Contract, so both servers are held to
// the same assertions; Scrape reads /metrics. For tests only.
package httpopstest

import (
	"bufio"
	"bytes"
	"context"
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

// Contract checks one server. Build the server with Logger and Ready,
// then call Check.
type Contract struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	notReady error // what Ready answers
}

// Logger returns the logger to give the server: JSON lines at Debug and
// above, kept for Check.
func (c *Contract) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Write appends p to the log.
func (c *Contract) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// Ready is the readiness check to give the server; Check makes it fail
// and pass.
func (c *Contract) Ready(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.notReady
}

func (c *Contract) setReady(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notReady = err
}

// lines returns the log's records.
func (c *Contract) lines(t *testing.T) []map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(c.buf.Bytes()))
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

// secret is in the readiness error and must never reach a client.
const secret = "secret-db.internal:5432"

// Check asserts the contract of package httpops on the server at url
// (such as "http://127.0.0.1:1234"), built with c's Logger and Ready;
// extra names the attributes the server adds to the request log line.
func (c *Contract) Check(t *testing.T, url string, extra ...string) {
	t.Helper()
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
			c.setReady(errors.New("dial tcp " + secret + ": connection refused"))
		} else {
			c.setReady(nil)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+p.path, nil)
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
	c.setReady(nil)

	lines := c.lines(t)
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
		for _, k := range append([]string{"duration"}, extra...) {
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
