package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeOAuthCORS: an OAuth MCP client that runs in a browser tab on
// another origin (the MCP Inspector on http://localhost:6274) can discover,
// register, get tokens and call /mcp from its page: the OAuth endpoints that
// read no cookie answer CORS for any origin, and the MCP server for the
// origins in TASKPILOT_MCP_ALLOWED_ORIGINS. The sign-in and consent routes,
// which the session cookie authenticates, answer no CORS and still refuse
// cross-site POSTs; /mcp still refuses other origins and foreign Hosts.
func TestServeOAuthCORS(t *testing.T) {
	const page = "http://localhost:6274" // the Inspector's origin
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "tp.db") + "?locking_mode=normal"
	log, _ := background(t, map[string]string{"TASKPILOT_MCP_ALLOWED_ORIGINS": page},
		"serve", "--auth", "accounts", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", dbURL)
	chat := "http://" + logValue(t, log, "chat_addr")
	mcp := "http://" + logValue(t, log, "mcp_addr")

	type want struct {
		status int
		origin string // Access-Control-Allow-Origin; "" means none
	}
	preflight := func(method, headers string) map[string]string {
		return map[string]string{"Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}
	}
	tests := []struct {
		name, method, url, body string
		origin                  string
		headers                 map[string]string
		want                    want
		allowHeaders            string // must be in Access-Control-Allow-Headers
		exposeHeaders           string // must be in Access-Control-Expose-Headers
	}{
		// The authorization server's public endpoints: any origin.
		{name: "metadata preflight", method: http.MethodOptions, url: chat + "/.well-known/oauth-authorization-server", origin: page,
			headers: preflight("GET", "mcp-protocol-version"), want: want{http.StatusNoContent, "*"}, allowHeaders: "mcp-protocol-version"},
		{name: "metadata", method: http.MethodGet, url: chat + "/.well-known/oauth-authorization-server", origin: page,
			want: want{http.StatusOK, "*"}},
		{name: "metadata from any origin", method: http.MethodGet, url: chat + "/.well-known/oauth-authorization-server", origin: "https://anywhere.example",
			want: want{http.StatusOK, "*"}},
		{name: "registration preflight", method: http.MethodOptions, url: chat + "/oauth/register", origin: page,
			headers: preflight("POST", "content-type"), want: want{http.StatusNoContent, "*"}, allowHeaders: "content-type"},
		{name: "registration, cross-site", method: http.MethodPost, url: chat + "/oauth/register", origin: page,
			headers: map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
			body:    `{"client_name":"MCP Inspector","redirect_uris":["` + page + `/oauth/callback"],"token_endpoint_auth_method":"none"}`,
			want:    want{http.StatusCreated, "*"}},
		{name: "token preflight", method: http.MethodOptions, url: chat + "/oauth/token", origin: page,
			headers: preflight("POST", "content-type,mcp-protocol-version"), want: want{http.StatusNoContent, "*"}, allowHeaders: "content-type,mcp-protocol-version"},
		{name: "token, cross-site: answered, not refused", method: http.MethodPost, url: chat + "/oauth/token", origin: page,
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"},
			body:    "grant_type=authorization_code&code=nope&code_verifier=nope&client_id=nope&redirect_uri=" + page + "/oauth/callback",
			want:    want{http.StatusUnauthorized, "*"}}, // invalid_client: the answer is fosite's, readable by the page
		{name: "revocation, cross-site", method: http.MethodPost, url: chat + "/oauth/revoke", origin: page,
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"},
			body:    "token=nope&client_id=nope", want: want{http.StatusUnauthorized, "*"}},
		{name: "JWKS", method: http.MethodGet, url: chat + "/oauth/jwks.json", origin: page, want: want{http.StatusOK, "*"}},

		// What the session cookie authenticates: no CORS, cross-site POSTs refused.
		{name: "authorize: no CORS", method: http.MethodGet, url: chat + "/oauth/authorize?client_id=nope", origin: page, want: want{http.StatusUnauthorized, ""}},
		{name: "authorize preflight: no CORS", method: http.MethodOptions, url: chat + "/oauth/authorize", origin: page,
			headers: preflight("POST", "content-type"), want: want{http.StatusMethodNotAllowed, ""}},
		{name: "consent, cross-site: refused", method: http.MethodPost, url: chat + "/oauth/authorize", origin: page,
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"},
			body:    "consent=allow", want: want{http.StatusForbidden, ""}},
		{name: "consent from another origin: refused", method: http.MethodPost, url: chat + "/oauth/authorize", origin: "https://evil.example",
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:    "consent=allow", want: want{http.StatusForbidden, ""}},
		{name: "sign-in, cross-site: refused", method: http.MethodPost, url: chat + "/auth/signin", origin: page,
			headers: map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
			body:    `{"name":"alice","password":"x"}`, want: want{http.StatusForbidden, ""}},
		{name: "page token, cross-site: refused", method: http.MethodPost, url: chat + "/auth/token", origin: page,
			headers: map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
			body:    `{}`, want: want{http.StatusForbidden, ""}},
		{name: "foreign Host on the OAuth server: refused", method: http.MethodGet, url: chat + "/.well-known/oauth-authorization-server", origin: page,
			headers: map[string]string{"Host": "evil.example"}, want: want{http.StatusForbidden, ""}},

		// The MCP server: its metadata for any origin, /mcp for the allowed one.
		{name: "resource metadata preflight", method: http.MethodOptions, url: mcp + "/.well-known/oauth-protected-resource/mcp", origin: page,
			headers: preflight("GET", "mcp-protocol-version"), want: want{http.StatusNoContent, "*"}, allowHeaders: "mcp-protocol-version"},
		{name: "resource metadata", method: http.MethodGet, url: mcp + "/.well-known/oauth-protected-resource/mcp", origin: page,
			want: want{http.StatusOK, "*"}},
		{name: "other well-known paths: a readable 404", method: http.MethodGet, url: mcp + "/.well-known/oauth-authorization-server", origin: page,
			want: want{http.StatusNotFound, "*"}},
		{name: "/mcp preflight, allowed origin", method: http.MethodOptions, url: mcp + "/mcp", origin: page,
			headers: preflight("POST", "authorization,content-type,mcp-protocol-version,mcp-session-id"),
			want:    want{http.StatusNoContent, page}, allowHeaders: "authorization,content-type,mcp-protocol-version,mcp-session-id"},
		{name: "/mcp without a token, allowed origin: a readable challenge", method: http.MethodPost, url: mcp + "/mcp", origin: page,
			headers: map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
			body:    `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
			want:    want{http.StatusUnauthorized, page}, exposeHeaders: "WWW-Authenticate, Mcp-Session-Id"},
		{name: "/mcp preflight, another origin: no CORS", method: http.MethodOptions, url: mcp + "/mcp", origin: "https://evil.example",
			headers: preflight("POST", "authorization,content-type"), want: want{http.StatusNoContent, ""}},
		{name: "/mcp, another origin: refused", method: http.MethodPost, url: mcp + "/mcp", origin: "https://evil.example",
			headers: map[string]string{"Content-Type": "application/json"},
			body:    `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, want: want{http.StatusForbidden, ""}},
		{name: "/mcp, allowed origin on a foreign Host: refused (DNS rebinding)", method: http.MethodPost, url: mcp + "/mcp", origin: page,
			headers: map[string]string{"Content-Type": "application/json", "Host": "evil.example"},
			body:    `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, want: want{http.StatusForbidden, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", tt.origin)
			for k, v := range tt.headers {
				if k == "Host" {
					req.Host = v
					continue
				}
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != tt.want.status || h.Get("Access-Control-Allow-Origin") != tt.want.origin {
				t.Errorf("%s %s: %d with Access-Control-Allow-Origin %q, want %d with %q (body %s)",
					tt.method, tt.url, resp.StatusCode, h.Get("Access-Control-Allow-Origin"), tt.want.status, tt.want.origin, body)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials = %q: no route shares credentials", got)
			}
			if !strings.EqualFold(h.Get("Access-Control-Allow-Headers"), tt.allowHeaders) && tt.allowHeaders != "" {
				t.Errorf("Access-Control-Allow-Headers = %q, want %q", h.Get("Access-Control-Allow-Headers"), tt.allowHeaders)
			}
			for _, e := range strings.Split(tt.exposeHeaders, ", ") {
				if e != "" && !strings.Contains(strings.ToLower(h.Get("Access-Control-Expose-Headers")), strings.ToLower(e)) {
					t.Errorf("Access-Control-Expose-Headers = %q, want it to name %s", h.Get("Access-Control-Expose-Headers"), e)
				}
			}
		})
	}
}
