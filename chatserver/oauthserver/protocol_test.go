package oauthserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

const redirect = "http://127.0.0.1:9999/callback"

// mcpCall calls a tool on /mcp with a bearer token and returns the HTTP
// status and the tool result (nil when the request was refused).
func (h *harness) mcpSession(t *testing.T, accessToken string) (*mcp.ClientSession, error) {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "bearer-client", Version: "1"}, nil)
	hc := &http.Client{Transport: bearer{accessToken}}
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: h.mcp, HTTPClient: hc}, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}

// mcpStatus is the status /mcp answers an initialize with tok.
func (h *harness) mcpStatus(t *testing.T, tok string) int {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	req, _ := http.NewRequest(http.MethodPost, h.mcp, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(resp)
	return resp.StatusCode
}

// TestStepByStepFlow walks the whole flow by hand: registration, sign-in
// redirect, consent, token, tools/call, refresh with rotation, reuse
// detection, revocation.
func TestStepByStepFlow(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st)
		// A loopback redirect registered without a port matches any port (RFC 8252 §7.3).
		clientID := h.register("http://127.0.0.1/callback")
		verifier, challenge := pkce()
		q := h.authQuery(clientID, redirect, challenge)

		// Not signed in: sent to the sign-in page, which comes back here.
		resp, err := h.browser("").Get(h.url + "/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		readAll(resp)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Path != "/signin" || !strings.HasPrefix(loc.Query().Get("next"), "/oauth/authorize?") {
			t.Fatalf("unauthenticated /oauth/authorize = %s to %q, want 302 to /signin?next=/oauth/authorize?...", resp.Status, loc)
		}

		// The consent page names the client and what it asks for.
		b := h.browser(h.alice)
		resp, _ = b.Get(h.url + "/oauth/authorize?" + q.Encode())
		page := readAll(resp)
		for _, want := range []string{"Test client", h.alice, "See your tasks", "Change your tasks", clientID} {
			if !strings.Contains(page, want) {
				t.Errorf("consent page lacks %q", want)
			}
		}

		code := h.code(b, q)
		tok := h.exchange(clientID, redirect, code, verifier)
		if tok.Status != http.StatusOK || tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("token = %+v, want access and refresh tokens", tok)
		}
		cs, err := h.mcpSession(t, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if r := callTool(t, cs, "add_task", map[string]any{"title": "by hand"}); r.IsError {
			t.Fatalf("add_task: %s", resultText(r))
		}

		// Refresh rotates: a new refresh token, the old one is spent.
		r1 := h.refresh(clientID, tok.RefreshToken)
		if r1.Status != http.StatusOK || r1.RefreshToken == "" || r1.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh = %+v, want a new refresh token", r1)
		}
		if h.mcpStatus(t, r1.AccessToken) != http.StatusOK {
			t.Fatal("refreshed access token refused by /mcp")
		}
		// Reuse of the spent token is refused and revokes the whole grant:
		// the newest refresh token stops working too.
		if again := h.refresh(clientID, tok.RefreshToken); again.Error != "invalid_grant" || again.AccessToken != "" {
			t.Fatalf("reused refresh token = %+v, want invalid_grant and nothing issued", again)
		}
		if after := h.refresh(clientID, r1.RefreshToken); after.Error != "invalid_grant" || after.AccessToken != "" {
			t.Fatalf("refresh after reuse = %+v, want invalid_grant (grant revoked)", after)
		}
		grants, _ := st.ListOAuthGrants(context.Background(), h.alice)
		if len(grants) != 1 || grants[0].RevokedAt == nil {
			t.Fatalf("grants after reuse = %+v, want the one grant revoked", grants)
		}
	})
}

// TestRevocation: RFC 7009 revocation of a refresh token ends the grant;
// revoking the grant (taskpilot user grants revoke) stops refreshes.
func TestRevocation(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st)
		clientID := h.register(redirect)
		b := h.browser(h.alice)
		grant := func() tokenResponse {
			v, c := pkce()
			tr := h.exchange(clientID, redirect, h.code(b, h.authQuery(clientID, redirect, c)), v)
			if tr.Status != http.StatusOK {
				t.Fatalf("token: %+v", tr)
			}
			return tr
		}

		t.Run("rfc 7009", func(t *testing.T) {
			tr := grant()
			resp, err := http.PostForm(h.url+"/oauth/revoke", url.Values{"token": {tr.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {clientID}})
			if err != nil {
				t.Fatal(err)
			}
			readAll(resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("revoke = %s, want 200", resp.Status)
			}
			if r := h.refresh(clientID, tr.RefreshToken); r.Error != "invalid_grant" || r.AccessToken != "" {
				t.Fatalf("refresh after revocation = %+v, want invalid_grant", r)
			}
		})
		t.Run("grant revoked by the operator", func(t *testing.T) {
			tr := grant()
			grants, _ := st.ListOAuthGrants(context.Background(), h.alice)
			if err := st.RevokeOAuthGrant(context.Background(), h.alice, grants[len(grants)-1].ID); err != nil {
				t.Fatal(err)
			}
			if r := h.refresh(clientID, tr.RefreshToken); r.Error != "invalid_grant" || r.AccessToken != "" {
				t.Fatalf("refresh after grant revoked = %+v, want invalid_grant", r)
			}
		})
	})
}

// TestReadOnlyGrant: a grant of the read scope lists and calls only the
// read tools.
func TestReadOnlyGrant(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t))
	clientID := h.register(redirect)
	v, c := pkce()
	q := h.authQuery(clientID, redirect, c)
	q.Set("scope", "read")
	b := h.browser(h.alice)
	resp, _ := b.Get(h.url + "/oauth/authorize?" + q.Encode())
	if page := readAll(resp); strings.Contains(page, "Change your tasks") || !strings.Contains(page, "See your tasks") {
		t.Fatalf("consent page for a read-only request should name reading only:\n%s", page)
	}
	tr := h.exchange(clientID, redirect, h.code(b, q), v)
	if tr.Scope != "read" {
		t.Fatalf("granted scope = %q, want read", tr.Scope)
	}
	cs, err := h.mcpSession(t, tr.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "find_task_by_name,list_tasks" {
		t.Fatalf("tools/list for a read-only grant = %v, want list_tasks and find_task_by_name", names)
	}
	if r := callTool(t, cs, "list_tasks", map[string]any{}); r.IsError {
		t.Fatalf("list_tasks: %s", resultText(r))
	}
	r := callTool(t, cs, "add_task", map[string]any{"title": "not allowed"})
	if !r.IsError || !strings.Contains(resultText(r), "insufficient_scope") {
		t.Fatalf("add_task with a read-only grant = %v %q, want an insufficient_scope error", r.IsError, resultText(r))
	}
	if page, _ := h.st.ListTasks(context.Background(), h.alice, models.TaskFilter{}); len(page.Tasks) != 0 {
		t.Fatalf("a read-only grant added a task: %+v", page.Tasks)
	}
}

// TestRefused: every bad request gets the error its RFC names, and no code
// or token.
func TestRefused(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t))
	clientID := h.register(redirect)
	b := h.browser(h.alice)

	// authorizeError GETs the authorization URL (signed in) and returns
	// the error sent to the client's redirect URI, or "page:<error>" when
	// the server refused to redirect at all.
	authorizeError := func(q url.Values) string {
		t.Helper()
		resp, err := b.Get(h.url + "/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(resp)
		if resp.StatusCode/100 != 3 {
			return "page:" + strings.SplitN(body, ":", 2)[0]
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc.Query().Get("code") != "" {
			t.Fatalf("a code was issued for %v", q)
		}
		if !strings.HasPrefix(loc.String(), redirect) {
			t.Fatalf("error redirect went to %s, not the registered redirect URI", loc)
		}
		return loc.Query().Get("error")
	}
	_, challenge := pkce()
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"missing pkce", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"plain pkce", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"pkce without method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"wrong audience", func(q url.Values) { q.Set("resource", "https://evil.example/mcp") }, "invalid_target"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "admin") }, "invalid_scope"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		// Open redirects: never sent to an unregistered URI.
		{"wrong redirect uri", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, "page:invalid_request"},
		{"redirect uri with another path", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:9999/callback/../evil") }, "page:invalid_request"},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, "page:invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := h.authQuery(clientID, redirect, challenge)
			tc.change(q)
			if got := authorizeError(q); got != tc.want {
				t.Fatalf("error = %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("code exchange", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			form func(url.Values)
			want string
		}{
			{"wrong verifier", func(f url.Values) { f.Set("code_verifier", strings.Repeat("a", 64)) }, "invalid_grant"},
			{"missing verifier", func(f url.Values) { f.Del("code_verifier") }, "invalid_grant"},
			{"wrong redirect uri", func(f url.Values) { f.Set("redirect_uri", "http://127.0.0.1:9999/other") }, "invalid_grant"},
			{"wrong audience", func(f url.Values) { f.Set("resource", "https://evil.example/mcp") }, "invalid_target"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v, c := pkce()
				code := h.code(b, h.authQuery(clientID, redirect, c))
				f := url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "redirect_uri": {redirect},
					"code": {code}, "code_verifier": {v}, "resource": {h.resource}}
				tc.form(f)
				if tr := h.tokenRequest(f); tr.Error != tc.want || tr.AccessToken != "" {
					t.Fatalf("token = %+v, want %s and nothing issued", tr, tc.want)
				}
			})
		}
	})

	t.Run("replayed code", func(t *testing.T) {
		v, c := pkce()
		code := h.code(b, h.authQuery(clientID, redirect, c))
		first := h.exchange(clientID, redirect, code, v)
		if first.Status != http.StatusOK {
			t.Fatalf("first exchange: %+v", first)
		}
		if again := h.exchange(clientID, redirect, code, v); again.Error != "invalid_grant" || again.AccessToken != "" {
			t.Fatalf("replayed code = %+v, want invalid_grant", again)
		}
		// A replayed code revokes what the code gave (RFC 6749 §4.1.2).
		if r := h.refresh(clientID, first.RefreshToken); r.Error != "invalid_grant" {
			t.Fatalf("refresh after the code was replayed = %+v, want invalid_grant", r)
		}
	})

	t.Run("denied consent", func(t *testing.T) {
		_, c := pkce()
		resp := h.consent(b, h.url+"/oauth/authorize?"+h.authQuery(clientID, redirect, c).Encode(), "deny")
		readAll(resp)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
			t.Fatalf("deny redirected to %s, want error=access_denied", loc)
		}
	})

	t.Run("forged consent", func(t *testing.T) {
		_, c := pkce()
		f := h.authQuery(clientID, redirect, c)
		f.Set("consent", "allow")
		f.Set("csrf", "forged")
		resp, _ := b.PostForm(h.url+"/oauth/authorize", f)
		readAll(resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("consent without the page's CSRF token = %s, want 403", resp.Status)
		}
	})

	t.Run("token for another audience", func(t *testing.T) {
		// A JWT signed by the server's own key, but for another resource.
		other := newHarness(t, storetest.OpenSQLite(t))
		v, c := pkce()
		otherClient := other.register(redirect)
		tr := other.exchange(otherClient, redirect, other.code(other.browser(other.alice), other.authQuery(otherClient, redirect, c)), v)
		if tr.AccessToken == "" {
			t.Fatalf("other token: %+v", tr)
		}
		if got := h.mcpStatus(t, tr.AccessToken); got != http.StatusUnauthorized {
			t.Fatalf("/mcp with a token of another server = %d, want 401", got)
		}
	})
}

// TestExpiredCode: a code older than its lifetime is refused.
func TestExpiredCode(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), func(c *oauthserver.Config) { c.CodeTTL = time.Second })
	clientID := h.register(redirect)
	v, c := pkce()
	code := h.code(h.browser(h.alice), h.authQuery(clientID, redirect, c))
	time.Sleep(2 * time.Second)
	if tr := h.exchange(clientID, redirect, code, v); tr.Error != "invalid_grant" || tr.AccessToken != "" {
		t.Fatalf("expired code = %+v, want invalid_grant", tr)
	}
}

// TestRegistrationRefused: RFC 7591 errors.
func TestRegistrationRefused(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t))
	for _, tc := range []struct {
		name, body, want string
	}{
		{"no redirect uris", `{"client_name":"x"}`, "invalid_redirect_uri"},
		{"plain http off loopback", `{"redirect_uris":["http://evil.example/cb"]}`, "invalid_redirect_uri"},
		{"fragment", `{"redirect_uris":["https://app.example/cb#x"]}`, "invalid_redirect_uri"},
		{"javascript scheme", `{"redirect_uris":["javascript:alert(1)"]}`, "invalid_redirect_uri"},
		{"confidential client", `{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, "invalid_client_metadata"},
		{"implicit grant", `{"redirect_uris":["https://app.example/cb"],"grant_types":["implicit"]}`, "invalid_client_metadata"},
		{"not json", `redirect_uris=x`, "invalid_client_metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(h.url+"/oauth/register", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Error    string `json:"error"`
				ClientID string `json:"client_id"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || out.Error != tc.want || out.ClientID != "" {
				t.Fatalf("register = %d %+v, want 400 %s", resp.StatusCode, out, tc.want)
			}
		})
	}
}
