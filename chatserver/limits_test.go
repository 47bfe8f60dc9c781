package chatserver_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver"
)

// TestBadRequests: malformed, unknown, oversized and unsupported requests
// get a clear 4xx JSON error and store nothing.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{opts: func(o *chatserver.Options) {
		o.MaxBodyBytes = 4096
		o.MaxMessageChars = 100
	}})
	long := strings.Repeat("é", 101) // 101 characters, 202 bytes
	for _, tc := range []struct {
		name     string
		path     string
		body     any
		status   int
		code     string
		inReason string // part of the message
	}{
		{"not json", "/chatkit", "{", 400, "invalid_request", "JSON object"},
		{"array", "/chatkit", "[]", 400, "invalid_request", "JSON object"},
		{"empty body", "/chatkit", "", 400, "invalid_request", "JSON object"},
		{"no type", "/chatkit", `{"params":{}}`, 400, "invalid_request", "type"},
		{"unknown type", "/chatkit", req("threads.explode", map[string]any{}), 400, "invalid_request", "threads.explode"},
		{"no params", "/chatkit", `{"type":"threads.create"}`, 400, "invalid_request", "params"},
		{"no thread_id", "/chatkit", req("threads.add_user_message", map[string]any{"input": userInput("hi")}), 400, "invalid_request", "thread_id"},
		{"mistyped limit", "/chatkit", req("threads.list", map[string]any{"limit": "ten"}), 400, "invalid_request", "limit"},
		{"body too large", "/chatkit", createReq(strings.Repeat("x", 5000)), 413, "body_too_large", "4 KiB"},
		{"message too long", "/chatkit", createReq(long), 400, "message_too_long", "101 characters; the limit is 100"},
		{"attachments", "/chatkit", req("attachments.create", map[string]any{"name": "a.png", "size": 1, "mime_type": "image/png"}), 501, "not_supported", "attachments.create"},
		{"transcription", "/chatkit", req("input.transcribe", map[string]any{"audio_base64": "AA==", "mime_type": "audio/webm"}), 501, "not_supported", "input.transcribe"},
		{"rest not json", "/api/alice/chat", "nope", 400, "invalid_request", "JSON object"},
		{"rest no message", "/api/alice/chat", `{"conversation_id":""}`, 400, "invalid_request", "message"},
		{"rest blank message", "/api/alice/chat", `{"message":"   "}`, 400, "invalid_request", "message"},
		{"rest message too long", "/api/alice/chat", map[string]any{"message": long}, 400, "message_too_long", "limit is 100"},
		{"rest body too large", "/api/alice/chat", map[string]any{"message": strings.Repeat("x", 5000)}, 413, "body_too_large", ""},
		{"unknown route", "/nope", "{}", 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.postJSON("alice", tc.path, tc.body)
			msg, _ := body["error"].(map[string]any)["message"].(string)
			if status != tc.status || errorCode(body) != tc.code || !strings.Contains(msg, tc.inReason) {
				t.Errorf("got %d %v, want %d %s with a message containing %q", status, body, tc.status, tc.code, tc.inReason)
			}
		})
	}
	status, body := h.doJSON("alice", req("threads.list", map[string]any{}))
	if status != http.StatusOK || len(body["data"].([]any)) != 0 {
		t.Errorf("threads after bad requests: %v", body)
	}
	if n := len(h.tasks("alice")); n != 0 {
		t.Errorf("%d tasks after bad requests", n)
	}
	resp, err := http.Get(h.url + "/chatkit")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /chatkit: %d, want 405", resp.StatusCode)
	}
}

// TestAuth: with a verifier, requests without a valid bearer token get
// 401 with WWW-Authenticate; probes need none; the REST path's user must
// be the token's.
func TestAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true})
	list := strings.NewReader(`{"type":"threads.list","params":{}}`)
	for _, tc := range []struct {
		name, header, wantChallenge string
	}{
		{"no header", "", "Bearer"},
		{"basic", "Basic YWxpY2U6eA==", "Bearer"},
		{"empty bearer", "Bearer ", "Bearer"},
		{"bad token", "Bearer forged", `Bearer error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/chatkit", "/api/v1/chatkit", "/api/alice/chat"} {
				r, _ := http.NewRequest(http.MethodPost, h.url+path, list)
				if tc.header != "" {
					r.Header.Set("Authorization", tc.header)
				}
				resp, err := http.DefaultClient.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), `"unauthenticated"`) {
					t.Errorf("%s: %d %s, want 401 unauthenticated", path, resp.StatusCode, b)
				}
				if got := resp.Header.Get("WWW-Authenticate"); got != tc.wantChallenge {
					t.Errorf("%s: WWW-Authenticate %q, want %q", path, got, tc.wantChallenge)
				}
			}
		})
	}
	t.Run("rest user mismatch", func(t *testing.T) {
		status, body := h.postJSON("alice", "/api/bob/chat", map[string]any{"message": "/list"})
		if status != http.StatusForbidden || errorCode(body) != "forbidden" {
			t.Errorf("alice posting as bob: %d %v, want 403", status, body)
		}
	})
	t.Run("probes", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(h.url + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(b) != `{"status":"ok"}` {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
			}
		}
	})
}

// TestRateLimit: past the burst a user gets 429 with Retry-After; other
// users are not affected.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) {
		o.RateLimit = chatserver.RateLimit{PerMinute: 1, Burst: 2}
	}})
	list := req("threads.list", map[string]any{})
	for i := range 2 {
		if status, body := h.doJSON("alice", list); status != http.StatusOK {
			t.Fatalf("request %d: %d %v", i+1, status, body)
		}
	}
	resp := h.request(context.Background(), "alice", "/chatkit", list)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), `"rate_limited"`) {
		t.Errorf("third request: %d %s, want 429 rate_limited", resp.StatusCode, b)
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q, want 1..60 seconds", resp.Header.Get("Retry-After"))
	}
	if status, body := h.doJSON("bob", list); status != http.StatusOK {
		t.Errorf("bob limited by alice's requests: %d %v", status, body)
	}
}

// TestCORSAndOrigins: allowed origins get CORS answers (preflight
// included); a cross-origin browser POST from any other origin is
// refused, so a web page cannot act as the local user.
func TestCORSAndOrigins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true, noAuth: true, opts: func(o *chatserver.Options) {
		o.AllowedOrigins = []string{"https://app.example.com"}
	}})
	do := func(method, origin string) (int, http.Header, string) {
		r, _ := http.NewRequest(method, h.url+"/chatkit", strings.NewReader(`{"type":"threads.list","params":{}}`))
		r.Header.Set("Origin", origin)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		if method == http.MethodOptions {
			r.Header.Set("Access-Control-Request-Method", "POST")
			r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header, string(b)
	}

	status, header, _ := do(http.MethodOptions, "https://app.example.com")
	if status != http.StatusNoContent || header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight from an allowed origin: %d %v", status, header)
	}
	status, header, body := do(http.MethodPost, "https://app.example.com")
	if status != http.StatusOK || header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("POST from an allowed origin: %d %v %s", status, header, body)
	}
	_, header, _ = do(http.MethodOptions, "https://evil.example")
	if header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin allowed: %v", header)
	}
	status, _, body = do(http.MethodPost, "https://evil.example")
	if status != http.StatusForbidden || !strings.Contains(body, `"forbidden"`) {
		t.Errorf("POST from another origin: %d %s, want 403", status, body)
	}
}

// TestRequestID: the client's X-Request-Id is echoed, a missing or
// unusable one replaced.
func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true})
	for _, tc := range []struct{ in, want string }{
		{"abc-123", "abc-123"},
		{"", ""},
		{"bad id\twith tabs", ""},
	} {
		r, _ := http.NewRequest(http.MethodGet, h.url+"/healthz", nil)
		if tc.in != "" {
			r.Header.Set("X-Request-Id", tc.in)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		if tc.want != "" && got != tc.want || tc.want == "" && (got == "" || got == tc.in) {
			t.Errorf("X-Request-Id %q came back as %q", tc.in, got)
		}
	}
}

// TestReadyz: /readyz is 503 while the database is down.
func TestReadyz(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) {
		o.Ready = func(context.Context) error { return errors.New("connection refused to secret-host:5432") }
	}})
	resp, err := http.Get(h.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(b), "secret-host") {
		t.Errorf("readyz with the database down: %d %s, want 503 without details", resp.StatusCode, b)
	}
}

// panicVerifier panics, like a bug would.
type panicVerifier struct{}

func (panicVerifier) Verify(context.Context, string) (string, error) { panic("secret internals") }

// TestPanicIsJSON500: a panic answers a generic JSON 500 that reveals
// nothing, and the server keeps serving.
func TestPanicIsJSON500(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) { o.Verifier = panicVerifier{} }})
	status, body := h.postJSON("alice", "/chatkit", req("threads.list", map[string]any{}))
	if status != http.StatusInternalServerError || errorCode(body) != "internal" || strings.Contains(body["error"].(map[string]any)["message"].(string), "secret") {
		t.Errorf("after a panic: %d %v", status, body)
	}
	resp, err := http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after a panic: %d", resp.StatusCode)
	}
}
