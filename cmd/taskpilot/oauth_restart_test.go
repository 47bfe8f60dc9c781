package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// freeAddr returns a loopback address with a port that was free a moment
// ago, so that a restarted server can listen where the first one did.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeOAuthRestart: `taskpilot serve --auth accounts` restarted
// between the consent and the token exchange, and again between getting a
// refresh token and using it, continues the flow: codes, PKCE challenges,
// refresh tokens and signing keys are in the database.
func TestServeOAuthRestart(t *testing.T) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "tp.db")
	if _, err := runUser(t, dbURL, "correct horse battery\n", "add", "alice", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	chatAddr, mcpAddr := freeAddr(t), freeAddr(t)
	chatURL, mcpURL := "http://"+chatAddr, "http://"+mcpAddr+"/mcp"
	start := func() func() error {
		t.Helper()
		log, stop := background(t, nil, "serve", "--auth", "accounts", "--addr", chatAddr, "--mcp-addr", mcpAddr, "--database-url", dbURL)
		logValue(t, log, "chat_addr")
		return stop
	}
	stop := start()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Post(chatURL+"/auth/signin", "application/json", strings.NewReader(`{"name":"alice","password":"correct horse battery"}`))
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("sign in: %v %v", resp, err)
	}
	resp.Body.Close()
	const callback = "http://127.0.0.1:33418/callback"
	resp, err = http.Post(chatURL+"/oauth/register", "application/json",
		strings.NewReader(`{"client_name":"Restart test","redirect_uris":["`+callback+`"],"token_endpoint_auth_method":"none"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()

	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {callback},
		"scope": {"read write"}, "state": {"state-" + rand.Text()}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "resource": {mcpURL}}
	resp, err = browser.Get(chatURL + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		page.Write(buf[:n])
		if rerr != nil {
			break
		}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("authorization request = %s %s %s", resp.Status, resp.Header.Get("Location"), page.String())
	}
	form := url.Values{"consent": {"allow"}}
	for _, m := range hiddenField.FindAllStringSubmatch(page.String(), -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	resp, err = browser.PostForm(chatURL+"/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("consent answered %s %s; the consent page was:\n%s", resp.Status, resp.Header.Get("Location"), page.String())
	}

	token := func(f url.Values) (access, refresh string) {
		t.Helper()
		resp, err := http.PostForm(chatURL+"/oauth/token", f)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
			Error        string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&tr)
		if resp.StatusCode != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken == "" {
			t.Fatalf("token endpoint after a restart = %s %+v, want tokens", resp.Status, tr)
		}
		return tr.AccessToken, tr.RefreshToken
	}
	mcpStatus := func(tok string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// Restart between the consent and the token exchange.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stop = start()
	access, refresh := token(url.Values{"grant_type": {"authorization_code"}, "client_id": {reg.ClientID},
		"redirect_uri": {callback}, "code": {code}, "code_verifier": {verifier}, "resource": {mcpURL}})
	if got := mcpStatus(access); got != http.StatusOK {
		t.Fatalf("/mcp with the token exchanged after a restart = %d, want 200", got)
	}

	// Restart between getting the refresh token and using it.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	start()
	access, _ = token(url.Values{"grant_type": {"refresh_token"}, "client_id": {reg.ClientID}, "refresh_token": {refresh}})
	if got := mcpStatus(access); got != http.StatusOK {
		t.Fatalf("/mcp with the token refreshed after a restart = %d, want 200", got)
	}
}
