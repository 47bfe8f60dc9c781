package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// pageUser is a person signed in on the page: their cookie jar and the
// page's bearer token.
type pageUser struct {
	browser *http.Client // the session cookie; follows no redirect
	token   string       // from POST /auth/token
}

// signInPage signs name in on chatURL and gets the page's token.
func signInPage(t *testing.T, chatURL, name, password string) pageUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	resp, err := browser.Post(chatURL+"/auth/signin", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign in %s: %v %v", name, resp, err)
	}
	resp.Body.Close()
	resp, err = browser.Post(chatURL+"/auth/token", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.Token == "" {
		t.Fatalf("page token of %s: %s %v", name, resp.Status, err)
	}
	return pageUser{browser: browser, token: tok.Token}
}

// connectOAuth connects an MCP client named clientName to mcpURL with the
// go-sdk's OAuth support (dynamic registration, PKCE), consenting on the
// page as u (which must name the client); it returns the session and
// the tokens the client got.
func connectOAuth(t *testing.T, chatURL, mcpURL string, u pageUser, clientName string) (*mcp.ClientSession, *oauth2.Token) {
	t.Helper()
	var issued *oauth2.Token
	fetch := func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		resp, err := u.browser.Get(args.URL)
		if err != nil {
			return nil, err
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), clientName) {
			return nil, errors.New("consent page does not name the client: " + string(page))
		}
		form := url.Values{"consent": {"allow"}}
		for _, m := range hiddenField.FindAllStringSubmatch(string(page), -1) {
			form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		resp, err = u.browser.PostForm(chatURL+"/oauth/authorize", form)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			return nil, errors.New("consent answered " + resp.Status + " " + resp.Header.Get("Location"))
		}
		return &auth.AuthorizationResult{Code: loc.Query().Get("code"), State: loc.Query().Get("state")}, nil
	}
	oh, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: clientName, RedirectURIs: []string{"http://127.0.0.1:33419/callback"},
			GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none",
		}},
		RedirectURL:              "http://127.0.0.1:33419/callback",
		AuthorizationCodeFetcher: fetch,
		NewTokenSource: func(ctx context.Context, c *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
			issued = tok
			return c.TokenSource(ctx, tok), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "connector", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: mcpURL, OAuthHandler: oh}, nil)
	if err != nil {
		t.Fatalf("connect over OAuth: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs, issued
}

// grantJSON is one entry of GET /api/v1/grants.
type grantJSON struct {
	ID         string   `json:"id"`
	ClientID   string   `json:"client_id"`
	ClientName string   `json:"client_name"`
	Scopes     []string `json:"scopes"`
	CreatedAt  string   `json:"created_at"`
}

// do sends method path to chatURL with u's token (none if bearer is
// false) and the extra headers, and returns the status and body.
func (u pageUser) do(t *testing.T, method, rawURL string, bearer bool, hdr ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, rawURL, nil)
	if bearer {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := u.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// grants returns u's grants as the account page reads them.
func (u pageUser) grants(t *testing.T, chatURL string) []grantJSON {
	t.Helper()
	status, body := u.do(t, http.MethodGet, chatURL+"/api/v1/grants", true)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/grants: %d %s", status, body)
	}
	var out struct {
		Grants []grantJSON `json:"grants"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Grants == nil {
		t.Fatalf("GET /api/v1/grants: %v: %s", err, body)
	}
	return out.Grants
}

// TestServeGrantsPage: the grant an MCP client got by a real OAuth flow is
// on its user's account page (GET /api/v1/grants) and nobody else's; bob
// cannot revoke it (404, nothing changes), nor can a cross-site request
// or the session cookie without the page's token; alice can, and then the
// client's access token is refused by the MCP server and its refresh
// token by the token endpoint.
func TestServeGrantsPage(t *testing.T) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "tp.db") + "?locking_mode=normal"
	for _, name := range []string{"alice", "bob"} {
		if _, err := runUser(t, dbURL, name+" password\n", "add", name, "--password-stdin"); err != nil {
			t.Fatal(err)
		}
	}
	log, _ := background(t, nil, "serve", "--auth", "accounts", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", dbURL)
	chatURL := "http://" + logValue(t, log, "chat_addr")
	mcpURL := "http://" + logValue(t, log, "mcp_addr") + "/mcp"

	alice := signInPage(t, chatURL, "alice", "alice password")
	bob := signInPage(t, chatURL, "bob", "bob password")
	if status, body := alice.do(t, http.MethodGet, chatURL+"/account", false); status != http.StatusOK || !strings.Contains(body, "Connected applications") {
		t.Fatalf("GET /account: %d %s", status, body)
	}
	if gs := alice.grants(t, chatURL); len(gs) != 0 {
		t.Fatalf("alice's grants before any client: %+v", gs)
	}

	cs, issued := connectOAuth(t, chatURL, mcpURL, alice, "Grants page connector")
	gs := alice.grants(t, chatURL)
	if len(gs) != 1 || gs[0].ClientName != "Grants page connector" || gs[0].ClientID == "" || gs[0].CreatedAt == "" ||
		strings.Join(gs[0].Scopes, " ") != "read write" {
		t.Fatalf("alice's grants after connecting: %+v, want the connector's read write grant", gs)
	}
	id := gs[0].ID
	// The client's access token is for the MCP server only: the chat
	// server refuses it (it would chat, and manage grants, as alice).
	for _, path := range []string{"/api/v1/grants", "/api/v1/tasks"} {
		req, _ := http.NewRequest(http.MethodGet, chatURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+issued.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with the MCP client's access token = %s, want 401", path, resp.Status)
		}
	}
	if gs := bob.grants(t, chatURL); len(gs) != 0 {
		t.Errorf("bob sees grants: %+v", gs)
	}

	grantURL := chatURL + "/api/v1/grants/" + url.PathEscape(id)
	refusals := []struct {
		name   string
		who    pageUser
		bearer bool
		hdr    []string
		want   int
	}{
		{"bob's token", bob, true, nil, http.StatusNotFound},
		{"alice's session cookie without the page token", alice, false, nil, http.StatusUnauthorized},
		{"a cross-site request with alice's token", alice, true, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a request from another origin with alice's token", alice, true, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
	}
	for _, r := range refusals {
		if status, body := r.who.do(t, http.MethodDelete, grantURL, r.bearer, r.hdr...); status != r.want {
			t.Errorf("DELETE by %s: %d %s, want %d", r.name, status, body, r.want)
		}
	}
	// A cross-site page cannot get the page token with the cookie either.
	if status, _ := alice.do(t, http.MethodPost, chatURL+"/auth/token", false, "Sec-Fetch-Site", "cross-site"); status != http.StatusForbidden {
		t.Errorf("cross-site POST /auth/token: %d, want 403", status)
	}
	if status, _ := bob.do(t, http.MethodDelete, chatURL+"/api/v1/grants/no-such-grant", true); status != http.StatusNotFound {
		t.Errorf("DELETE an unknown grant: %d, want 404", status)
	}
	// Nothing changed: the grant is listed and the client still works.
	if gs := alice.grants(t, chatURL); len(gs) != 1 || gs[0].ID != id {
		t.Fatalf("alice's grants after the refused attempts: %+v", gs)
	}
	ctx := context.Background()
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add_task", Arguments: map[string]any{"title": "before revoking"}}); err != nil || res.IsError {
		t.Fatalf("add_task before revoking: %v %+v", err, res)
	}

	if status, body := alice.do(t, http.MethodDelete, grantURL, true); status != http.StatusNoContent {
		t.Fatalf("alice revokes: %d %s", status, body)
	}
	if gs := alice.grants(t, chatURL); len(gs) != 0 {
		t.Errorf("alice's grants after revoking: %+v", gs)
	}
	if out, err := runUser(t, dbURL, "", "grants", "alice"); err != nil || !strings.Contains(out, "revoked") {
		t.Errorf("user grants alice after revoking on the page: %q %v", out, err)
	}
	// The client's access token is refused at once (the MCP server checks
	// each token's grant), and its refresh token too.
	req, _ := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+issued.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/mcp with the revoked grant's access token = %s, want 401", resp.Status)
	}
	resp, err = http.PostForm(chatURL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}, "client_id": {gs[0].ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "invalid_grant") {
		t.Errorf("refresh with the revoked grant = %s %s, want 400 invalid_grant", resp.Status, body)
	}
}
