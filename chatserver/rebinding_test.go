package chatserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/web"
)

// answer is a response with its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

// sendRaw sends method path to the server at base with the given headers
// ("Host" sets the Host header) and body ("" sends none), and returns the
// answer. Redirects are not followed.
func sendRaw(t *testing.T, base, method, path string, headers map[string]string, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// short cuts s to a length that reads well in a failure.
func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// portOf returns the port of a base URL such as http://127.0.0.1:1234.
func portOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// rebinding is what a page on evil.example sends to the server on
// 127.0.0.1:port once its name resolves to 127.0.0.1: its own name as
// Host and Origin, and the browser calls that same-origin.
func rebinding(port string) map[string]string {
	return map[string]string{
		"Host":           "evil.example:" + port,
		"Origin":         "http://evil.example:" + port,
		"Sec-Fetch-Site": "same-origin",
	}
}

// sameOrigin is what the real page on 127.0.0.1:port sends.
func sameOrigin(port string) map[string]string {
	return map[string]string{
		"Host":           "127.0.0.1:" + port,
		"Origin":         "http://127.0.0.1:" + port,
		"Sec-Fetch-Site": "same-origin",
	}
}

// minter records the users a dev login minted tokens for.
type minter struct {
	mu    sync.Mutex
	users []string
}

func (m *minter) mint(user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users = append(m.users, user)
	return "token-" + user, nil
}

func (m *minter) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users
	m.users = nil
	return u
}

// TestDNSRebinding attacks the chat server on loopback the way a page that
// rebinds its name to 127.0.0.1 would (issue 7, items 1 and 2): with auth
// off, the make-run default, and with dev login on. Every route refuses it
// with a JSON 403 and nothing changes: no task is added, no thread is
// listed, no page is served, no token is minted. The same requests from
// the real origin still work.
func TestDNSRebinding(t *testing.T) {
	local := newHarness(t, config{noAuth: true, noModel: true, opts: func(o *chatserver.Options) {
		o.Web = web.New(web.Config{Auth: web.AuthNone})
		o.Metrics = chatserver.NewMetrics(prometheus.NewRegistry())
	}})
	seed := local.stream("", createReq("/add groceries"))
	thread := threadID(t, seed)

	var minted minter
	dev := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) {
		o.Web = web.New(web.Config{Auth: web.AuthDev, DevLogin: minted.mint})
	}})

	localPort, devPort := portOf(t, local.url), portOf(t, dev.url)
	threadsList := `{"type":"threads.list","params":{"limit":20,"order":"desc"}}`
	tests := []struct {
		name    string
		dev     bool // against the dev-login server, else the local one
		method  string
		path    string
		body    string
		rebind  bool // the rebinding page's headers, else the real page's
		status  int
		contain string // in the body when status is not 403
	}{
		{"REST /add", false, http.MethodPost, "/api/local/chat", `{"message":"/add pwned"}`, true, http.StatusForbidden, ""},
		{"ChatKit threads.list", false, http.MethodPost, "/chatkit", threadsList, true, http.StatusForbidden, ""},
		{"ChatKit threads.list under /api/v1", false, http.MethodPost, "/api/v1/chatkit", threadsList, true, http.StatusForbidden, ""},
		{"ChatKit preflight", false, http.MethodOptions, "/chatkit", "", true, http.StatusForbidden, ""},
		{"ChatKit page", false, http.MethodGet, "/", "", true, http.StatusForbidden, ""},
		{"ChatKit page, HEAD", false, http.MethodHead, "/", "", true, http.StatusForbidden, ""},
		{"lite page", false, http.MethodGet, "/lite", "", true, http.StatusForbidden, ""},
		{"lite page with a slash", false, http.MethodGet, "/lite/", "", true, http.StatusForbidden, ""},
		{"lite script", false, http.MethodGet, "/lite/api.js", "", true, http.StatusForbidden, ""},
		{"unknown lite file", false, http.MethodGet, "/lite/nope.js", "", true, http.StatusForbidden, ""},
		{"unknown path", false, http.MethodGet, "/favicon.ico", "", true, http.StatusForbidden, ""},
		{"trailing slash", false, http.MethodGet, "/healthz/", "", true, http.StatusForbidden, ""},
		{"ChatKit with a trailing slash", false, http.MethodPost, "/chatkit/", threadsList, true, http.StatusForbidden, ""},
		{"healthz", false, http.MethodGet, "/healthz", "", true, http.StatusForbidden, ""},
		{"readyz", false, http.MethodGet, "/readyz", "", true, http.StatusForbidden, ""},
		{"metrics", false, http.MethodGet, "/metrics", "", true, http.StatusForbidden, ""},
		{"dev login", true, http.MethodPost, "/auth/dev-login", `{"user":"victim"}`, true, http.StatusForbidden, ""},
		{"ChatKit page with dev login", true, http.MethodGet, "/", "", true, http.StatusForbidden, ""},

		{"real page: threads.list", false, http.MethodPost, "/chatkit", threadsList, false, http.StatusOK, thread},
		{"real page: ChatKit page", false, http.MethodGet, "/", "", false, http.StatusOK, `id="taskpilot-config"`},
		{"real page: lite page", false, http.MethodGet, "/lite", "", false, http.StatusOK, `id="taskpilot-config"`},
		{"real page: lite script", false, http.MethodGet, "/lite/api.js", "", false, http.StatusOK, "fetch"},
		{"real page: healthz", false, http.MethodGet, "/healthz", "", false, http.StatusOK, "ok"},
		{"real page: metrics", false, http.MethodGet, "/metrics", "", false, http.StatusOK, "taskpilot_chat_requests_total"},
		{"real page: dev login", true, http.MethodPost, "/auth/dev-login", `{"user":"carol"}`, false, http.StatusOK, `"token-carol"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, port := local.url, localPort
			if tt.dev {
				base, port = dev.url, devPort
			}
			headers := sameOrigin(port)
			if tt.rebind {
				headers = rebinding(port)
			}
			got := sendRaw(t, base, tt.method, tt.path, headers, tt.body)
			if got.status != tt.status {
				t.Fatalf("%s %s: status %d %s, want %d", tt.method, tt.path, got.status, short(got.body), tt.status)
			}
			if tt.status != http.StatusForbidden {
				if !strings.Contains(got.body, tt.contain) {
					t.Errorf("body lacks %q:\n%s", tt.contain, got.body)
				}
				return
			}
			want := fmt.Sprintf(`{"error":{"code":"forbidden","message":"invalid Host header \"evil.example:%s\""}}`, port)
			if tt.method == http.MethodHead {
				want = ""
			}
			if got.body != want || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
				t.Errorf("answer %q (%s), want %q", got.body, got.header.Get("Content-Type"), want)
			}
		})
	}

	if tasks := local.tasks("local"); len(tasks) != 1 || tasks[0].Title != "groceries" {
		t.Errorf("tasks %+v, want only groceries", tasks)
	}
	if users := minted.take(); len(users) != 1 || users[0] != "carol" {
		t.Errorf("minted for %q, want only carol (the real page)", users)
	}
}

// TestCrossSiteDevLogin: a page on another site (its Origin or the
// browser's Sec-Fetch-Site says so) cannot trade a name for a token, even
// with the right Host.
func TestCrossSiteDevLogin(t *testing.T) {
	var minted minter
	h := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) {
		o.Web = web.New(web.Config{Auth: web.AuthDev, DevLogin: minted.mint})
	}})
	port := portOf(t, h.url)
	host := "127.0.0.1:" + port
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"cross-site fetch", map[string]string{"Host": host, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site fetch from another port", map[string]string{"Host": host, "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin, no Sec-Fetch-Site", map[string]string{"Host": host, "Origin": "http://evil.example"}, http.StatusForbidden},
		{"same origin", map[string]string{"Host": host, "Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"not a browser", map[string]string{"Host": host}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sendRaw(t, h.url, http.MethodPost, "/auth/dev-login", tt.headers, `{"user":"victim"}`)
			users := minted.take()
			if got.status != tt.status {
				t.Fatalf("status %d %s, want %d", got.status, got.body, tt.status)
			}
			if tt.status == http.StatusForbidden {
				want := `{"error":{"code":"forbidden","message":"cross-origin request from an origin that is not allowed"}}`
				if got.body != want || len(users) != 0 {
					t.Errorf("answer %q, minted for %q; want %q and no token", got.body, users, want)
				}
				return
			}
			if len(users) != 1 || !strings.Contains(got.body, `"token-victim"`) {
				t.Errorf("answer %q, minted for %q; want a token for victim", got.body, users)
			}
		})
	}
}

// TestAllowedHosts: a reverse proxy on the same machine that forwards its
// own name (proxy_set_header Host $host) is served when that name is in
// AllowedHosts; a rebinding page still is not.
func TestAllowedHosts(t *testing.T) {
	h := newHarness(t, config{noAuth: true, noModel: true, opts: func(o *chatserver.Options) {
		o.Web = web.New(web.Config{})
		o.AllowedHosts = []string{"tasks.example.com"}
	}})
	proxied := map[string]string{"Host": "tasks.example.com", "Origin": "https://tasks.example.com", "Sec-Fetch-Site": "same-origin"}
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		headers map[string]string
		status  int
	}{
		{"proxy: REST /add", http.MethodPost, "/api/local/chat", `{"message":"/add via the proxy"}`, proxied, http.StatusOK},
		{"proxy: ChatKit page", http.MethodGet, "/", "", proxied, http.StatusOK},
		{"proxy: lite page", http.MethodGet, "/lite", "", proxied, http.StatusOK},
		{"proxy name in capitals, with a port", http.MethodGet, "/healthz", "", map[string]string{"Host": "TASKS.example.com:8443"}, http.StatusOK},
		{"rebinding page", http.MethodPost, "/api/local/chat", `{"message":"/add pwned"}`, rebinding(portOf(t, h.url)), http.StatusForbidden},
		{"a neighbour of the proxy name", http.MethodGet, "/", "", map[string]string{"Host": "example.com"}, http.StatusForbidden},
		{"proxy name with a foreign Origin", http.MethodPost, "/api/local/chat", `{"message":"/add pwned"}`,
			map[string]string{"Host": "tasks.example.com", "Origin": "https://evil.example"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sendRaw(t, h.url, tt.method, tt.path, tt.headers, tt.body)
			if got.status != tt.status {
				t.Fatalf("%s %s: status %d %s, want %d", tt.method, tt.path, got.status, short(got.body), tt.status)
			}
		})
	}
	if tasks := h.tasks("local"); len(tasks) != 1 || tasks[0].Title != "via the proxy" {
		t.Errorf("tasks %+v, want only the one added through the proxy", tasks)
	}
}

// TestPageRoutes: the pages are routes of their own, with the API's JSON
// errors everywhere else, and answer as before: HEAD, the /lite/ redirect,
// unknown files.
func TestPageRoutes(t *testing.T) {
	h := newHarness(t, config{noAuth: true, noModel: true, opts: func(o *chatserver.Options) {
		o.Web = web.New(web.Config{})
	}})
	tests := []struct {
		method   string
		path     string
		status   int
		wantType string // Content-Type prefix
	}{
		{http.MethodGet, "/", http.StatusOK, "text/html"},
		{http.MethodHead, "/", http.StatusOK, "text/html"},
		{http.MethodGet, "/lite", http.StatusOK, "text/html"},
		{http.MethodHead, "/lite", http.StatusOK, "text/html"},
		{http.MethodGet, "/lite/app.js", http.StatusOK, "text/javascript"},
		{http.MethodGet, "/lite/lite.css", http.StatusOK, "text/css"},
		{http.MethodGet, "/lite/icon.svg", http.StatusOK, "image/svg+xml"},
		{http.MethodGet, "/lite/", http.StatusMovedPermanently, ""},
		{http.MethodGet, "/lite/nope.js", http.StatusNotFound, "text/plain"},
		{http.MethodGet, "/favicon.ico", http.StatusNotFound, "application/json"},
		{http.MethodGet, "/lite/app.js/x", http.StatusNotFound, "application/json"},
		{http.MethodPost, "/auth/dev-login", http.StatusNotFound, "application/json"}, // no dev login configured
		{http.MethodPost, "/", http.StatusMethodNotAllowed, "application/json"},
		{http.MethodGet, "/healthz/", http.StatusNotFound, "application/json"},
		{http.MethodPost, "/chatkit/", http.StatusNotFound, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			got := sendRaw(t, h.url, tt.method, tt.path, nil, "")
			if got.status != tt.status || !strings.HasPrefix(got.header.Get("Content-Type"), tt.wantType) {
				t.Fatalf("status %d %q (%s), want %d %s", got.status, got.body, got.header.Get("Content-Type"), tt.status, tt.wantType)
			}
			if tt.status == http.StatusMovedPermanently && got.header.Get("Location") != "/lite" {
				t.Errorf("Location %q, want /lite", got.header.Get("Location"))
			}
			if got.header.Get("X-Request-Id") == "" {
				t.Errorf("no X-Request-Id")
			}
			if strings.HasPrefix(tt.wantType, "application/json") {
				var e struct{ Error struct{ Code string } }
				if err := json.Unmarshal([]byte(got.body), &e); err != nil || e.Error.Code == "" {
					t.Errorf("body %q is not a JSON error", got.body)
				}
			}
		})
	}
}
