package main

import (
	"bytes"
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// TestServeOAuth: `taskpilot serve --auth accounts` is an OAuth
// authorization server for MCP clients. The go-sdk's own OAuth client
// finds it from the MCP server's RFC 9728 metadata, registers, gets alice's
// consent through the sign-in session and adds a task as alice; `taskpilot
// user grants` lists the grant, and after `user grants revoke` the
// client's tokens stop working.
func TestServeOAuth(t *testing.T) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "tp.db") + "?locking_mode=normal"
	if _, err := runUser(t, dbURL, "correct horse battery\n", "add", "alice", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	log, _ := background(t, nil, "serve", "--auth", "accounts", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", dbURL)
	chatURL := "http://" + logValue(t, log, "chat_addr")
	mcpURL := "http://" + logValue(t, log, "mcp_addr") + "/mcp"

	// The RFC 9728 metadata names the chat server as the authorization server.
	prm, err := oauthex.GetProtectedResourceMetadata(context.Background(), strings.Replace(mcpURL, "/mcp", "/.well-known/oauth-protected-resource/mcp", 1), mcpURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != chatURL {
		t.Fatalf("authorization_servers = %v, want [%s]", prm.AuthorizationServers, chatURL)
	}

	// alice signs in on the page.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Post(chatURL+"/auth/signin", "application/json", strings.NewReader(`{"name":"alice","password":"correct horse battery"}`))
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("sign in: %v %v", resp, err)
	}
	resp.Body.Close()

	var issued *oauth2.Token // the tokens the client got
	fetch := func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		resp, err := browser.Get(args.URL)
		if err != nil {
			return nil, err
		}
		var page bytes.Buffer
		_, _ = page.ReadFrom(resp.Body)
		resp.Body.Close()
		if !strings.Contains(page.String(), "Claude-like connector") {
			return nil, errors.New("consent page does not name the client: " + page.String())
		}
		form := url.Values{"consent": {"allow"}}
		for _, m := range hiddenField.FindAllStringSubmatch(page.String(), -1) {
			form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		resp, err = browser.PostForm(chatURL+"/oauth/authorize", form)
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
			ClientName: "Claude-like connector", RedirectURIs: []string{"http://127.0.0.1:33418/callback"},
			GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none",
		}},
		RedirectURL:              "http://127.0.0.1:33418/callback",
		AuthorizationCodeFetcher: fetch,
		NewTokenSource: func(ctx context.Context, c *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
			issued = tok
			return c.TokenSource(ctx, tok), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "connector", Version: "1"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: mcpURL, OAuthHandler: oh}, nil)
	if err != nil {
		t.Fatalf("connect over OAuth: %v\nlog:\n%s", err, log)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add_task", Arguments: map[string]any{"title": "from the connector"}})
	if err != nil || res.IsError {
		t.Fatalf("add_task over OAuth: %v %+v", err, res)
	}
	grants, err := runUser(t, dbURL, "", "grants", "alice")
	if err != nil || !strings.Contains(grants, "Claude-like connector") || !strings.Contains(grants, "read write") || !strings.Contains(grants, "active") {
		t.Fatalf("user grants alice = %q, %v; want the connector's active read write grant", grants, err)
	}
	row := strings.Fields(strings.Split(grants, "\n")[1]) // ID CLIENT(2 words) CLIENT-ID ...
	id, clientID := row[0], row[3]
	if out, err := runUser(t, dbURL, "", "grants", "revoke", "alice", id); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %q %v", out, err)
	}
	// The revoked grant's access token stops working at the next request,
	// and its refresh token too.
	req, _ := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+issued.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/mcp with the revoked grant's access token = %s, want 401", resp.Status)
	}
	resp, err = http.PostForm(chatURL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}, "client_id": {clientID}})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body.String(), "invalid_grant") {
		t.Fatalf("refresh with the revoked grant = %s %s, want 400 invalid_grant", resp.Status, body.String())
	}
}
