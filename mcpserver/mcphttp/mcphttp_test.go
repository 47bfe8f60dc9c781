package mcphttp_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

const audience = "taskpilot-mcp"

var secret = []byte("0123456789abcdef0123456789abcdef")

// protocols are the MCP versions the client tests speak: the SDK default
// (2026-07-28, sessionless, server/discover) and the previous one, which
// starts with initialize.
var protocols = []string{"", "2025-11-25"}

// newUser returns a user ID no other test run uses.
func newUser(name string) string { return name + "-" + rand.Text()[:10] }

func mustVerifier(tb testing.TB) *token.Verifier {
	tb.Helper()
	v, err := token.NewVerifier(token.Config{Secret: secret, Audience: audience})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func mustMint(tb testing.TB, user string) string {
	tb.Helper()
	s, err := token.Mint(secret, user, audience, "", time.Hour, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// start serves mcphttp.New(opts) on loopback; a nil opts.Server becomes
// the task server on st.
func start(tb testing.TB, st *store.Store, opts mcphttp.Options) *httptest.Server {
	tb.Helper()
	if opts.Server == nil {
		opts.Server = mcpserver.New(st, mcpserver.Options{DefaultUser: "local"})
	}
	srv := httptest.NewServer(mcphttp.New(opts))
	tb.Cleanup(srv.Close)
	return srv
}

// bearer adds an Authorization header to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// connect opens an MCP client session to url (the /mcp endpoint) that
// sends tok as its bearer token (none if empty) through base.
func connect(tb testing.TB, url, tok, protocol string, base http.RoundTripper) *mcp.ClientSession {
	tb.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	rt := base
	if tok != "" {
		rt = bearer{tok, base}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint:   url,
		HTTPClient: &http.Client{Transport: rt},
		MaxRetries: -1,
	}, &mcp.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { _ = cs.Close() })
	return cs
}

// noArgs are empty tool arguments. (Nil arguments are sent as JSON null,
// which makes go-sdk v1.8.0 panic in jsonschema defaults for tools with
// default values.)
var noArgs = map[string]any{}

// call calls a tool, fails the test on any error, and returns the
// structured result decoded into a generic map.
func call(tb testing.TB, cs *mcp.ClientSession, tool string, args map[string]any) map[string]any {
	tb.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		tb.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		tb.Fatalf("%s: tool error: %v", tool, res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		tb.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// titles lists the task titles in a list_tasks result.
func titles(res map[string]any) []string {
	var out []string
	tasks, _ := res["tasks"].([]any)
	for _, t := range tasks {
		out = append(out, t.(map[string]any)["title"].(string))
	}
	return out
}

func TestToolsActAsTokenUser(t *testing.T) {
	t.Parallel()
	for db, url := range storetest.URLs(t) {
		for _, protocol := range protocols {
			t.Run(db+"/protocol="+protocol, func(t *testing.T) {
				t.Parallel()
				srv := start(t, storetest.Open(t, url), mcphttp.Options{Verifier: mustVerifier(t)})
				alice, bob := newUser("alice"), newUser("bob")
				as := connect(t, srv.URL+"/mcp", mustMint(t, alice), protocol, nil)
				bs := connect(t, srv.URL+"/mcp", mustMint(t, bob), protocol, nil)

				tools, err := as.ListTools(t.Context(), nil)
				if err != nil {
					t.Fatalf("tools/list: %v", err)
				}
				var names []string
				for _, tool := range tools.Tools {
					names = append(names, tool.Name)
				}
				slices.Sort(names)
				want := []string{"add_task", "complete_task", "delete_task", "find_task_by_name", "list_tasks", "update_task"}
				if diff := cmp.Diff(want, names); diff != "" {
					t.Errorf("tools (-want +got):\n%s", diff)
				}

				if got := call(t, as, "add_task", map[string]any{"title": "Buy milk"})["task_id"]; got != 1.0 {
					t.Errorf("alice's first task_id = %v, want 1", got)
				}
				if got := call(t, bs, "add_task", map[string]any{"title": "Walk the dog"})["task_id"]; got != 1.0 {
					t.Errorf("bob's first task_id = %v, want 1 (numbers are per user)", got)
				}
				if diff := cmp.Diff([]string{"Buy milk"}, titles(call(t, as, "list_tasks", noArgs))); diff != "" {
					t.Errorf("alice's tasks (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{"Walk the dog"}, titles(call(t, bs, "list_tasks", noArgs))); diff != "" {
					t.Errorf("bob's tasks (-want +got):\n%s", diff)
				}
				// Bob cannot touch alice's task: his task 1 is his own.
				call(t, bs, "complete_task", map[string]any{"task_id": 1})
				if got := call(t, as, "list_tasks", map[string]any{"status": "completed"})["tasks"]; len(got.([]any)) != 0 {
					t.Errorf("alice's completed tasks = %v, want none", got)
				}
			})
		}
	}
}

// TestTokenInfoReachesTools checks what the tool handlers see of the token
// with a server of our own: the subject, the scopes and the expiry.
func TestTokenInfoReachesTools(t *testing.T) {
	t.Parallel()
	server := mcp.NewServer(&mcp.Implementation{Name: "whoami", Version: "v0"}, nil)
	type who struct {
		User    string   `json:"user"`
		Scopes  []string `json:"scopes"`
		Expires int64    `json:"expires"`
	}
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, who, error) {
		if req.Extra == nil || req.Extra.TokenInfo == nil {
			return nil, who{}, errors.New("no token info")
		}
		ti := req.Extra.TokenInfo
		return nil, who{ti.UserID, ti.Scopes, ti.Expiration.Unix()}, nil
	})
	srv := start(t, nil, mcphttp.Options{Server: server, Verifier: mustVerifier(t)})
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "carol", "aud": audience, "exp": exp.Unix(), "scope": "tasks:read tasks:write",
	}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, protocol := range protocols {
		cs := connect(t, srv.URL+"/mcp", tok, protocol, nil)
		got := call(t, cs, "whoami", noArgs)
		want := map[string]any{"user": "carol", "scopes": []any{"tasks:read", "tasks:write"}, "expires": float64(exp.Unix())}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("protocol %q: whoami (-want +got):\n%s", protocol, diff)
		}
	}
}

// TestNoAuth: without a Verifier every caller is the default user, and the
// DNS-rebinding protection still guards loopback.
func TestNoAuth(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	srv := start(t, st, mcphttp.Options{})
	cs := connect(t, srv.URL+"/mcp", "", "", nil)
	call(t, cs, "add_task", map[string]any{"title": "Local task"})
	page, err := st.ListTasks(t.Context(), "local", models.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tasks) != 1 || page.Tasks[0].Title != "Local task" {
		t.Errorf("default user's tasks = %+v, want the one added", page.Tasks)
	}

	resp := post(t, srv.URL+"/mcp", map[string]string{"Host": "evil.example"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host evil.example: status %d, want 403", resp.StatusCode)
	}
	if got := get(t, srv.URL+"/.well-known/oauth-protected-resource").StatusCode; got != http.StatusNotFound {
		t.Errorf("metadata without auth: status %d, want 404", got)
	}
}

// TestDNSRebinding: on loopback, a foreign Host header is refused on every
// route with a JSON 403, even with an Origin that matches it (what a
// rebinding page sends); AllowedHosts lets a reverse proxy's name through.
func TestDNSRebinding(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	srv := start(t, st, mcphttp.Options{AllowedHosts: []string{"tasks.example.com"}, Metrics: mcphttp.NewMetrics(prometheus.NewRegistry())})
	port := strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	evil := map[string]string{"Host": "evil.example:" + port, "Origin": "http://evil.example:" + port, "Sec-Fetch-Site": "same-origin"}
	tests := []struct {
		name       string
		method     string
		path       string
		headers    map[string]string
		wantStatus int
	}{
		{"tools/list from a rebinding page", http.MethodPost, "/mcp", evil, http.StatusForbidden},
		{"healthz from a rebinding page", http.MethodGet, "/healthz", evil, http.StatusForbidden},
		{"metrics from a rebinding page", http.MethodGet, "/metrics", evil, http.StatusForbidden},
		{"unknown path from a rebinding page", http.MethodGet, "/nope", evil, http.StatusForbidden},
		{"allowed proxy host", http.MethodPost, "/mcp", map[string]string{"Host": "tasks.example.com"}, http.StatusOK},
		{"allowed proxy host in capitals with a port", http.MethodGet, "/healthz", map[string]string{"Host": "Tasks.Example.COM:8443"}, http.StatusOK},
		{"allowed proxy host with its Origin", http.MethodPost, "/mcp", map[string]string{"Host": "tasks.example.com", "Origin": "https://tasks.example.com", "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"loopback Host", http.MethodPost, "/mcp", map[string]string{"Host": "127.0.0.1:" + port}, http.StatusOK},
		{"localhost healthz", http.MethodGet, "/healthz", map[string]string{"Host": "localhost:" + port}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var resp *response
			if tt.method == http.MethodPost {
				resp = post(t, srv.URL+tt.path, tt.headers)
			} else {
				req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				req.Host = tt.headers["Host"]
				resp = do(t, req)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: status %d %q, want %d", tt.method, tt.path, resp.StatusCode, resp.body, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusForbidden {
				want := fmt.Sprintf(`{"error":{"code":"forbidden","message":"invalid Host header \"evil.example:%s\""}}`+"\n", port)
				if resp.body != want || resp.Header.Get("Content-Type") != "application/json" {
					t.Errorf("body %q (%s), want %q", resp.body, resp.Header.Get("Content-Type"), want)
				}
			}
		})
	}
	page, err := st.ListTasks(t.Context(), "local", models.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tasks) != 0 {
		t.Errorf("tasks %+v, want none", page.Tasks)
	}
}

// post sends a tools/list call to url with the given headers ("Host" sets
// the Host header) and returns the response with its body read.
func post(tb testing.TB, url string, headers map[string]string) *response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return do(tb, req)
}

func get(tb testing.TB, url string) *response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return do(tb, req)
}

// response is an http.Response with its body read.
type response struct {
	*http.Response
	body string
}

func do(tb testing.TB, req *http.Request) *response {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &response{resp, string(b)}
}

func TestRejects(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	srv := start(t, st, mcphttp.Options{
		Verifier:       mustVerifier(t),
		AllowedOrigins: []string{"https://chat.example.com", "not an origin"},
	})
	valid := "Bearer " + mustMint(t, "alice")
	sign := func(sub, aud string, exp time.Time, key []byte) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "aud": aud, "exp": exp.Unix()}).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "alice", "aud": audience, "exp": time.Now().Add(time.Hour).Unix()}).
		SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hour := time.Now().Add(time.Hour)
	challenge := `Bearer resource_metadata="` + srv.URL + `/.well-known/oauth-protected-resource/mcp"`

	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantBody   string // substring
	}{
		{"valid token", map[string]string{"Authorization": valid}, http.StatusOK, `"add_task"`},
		{"missing token", nil, http.StatusUnauthorized, "no bearer token"},
		{"not a bearer token", map[string]string{"Authorization": "Basic YWxpY2U6c2VjcmV0"}, http.StatusUnauthorized, "no bearer token"},
		{"expired", map[string]string{"Authorization": sign("alice", audience, time.Now().Add(-time.Minute), secret)}, http.StatusUnauthorized, "invalid token: expired"},
		{"wrong audience", map[string]string{"Authorization": sign("alice", "chat", hour, secret)}, http.StatusUnauthorized, "invalid token: wrong audience"},
		{"bad signature", map[string]string{"Authorization": sign("alice", audience, hour, []byte("fedcba9876543210fedcba9876543210"))}, http.StatusUnauthorized, "invalid token: bad signature"},
		{"missing sub", map[string]string{"Authorization": sign("", audience, hour, secret)}, http.StatusUnauthorized, "invalid token: missing sub"},
		{"alg none", map[string]string{"Authorization": "Bearer " + none}, http.StatusUnauthorized, `invalid token: unsupported alg "none"`},
		{"garbage", map[string]string{"Authorization": "Bearer xyz"}, http.StatusUnauthorized, "invalid token: malformed"},
		{"foreign Origin", map[string]string{"Authorization": valid, "Origin": "https://evil.example"}, http.StatusForbidden, "cross-origin request rejected"},
		{"foreign Origin without token", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, "cross-origin request rejected"},
		{"cross-site fetch", map[string]string{"Authorization": valid, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, "cross-origin request rejected"},
		{"allowed Origin", map[string]string{"Authorization": valid, "Origin": "https://chat.example.com"}, http.StatusOK, `"add_task"`},
		{"same Origin", map[string]string{"Authorization": valid, "Origin": srv.URL}, http.StatusOK, `"add_task"`},
		{"DNS rebinding: foreign Host on loopback", map[string]string{"Authorization": valid, "Host": "evil.example"}, http.StatusForbidden, "invalid Host header"},
		{"localhost Host", map[string]string{"Authorization": valid, "Host": "localhost"}, http.StatusOK, `"add_task"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := post(t, srv.URL+"/mcp", tt.headers)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(resp.body, tt.wantBody) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, resp.body, tt.wantStatus, tt.wantBody)
			}
			if got := resp.Header.Get("WWW-Authenticate"); tt.wantStatus == http.StatusUnauthorized && got != challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, challenge)
			}
		})
	}

	t.Run("GET is not offered", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/mcp", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", valid)
		req.Header.Set("Accept", "text/event-stream")
		if resp := do(t, req); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Errorf("GET /mcp: %d Allow=%q, want 405 Allow=POST", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}

// TestReplicas runs two handlers, each with its own MCP server and its own
// database handle on one database, and sends one client's calls to them
// alternately, as a load balancer might.
func TestReplicas(t *testing.T) {
	t.Parallel()
	for db, url := range storetest.URLs(t) {
		if db == "sqlite" {
			url += "?locking_mode=normal" // two replicas on one SQLite file share it
		}
		for _, protocol := range protocols {
			t.Run(db+"/protocol="+protocol, func(t *testing.T) {
				t.Parallel()
				var hits [2]atomic.Int64
				var urls [2]string
				v := mustVerifier(t)
				for i := range 2 {
					h := mcphttp.New(mcphttp.Options{Server: mcpserver.New(storetest.Open(t, url), mcpserver.Options{}), Verifier: v})
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.Method == http.MethodPost {
							hits[i].Add(1)
						}
						h.ServeHTTP(w, r)
					}))
					t.Cleanup(srv.Close)
					urls[i] = srv.URL
				}
				var n atomic.Int64
				alternate := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					r = r.Clone(r.Context())
					r.URL.Host = strings.TrimPrefix(urls[n.Add(1)%2], "http://")
					r.Host = r.URL.Host
					return http.DefaultTransport.RoundTrip(r)
				})
				user := newUser("dana")
				cs := connect(t, urls[0]+"/mcp", mustMint(t, user), protocol, alternate)
				var want []string
				for i := range 4 {
					title := "Task " + string(rune('A'+i))
					if got := call(t, cs, "add_task", map[string]any{"title": title})["task_id"]; got != float64(i+1) {
						t.Errorf("add %s: task_id %v, want %d", title, got, i+1)
					}
					want = append(want, title)
				}
				call(t, cs, "complete_task", map[string]any{"task_id": 2})
				res := call(t, cs, "list_tasks", noArgs)
				if diff := cmp.Diff(want, titles(res)); diff != "" {
					t.Errorf("tasks (-want +got):\n%s", diff)
				}
				if got := res["counts"].(map[string]any)["completed"]; got != 1.0 {
					t.Errorf("completed count = %v, want 1", got)
				}
				if hits[0].Load() < 3 || hits[1].Load() < 3 {
					t.Errorf("replica POSTs = %d and %d, want both to serve calls", hits[0].Load(), hits[1].Load())
				}
			})
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	closed, err := store.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "closed.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ready      func(context.Context) error
		path       string
		wantStatus int
		wantBody   string
	}{
		{"healthz", nil, "/healthz", http.StatusOK, `{"status":"ok"}`},
		{"healthz while the database is down", closed.Ping, "/healthz", http.StatusOK, `{"status":"ok"}`},
		{"readyz without a check", nil, "/readyz", http.StatusOK, `{"status":"ok"}`},
		{"readyz with the database up", st.Ping, "/readyz", http.StatusOK, `{"status":"ok"}`},
		{"readyz with the database closed", closed.Ping, "/readyz", http.StatusServiceUnavailable, `{"status":"unavailable"}`},
		{"readyz with a hanging check", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, "/readyz", http.StatusServiceUnavailable, `{"status":"unavailable"}`},
		{"unknown path", nil, "/nope", http.StatusNotFound, `{"error":{"code":"not_found","message":"no such endpoint: /nope"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t, st, mcphttp.Options{Ready: tt.ready, Verifier: mustVerifier(t)})
			began := time.Now()
			resp := get(t, srv.URL+tt.path)
			if resp.StatusCode != tt.wantStatus || strings.TrimSpace(resp.body) != tt.wantBody {
				t.Errorf("GET %s = %d %s, want %d %s", tt.path, resp.StatusCode, resp.body, tt.wantStatus, tt.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if d := time.Since(began); d > 3*time.Second {
				t.Errorf("GET %s took %v; readiness checks must time out after 2s", tt.path, d)
			}
		})
	}
}

func TestProtectedResourceMetadata(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	derived := start(t, st, mcphttp.Options{Verifier: mustVerifier(t)})
	public := start(t, st, mcphttp.Options{
		Verifier:             mustVerifier(t),
		ResourceURL:          "https://tasks.example.com/mcp",
		AuthorizationServers: []string{"https://auth.example.com"},
	})
	tests := []struct {
		name string
		srv  *httptest.Server
		path string
		want map[string]any
	}{
		{
			name: "resource from the request",
			srv:  derived,
			path: "/.well-known/oauth-protected-resource",
			want: map[string]any{"resource": derived.URL + "/mcp", "bearer_methods_supported": []any{"header"}, "resource_name": "TaskPilot"},
		},
		{
			name: "configured resource, path-suffixed",
			srv:  public,
			path: "/.well-known/oauth-protected-resource/mcp",
			want: map[string]any{
				"resource": "https://tasks.example.com/mcp", "authorization_servers": []any{"https://auth.example.com"},
				"bearer_methods_supported": []any{"header"}, "resource_name": "TaskPilot",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := get(t, tt.srv.URL+tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d %s", resp.StatusCode, resp.body)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(resp.body), &got); err != nil {
				t.Fatalf("body %q: %v", resp.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
		})
	}

	// The 401 challenge names the configured resource's metadata URL.
	resp := post(t, public.URL+"/mcp", nil)
	want := `Bearer resource_metadata="https://tasks.example.com/.well-known/oauth-protected-resource/mcp"`
	if got := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || got != want {
		t.Errorf("got %d WWW-Authenticate %q, want 401 %q", resp.StatusCode, got, want)
	}
}

// TestRequestLog checks that requests are logged (the line of package
// httpops) without the token.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := storetest.OpenSQLite(t)
	srv := start(t, st, mcphttp.Options{Verifier: mustVerifier(t), Logger: log})
	tok := mustMint(t, "alice")
	call(t, connect(t, srv.URL+"/mcp", tok, "", nil), "list_tasks", noArgs)
	expired, err := token.Mint(secret, "alice", audience, "", time.Minute, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	post(t, srv.URL+"/mcp", map[string]string{"Authorization": "Bearer " + expired})

	logs := buf.String()
	for _, want := range []string{
		`level=INFO msg="http request" component=mcphttp method=POST route=/mcp status=200`,
		`level=INFO msg="http request" component=mcphttp method=POST route=/mcp status=401`,
		`msg="token rejected" component=mcphttp reason="invalid token: expired"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, secretText := range []string{tok, expired, strings.Split(tok, ".")[2]} {
		if strings.Contains(logs, secretText) {
			t.Errorf("log contains a token:\n%s", logs)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAnswersAsJSON: a request is answered with one application/json
// response rather than an SSE stream (the tools send nothing before their
// result), which clients read with less work; both are valid Streamable
// HTTP.
func TestAnswersAsJSON(t *testing.T) {
	t.Parallel()
	srv := start(t, storetest.OpenSQLite(t), mcphttp.Options{})
	resp := post(t, srv.URL+"/mcp", map[string]string{"MCP-Protocol-Version": "2025-06-18"})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("tools/list: %d %s %q, want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"), resp.body)
	}
	var msg struct {
		Result struct {
			Tools []struct{ Name string } `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(resp.body), &msg); err != nil || len(msg.Result.Tools) == 0 {
		t.Errorf("body %q: %v, want a JSON-RPC result listing the tools", resp.body, err)
	}
}

// TestToolCallWire: a stateless tools/call, as the perf harness sends it,
// is answered with the text and the structured result as one JSON object
// (not a string holding JSON), whose times are RFC 3339 text in UTC.
func TestToolCallWire(t *testing.T) {
	t.Parallel()
	srv := start(t, storetest.OpenSQLite(t), mcphttp.Options{})
	for _, tc := range []struct {
		tool, args, wantText string
		check                func(t *testing.T, structured map[string]any)
	}{
		{"add_task", `{"title":"Buy milk"}`, "Added task 1: Buy milk", func(t *testing.T, s map[string]any) {
			task, _ := s["task"].(map[string]any)
			if s["task_id"] != 1.0 || s["status"] != "created" || task["title"] != "Buy milk" {
				t.Errorf("structured = %v", s)
			}
			checkTime(t, task["created_at"])
			checkTime(t, task["updated_at"])
		}},
		{"list_tasks", `{"limit":20}`, "1 task (1 pending, 0 completed):\n#1 [ ] Buy milk", func(t *testing.T, s map[string]any) {
			tasks, _ := s["tasks"].([]any)
			if len(tasks) != 1 {
				t.Fatalf("structured = %v, want one task", s)
			}
			task, _ := tasks[0].(map[string]any)
			checkTime(t, task["created_at"])
			if _, ok := task["completed_at"]; ok {
				t.Errorf("completed_at of a pending task: %v", task["completed_at"])
			}
		}},
	} {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tc.tool + `","arguments":` + tc.args + `}}`
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/mcp", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
		resp := do(t, req)
		var msg struct {
			Result struct {
				Content []struct {
					Type, Text string
				} `json:"content"`
				Structured map[string]any `json:"structuredContent"`
				IsError    bool           `json:"isError"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(resp.body), &msg); err != nil || resp.StatusCode != http.StatusOK || msg.Result.IsError {
			t.Fatalf("%s: %d %q: %v", tc.tool, resp.StatusCode, resp.body, err)
		}
		if len(msg.Result.Content) != 1 || msg.Result.Content[0].Type != "text" || msg.Result.Content[0].Text != tc.wantText {
			t.Errorf("%s: content = %+v, want the text %q", tc.tool, msg.Result.Content, tc.wantText)
		}
		tc.check(t, msg.Result.Structured)
	}
}

// checkTime fails t unless v is an RFC 3339 time in UTC.
func checkTime(t *testing.T, v any) {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") || time.Since(at) > time.Hour {
		t.Errorf("time %v: want a recent RFC 3339 time in UTC (%v)", v, err)
	}
}
