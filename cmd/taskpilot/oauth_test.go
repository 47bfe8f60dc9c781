package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
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

	// alice signs in on the page and consents to the client.
	alice := signInPage(t, chatURL, "alice", "correct horse battery")
	cs, issued := connectOAuth(t, chatURL, mcpURL, alice, "Claude-like connector")
	ctx := context.Background()
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
	resp, err := http.DefaultClient.Do(req)
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
