package web

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// get requests path from h and returns the response and its body.
func get(t *testing.T, h http.Handler, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

var configRE = regexp.MustCompile(`<script type="application/json" id="taskpilot-config">([^<]*)</script>`)

// pageConfigOf returns the config JSON a page carries.
func pageConfigOf(t *testing.T, body string) pageConfig {
	t.Helper()
	m := configRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no config block in page:\n%s", body)
	}
	var pc pageConfig
	if err := json.Unmarshal([]byte(m[1]), &pc); err != nil {
		t.Fatalf("config block is not JSON: %v\n%s", err, m[1])
	}
	return pc
}

func TestChatKitPageConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want pageConfig
	}{
		{
			name: "defaults: local single user",
			cfg:  Config{},
			want: pageConfig{ChatKitPath: "/chatkit", DomainKey: DefaultDomainKey, Auth: "none", Title: "TaskPilot", ChatKitScript: CDNScript, LitePath: "/lite"},
		},
		{
			name: "token auth and a registered domain key",
			cfg:  Config{ChatKitPath: "/api/v1/chatkit", DomainKey: "domain_pk_123", Auth: AuthToken, Title: "Team tasks"},
			want: pageConfig{ChatKitPath: "/api/v1/chatkit", DomainKey: "domain_pk_123", Auth: "token", Title: "Team tasks", ChatKitScript: CDNScript, LitePath: "/lite"},
		},
		{
			name: "dev login",
			cfg:  Config{Auth: AuthDev},
			want: pageConfig{ChatKitPath: "/chatkit", DomainKey: DefaultDomainKey, Auth: "dev", Title: "TaskPilot", ChatKitScript: CDNScript, LitePath: "/lite", DevLoginPath: "/auth/dev-login"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(tt.cfg)
			for _, path := range []string{"/", "/lite"} {
				res, body := get(t, h, path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: status %d", path, res.StatusCode)
				}
				if diff := cmp.Diff(tt.want, pageConfigOf(t, body)); diff != "" {
					t.Errorf("GET %s: config (-want +got):\n%s", path, diff)
				}
				if !strings.Contains(body, "<title>"+tt.want.Title+"</title>") {
					t.Errorf("GET %s: title %q missing", path, tt.want.Title)
				}
			}
		})
	}
}

// TestChatKitPageEscapesConfig puts markup into every configurable string:
// it must reach the page as data, never as markup.
func TestChatKitPageEscapesConfig(t *testing.T) {
	evil := `</script><script>alert(1)</script><!--`
	cfg := Config{DomainKey: evil, Title: evil + `"'&`, ChatKitPath: "/chat</script>kit"}
	for _, path := range []string{"/", "/lite"} {
		_, body := get(t, New(cfg), path)
		if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<!--\"") {
			t.Errorf("GET %s: markup from the config reached the page:\n%s", path, body)
		}
		pc := pageConfigOf(t, body)
		if pc.DomainKey != evil || pc.Title != evil+`"'&` || pc.ChatKitPath != cfg.ChatKitPath {
			t.Errorf("GET %s: config values changed on the way: %+v", path, pc)
		}
		if !strings.Contains(body, "<title>"+html.EscapeString(cfg.Title)+"</title>") {
			t.Errorf("GET %s: title not HTML-escaped", path)
		}
	}
}

func TestChatKitPageGolden(t *testing.T) {
	_, body := get(t, New(Config{DomainKey: "domain_pk_example", Auth: AuthToken}), "/")
	golden(t, "index.html", body)
}

func TestLitePageGolden(t *testing.T) {
	_, body := get(t, New(Config{Auth: AuthDev}), "/lite")
	golden(t, "lite.html", body)
}

// golden compares got with testdata/name, or rewrites testdata/name if
// UPDATE_GOLDEN is set (to any value, as in the other packages).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; UPDATE_GOLDEN=1 to accept):\n%s", path, diff)
	}
}

func TestChatKitPageLoadsCDNAndFallsBack(t *testing.T) {
	res, body := get(t, New(Config{}), "/")
	pc := pageConfigOf(t, body)
	if pc.ChatKitScript != "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js" {
		t.Errorf("ChatKit script %q", pc.ChatKitScript)
	}
	for _, want := range []string{
		`<script type="module" src="/lite/page.js"></script>`, // loads the CDN script, falls back
		`href="/lite"`, // a visible way out
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	_, js := get(t, New(Config{}), "/lite/page.js")
	for _, want := range []string{"addEventListener('error'", "customElements.get('openai-chatkit')", "location.replace(cfg.litePath", "setTimeout("} {
		if !strings.Contains(js, want) {
			t.Errorf("page.js lacks %s", want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' https://cdn.platform.openai.com", "frame-src https://cdn.platform.openai.com", "connect-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
}

func TestPageHeaders(t *testing.T) {
	tests := []struct {
		path       string
		cspHas     []string
		cspHasNot  []string
		wantStatus int
	}{
		{path: "/", cspHas: []string{"https://cdn.platform.openai.com"}, wantStatus: 200},
		{path: "/lite", cspHas: []string{"script-src 'self';", "style-src 'self';", "connect-src 'self';"}, cspHasNot: []string{"cdn.platform.openai.com", "unsafe-inline", "unsafe-eval", "https:"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, _ := get(t, New(Config{}), tt.path)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d", res.StatusCode)
			}
			want := map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"Cache-Control":          "no-cache",
				"X-Frame-Options":        "SAMEORIGIN",
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, s := range tt.cspHas {
				if !strings.Contains(csp, s) {
					t.Errorf("CSP %q lacks %q", csp, s)
				}
			}
			for _, s := range tt.cspHasNot {
				if strings.Contains(csp, s) {
					t.Errorf("CSP %q has %q", csp, s)
				}
			}
		})
	}
}

var (
	assetRefRE = regexp.MustCompile(`(?:src|href)="(/lite/[^"]+)"`)
	importRE   = regexp.MustCompile(`(?m)^import [^'"]*['"]\./([^'"]+)['"];`)
)

// TestAssetsServed follows every asset the pages reference, and every
// module those import, and checks that each is served with its type.
func TestAssetsServed(t *testing.T) {
	h := New(Config{})
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	seen := map[string]bool{}
	var queue []string
	for _, page := range []string{"/", "/lite"} {
		_, body := get(t, h, page)
		for _, m := range assetRefRE.FindAllStringSubmatch(body, -1) {
			queue = append(queue, m[1])
		}
	}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		res, body := get(t, h, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
			continue
		}
		if got, want := res.Header.Get("Content-Type"), types[filepath.Ext(path)]; got != want {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, want)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: headers %v", path, res.Header)
		}
		for _, m := range importRE.FindAllStringSubmatch(body, -1) {
			queue = append(queue, "/lite/"+m[1])
		}
	}
	for _, want := range []string{"/lite/app.js", "/lite/page.js", "/lite/dom.js", "/lite/state.js", "/lite/model.js", "/lite/threads.js", "/lite/transcript.js", "/lite/stream.js", "/lite/composer.js", "/lite/notify.js", "/lite/widgets.js", "/lite/markdown.js", "/lite/sse.js", "/lite/api.js", "/lite/auth.js", "/lite/icons.js", "/lite/lite.css", "/lite/common.css", "/lite/page.css", "/lite/icon.svg"} {
		if !seen[want] {
			t.Errorf("%s is not referenced by the pages or their modules", want)
		}
	}
}

func TestAssetRevalidation(t *testing.T) {
	h := New(Config{})
	res, _ := get(t, h, "/lite/app.js")
	etag := res.Header.Get("ETag")
	res, body := get(t, h, "/lite/app.js", "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: status %d, %d bytes; want 304 and no body", res.StatusCode, len(body))
	}
}

func TestUnknownPathsAreNotFound(t *testing.T) {
	h := New(Config{})
	for _, path := range []string{"/lite/nope.js", "/lite/web.go", "/lite/..%2fweb.go", "/lite/templates", "/lite/package.json", "/favicon.ico", "/static/app.js", "/lite/app.js/x"} {
		res, _ := get(t, h, path)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	res, _ := get(t, h, "/lite/")
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/lite" {
		t.Errorf("GET /lite/: %d to %q, want 301 to /lite", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestNewPanicsOnBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Auth: "jwt"},
		{ChatKitPath: "https://evil.example/chatkit"},
		{ChatKitPath: "//evil.example/chatkit"},
		{ChatKitPath: "chatkit"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", cfg)
				}
			}()
			New(cfg)
		}()
	}
}

// post sends a dev-login request.
func post(t *testing.T, h http.Handler, contentType, body string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/auth/dev-login", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(b)
}

func TestDevLogin(t *testing.T) {
	var minted []string
	mint := func(user string) (string, error) {
		minted = append(minted, user)
		if user == "broken" {
			return "", errors.New("secret missing")
		}
		return "token-for-" + user, nil
	}
	h := New(Config{Auth: AuthDev, DevLogin: mint})
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantBody    string // JSON
		wantMinted  bool
	}{
		{"valid name", "application/json", `{"user":"alice"}`, 200, `{"token":"token-for-alice"}`, true},
		{"all allowed characters", "application/json; charset=utf-8", `{"user":"A.b_c-9"}`, 200, `{"token":"token-for-A.b_c-9"}`, true},
		{"64 characters", "application/json", `{"user":"` + strings.Repeat("a", 64) + `"}`, 200, `{"token":"token-for-` + strings.Repeat("a", 64) + `"}`, true},
		{"65 characters", "application/json", `{"user":"` + strings.Repeat("a", 65) + `"}`, 400, `{"error":{"code":"invalid_user","message":"user must be 1 to 64 letters, digits, '.', '_' or '-'"}}`, false},
		{"empty name", "application/json", `{"user":""}`, 400, `{"error":{"code":"invalid_user","message":"user must be 1 to 64 letters, digits, '.', '_' or '-'"}}`, false},
		{"space", "application/json", `{"user":"al ice"}`, 400, `{"error":{"code":"invalid_user","message":"user must be 1 to 64 letters, digits, '.', '_' or '-'"}}`, false},
		{"slash", "application/json", `{"user":"../admin"}`, 400, `{"error":{"code":"invalid_user","message":"user must be 1 to 64 letters, digits, '.', '_' or '-'"}}`, false},
		{"not ASCII", "application/json", `{"user":"bjørn"}`, 400, `{"error":{"code":"invalid_user","message":"user must be 1 to 64 letters, digits, '.', '_' or '-'"}}`, false},
		{"missing user", "application/json", `{}`, 400, `{"error":{"code":"invalid_user","message":"user must be 1 to 64 letters, digits, '.', '_' or '-'"}}`, false},
		{"user not a string", "application/json", `{"user":7}`, 400, `{"error":{"code":"invalid_request","message":"the body must be {\"user\": \"<name>\"}"}}`, false},
		{"unknown field", "application/json", `{"user":"alice","admin":true}`, 400, `{"error":{"code":"invalid_request","message":"the body must be {\"user\": \"<name>\"}"}}`, false},
		{"two objects", "application/json", `{"user":"alice"}{"user":"bob"}`, 400, `{"error":{"code":"invalid_request","message":"the body must be {\"user\": \"<name>\"}"}}`, false},
		{"not JSON", "application/json", `user=alice`, 400, `{"error":{"code":"invalid_request","message":"the body must be {\"user\": \"<name>\"}"}}`, false},
		{"form post (cross-site without preflight)", "application/x-www-form-urlencoded", `user=alice`, 415, `{"error":{"code":"invalid_request","message":"the body must be application/json"}}`, false},
		{"text/plain", "text/plain", `{"user":"alice"}`, 415, `{"error":{"code":"invalid_request","message":"the body must be application/json"}}`, false},
		{"no content type", "", `{"user":"alice"}`, 415, `{"error":{"code":"invalid_request","message":"the body must be application/json"}}`, false},
		{"huge body", "application/json", `{"user":"` + strings.Repeat("a", 2000) + `"}`, 413, `{"error":{"code":"body_too_large","message":"the body is larger than 1 KiB"}}`, false},
		{"minting fails", "application/json", `{"user":"broken"}`, 500, `{"error":{"code":"internal","message":"could not mint a token"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			minted = nil
			res, body := post(t, h, tt.contentType, tt.body)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", res.StatusCode, tt.wantStatus, body)
			}
			var got, want any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body is not JSON: %q", body)
			}
			if err := json.Unmarshal([]byte(tt.wantBody), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if (len(minted) > 0) != tt.wantMinted {
				t.Errorf("minted for %v, want minted: %v", minted, tt.wantMinted)
			}
			if res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("headers %v", res.Header)
			}
		})
	}
}

func TestDevLoginOnlyWhenConfigured(t *testing.T) {
	res, _ := post(t, New(Config{Auth: AuthDev}), "application/json", `{"user":"alice"}`)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("without DevLogin: status %d, want 404", res.StatusCode)
	}
	h := New(Config{Auth: AuthDev, DevLogin: func(string) (string, error) { return "t", nil }})
	res, _ = get(t, h, "/auth/dev-login")
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", res.StatusCode)
	}
}

// TestRoutes: Routes lists exactly what the handler serves, for the chat
// server to mount one by one: the pages and their files for GET and HEAD,
// and the dev login only when configured.
func TestRoutes(t *testing.T) {
	pages := []Route{
		{"GET", "/"}, {"HEAD", "/"},
		{"GET", "/lite"}, {"HEAD", "/lite"},
		{"GET", "/lite/"}, {"HEAD", "/lite/"},
		{"GET", "/lite/{file}"}, {"HEAD", "/lite/{file}"},
	}
	mint := func(string) (string, error) { return "t", nil }
	tests := []struct {
		name string
		cfg  Config
		want []Route
	}{
		{"no dev login", Config{}, pages},
		{"dev login", Config{Auth: AuthDev, DevLogin: mint}, append(slices.Clone(pages), Route{"POST", "/auth/dev-login"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(tt.cfg)
			got := h.Routes()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("routes (-want +got):\n%s", diff)
			}
			for _, rt := range got {
				path := strings.ReplaceAll(rt.Path, "{file}", "app.js")
				req := httptest.NewRequest(rt.Method, path, strings.NewReader(`{"user":"alice"}`))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 400 {
					t.Errorf("%s %s: status %d", rt.Method, path, rec.Code)
				}
			}
		})
	}
}

// TestSignInPage checks the sign-in page of accounts mode: served with the
// lite page's strict CSP (nothing inline: no script but the config block,
// no style attribute), its forms labelled, its errors announced, its
// assets served; and absent in the other modes.
func TestSignInPage(t *testing.T) {
	h := New(Config{Auth: AuthAccounts, Title: "Family tasks"})
	res, body := get(t, h, "/signin")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /signin: status %d", res.StatusCode)
	}
	if got := res.Header.Get("Content-Security-Policy"); got != liteCSP {
		t.Errorf("CSP %q, want the lite page's %q", got, liteCSP)
	}
	for k, v := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-cache",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if pc := pageConfigOf(t, body); pc.Auth != AuthAccounts || pc.Title != "Family tasks" {
		t.Errorf("config %+v", pc)
	}
	for _, want := range []string{
		`<title>Sign in · Family tasks</title>`,
		`<label for="signin-name">Name</label>`, `<label for="signin-password">Password</label>`,
		`autocomplete="current-password"`, `autocomplete="new-password"`,
		`id="signin-error" role="alert" aria-live="assertive"`, `id="signup-error" role="alert" aria-live="assertive"`,
		`<script type="module" src="/lite/signin.js"></script>`,
		`method="post"`, // a form sent without the script never puts the password into the URL
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(body, "<script"); n != 2 {
		t.Errorf("%d <script> elements, want the config block and the module", n)
	}
	for _, bad := range []string{"<style", " style=", " onclick=", " onsubmit=", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page has inline %q, which its CSP refuses", bad)
		}
	}
	for _, m := range assetRefRE.FindAllStringSubmatch(body, -1) {
		if res, _ := get(t, h, m[1]); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", m[1], res.StatusCode)
		}
	}
	for _, path := range []string{"/lite/signin.js", "/lite/session.js", "/lite/signin.css"} {
		if res, _ := get(t, h, path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
	}
	golden(t, "signin.html", body)

	for _, auth := range []string{AuthNone, AuthToken, AuthDev} {
		if res, _ := get(t, New(Config{Auth: auth}), "/signin"); res.StatusCode != http.StatusNotFound {
			t.Errorf("auth %s: GET /signin: status %d, want 404", auth, res.StatusCode)
		}
	}
}

// TestAccountsPages checks that both pages say they sign in with accounts
// and link to the account page, which the other modes neither link to
// nor serve.
func TestAccountsPages(t *testing.T) {
	h := New(Config{Auth: AuthAccounts})
	for _, path := range []string{"/", "/lite"} {
		res, body := get(t, h, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
		if pc := pageConfigOf(t, body); pc.Auth != AuthAccounts || pc.DevLoginPath != "" {
			t.Errorf("GET %s: config %+v", path, pc)
		}
		if !strings.Contains(body, `href="/account">Account</a>`) {
			t.Errorf("GET %s: no link to the account page", path)
		}
	}
	for _, auth := range []string{AuthNone, AuthToken, AuthDev} {
		h := New(Config{Auth: auth})
		for _, path := range []string{"/", "/lite"} {
			if _, body := get(t, h, path); strings.Contains(body, `href="/account"`) {
				t.Errorf("auth %s: GET %s links to the account page", auth, path)
			}
		}
		if res, _ := get(t, h, "/account"); res.StatusCode != http.StatusNotFound {
			t.Errorf("auth %s: GET /account: status %d, want 404", auth, res.StatusCode)
		}
	}
}

// TestAccountPage checks the account page of accounts mode: the lite
// page's strict CSP and nothing inline, its list and notices announced,
// its revoke confirmation a labelled dialog, its assets served.
func TestAccountPage(t *testing.T) {
	h := New(Config{Auth: AuthAccounts, Title: "Family tasks"})
	res, body := get(t, h, "/account")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account: status %d", res.StatusCode)
	}
	if got := res.Header.Get("Content-Security-Policy"); got != liteCSP {
		t.Errorf("CSP %q, want the lite page's %q", got, liteCSP)
	}
	if got := res.Header.Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options %q", got)
	}
	for _, want := range []string{
		`<title>Your account · Family tasks</title>`,
		`<h1>Your account</h1>`,
		`id="notice" role="status"`,
		`<ul class="grants" id="grants" aria-labelledby="grants-title"`,
		`<dialog id="revoke-dialog" aria-labelledby="revoke-title" aria-describedby="revoke-text">`,
		`<script type="module" src="/lite/account.js"></script>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(body, "<script"); n != 2 {
		t.Errorf("%d <script> elements, want the config block and the module", n)
	}
	for _, bad := range []string{"<style", " style=", " onclick=", " onsubmit=", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page has inline %q, which its CSP refuses", bad)
		}
	}
	for _, m := range assetRefRE.FindAllStringSubmatch(body, -1) {
		if res, _ := get(t, h, m[1]); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", m[1], res.StatusCode)
		}
	}
	for _, path := range []string{"/lite/grants.js", "/lite/auth.js", "/lite/dom.js"} {
		if res, _ := get(t, h, path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
	}
	golden(t, "account.html", body)
}
