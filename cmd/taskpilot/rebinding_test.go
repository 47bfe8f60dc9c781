package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// hostRequest sends method url with body ("" for none) and the given
// Host, Origin and Sec-Fetch-Site ("" leaves a header out) and returns the
// status and body.
func hostRequest(t *testing.T, method, url, body, host, origin, fetchSite string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Host = host
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", fetchSite)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const toolsList = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`

// TestServeRefusesDNSRebinding runs `taskpilot serve` as `make run` does
// (no auth) with --allowed-hosts, and attacks both servers as a page on
// evil.example that rebinds its name to 127.0.0.1 would (issue 7): every
// request is refused with 403 and no task is added, while a reverse proxy
// forwarding the allowed name reaches both servers.
func TestServeRefusesDNSRebinding(t *testing.T) {
	t.Parallel()
	log, stop := background(t, nil, "serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0",
		"--allowed-hosts", "tasks.example.com", "--database-url", storetest.SQLiteURL(t))
	chatAddr, mcpAddr := logValue(t, log, "chat_addr"), logValue(t, log, "mcp_addr")
	chatURL, mcpURL := "http://"+chatAddr, "http://"+mcpAddr
	evil := func(addr string) (host, origin string) {
		_, port, _ := net.SplitHostPort(addr)
		return "evil.example:" + port, "http://evil.example:" + port
	}
	chatEvil, chatEvilOrigin := evil(chatAddr)
	mcpEvil, mcpEvilOrigin := evil(mcpAddr)
	tests := []struct {
		name, method, url, body, host, origin string
		want                                  int
	}{
		{"chat: REST /add", http.MethodPost, chatURL + "/api/local/chat", `{"message":"/add pwned"}`, chatEvil, chatEvilOrigin, http.StatusForbidden},
		{"chat: threads.list", http.MethodPost, chatURL + "/chatkit", `{"type":"threads.list","params":{}}`, chatEvil, chatEvilOrigin, http.StatusForbidden},
		{"chat: ChatKit page", http.MethodGet, chatURL + "/", "", chatEvil, chatEvilOrigin, http.StatusForbidden},
		{"chat: lite page", http.MethodGet, chatURL + "/lite", "", chatEvil, chatEvilOrigin, http.StatusForbidden},
		{"chat: metrics", http.MethodGet, chatURL + "/metrics", "", chatEvil, chatEvilOrigin, http.StatusForbidden},
		{"mcp: tools/list", http.MethodPost, mcpURL + "/mcp", toolsList, mcpEvil, mcpEvilOrigin, http.StatusForbidden},
		{"mcp: metrics", http.MethodGet, mcpURL + "/metrics", "", mcpEvil, mcpEvilOrigin, http.StatusForbidden},
		{"proxy: chat REST /add", http.MethodPost, chatURL + "/api/local/chat", `{"message":"/add via the proxy"}`, "tasks.example.com", "https://tasks.example.com", http.StatusOK},
		{"proxy: chat page", http.MethodGet, chatURL + "/lite", "", "tasks.example.com", "", http.StatusOK},
		{"proxy: mcp tools/list", http.MethodPost, mcpURL + "/mcp", toolsList, "tasks.example.com", "https://tasks.example.com", http.StatusOK},
	}
	for _, tt := range tests {
		status, body := hostRequest(t, tt.method, tt.url, tt.body, tt.host, tt.origin, "same-origin")
		if status != tt.want {
			t.Errorf("%s: status %d %.200s, want %d", tt.name, status, body, tt.want)
		}
	}
	status, body := post(t, chatURL+"/api/local/chat", "", `{"message":"/list"}`)
	if status != http.StatusOK || strings.Contains(body, "pwned") || !strings.Contains(body, "via the proxy") {
		t.Errorf("/list after the attack: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, log)
	}
}

// TestServeDevLoginRefusesForeignHost: with --dev-login, a rebinding page
// or a cross-site page gets no token; the real page does.
func TestServeDevLoginRefusesForeignHost(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	log, stop := background(t, vars, "serve", "--dev-login", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	addr := logValue(t, log, "chat_addr")
	_, port, _ := net.SplitHostPort(addr)
	url := "http://" + addr + "/auth/dev-login"
	tests := []struct {
		name, host, origin, fetchSite string
		want                          int
	}{
		{"rebinding page", "evil.example:" + port, "http://evil.example:" + port, "same-origin", http.StatusForbidden},
		{"cross-site page", addr, "http://evil.example", "cross-site", http.StatusForbidden},
		{"foreign Origin", addr, "http://evil.example", "", http.StatusForbidden},
		{"the real page", addr, "http://" + addr, "same-origin", http.StatusOK},
	}
	for _, tt := range tests {
		status, body := hostRequest(t, http.MethodPost, url, `{"user":"victim"}`, tt.host, tt.origin, tt.fetchSite)
		if status != tt.want || strings.Contains(body, `"token"`) != (tt.want == http.StatusOK) {
			t.Errorf("%s: %d %.200s, want %d", tt.name, status, body, tt.want)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, log)
	}
}
