package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// background runs the CLI in-process until the returned stop is called;
// stop cancels it and returns its error, failing if it does not end
// within 10 seconds.
func background(t *testing.T, vars map[string]string, args ...string) (stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, fakeEnv(vars), strings.NewReader(""), &stdout, stderr) }()
	stopped := false
	stop = func() error {
		t.Helper()
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if stdout.String() != "" {
				t.Errorf("%v wrote to stdout: %q", args, stdout.String())
			}
			return err
		case <-time.After(10 * time.Second):
			t.Fatalf("%v did not stop within 10s; log:\n%s", args, stderr)
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return stderr, stop
}

// logValue waits until the log has a line with key=value and returns
// value, e.g. the address a server chose.
func logValue(t *testing.T, log *syncBuffer, key string) string {
	t.Helper()
	re := regexp.MustCompile(`\b` + key + `=(\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s= in the log:\n%s", key, log)
	return ""
}

// post sends a JSON body to url with an optional bearer token and returns
// the status and body.
func post(t *testing.T, url, tok, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// say sends a message in a new ChatKit thread and returns the assistant's
// text, read from the stream.
func say(t *testing.T, chatURL, tok, text string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "threads.create", "params": map[string]any{"input": map[string]any{
		"content": []any{map[string]any{"type": "input_text", "text": text}}, "attachments": []any{}, "inference_options": map[string]any{},
	}}})
	status, stream := post(t, chatURL+"/chatkit", tok, string(body))
	if status != http.StatusOK {
		t.Fatalf("%q: %d %s", text, status, stream)
	}
	var answer strings.Builder
	sc := bufio.NewScanner(strings.NewReader(stream))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type string `json:"type"`
			Item struct {
				Type    string `json:"type"`
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"item"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		if ev.Type == "thread.item.done" && ev.Item.Type == "assistant_message" {
			for _, c := range ev.Item.Content {
				answer.WriteString(c.Text)
			}
		}
	}
	return answer.String()
}

// TestServe runs `taskpilot serve` as `make run` does on a fresh machine:
// no secret, no model, ports chosen by the system. Both servers answer
// their health checks, a slash command goes through MCP and back over
// ChatKit and REST, and cancelling stops both cleanly.
func TestServe(t *testing.T) {
	t.Parallel()
	log, stop := background(t, nil, "serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	chatURL := "http://" + logValue(t, log, "chat_addr")
	mcpURL := "http://" + logValue(t, log, "mcp_addr")
	for _, u := range []string{chatURL + "/healthz", mcpURL + "/healthz", chatURL + "/readyz", chatURL + "/", chatURL + "/lite"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
		}
	}

	if got := say(t, chatURL, "", "/add buy milk"); !strings.Contains(got, "buy milk") {
		t.Errorf("/add answered %q", got)
	}
	status, body := post(t, chatURL+"/api/local/chat", "", `{"message":"/list"}`)
	if status != http.StatusOK || !strings.Contains(body, `"response":"#1 [ ] buy milk"`) || !strings.Contains(body, `"tool":"list_tasks"`) {
		t.Errorf("REST /list: %d %s", status, body)
	}
	if got := say(t, chatURL, "", "hello"); !strings.Contains(got, "OPENAI_API_KEY") {
		t.Errorf("without a model, a plain message got %q", got)
	}

	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, log)
	}
	for _, want := range []string{"auth=none", `msg="chat server stopped"`, "msg=stopped component=mcp"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

// TestServeWithSecret: with a secret both servers require tokens; one
// token from `taskpilot token` works for the chat server, which acts as
// its user all the way through MCP.
func TestServeWithSecret(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	log, stop := background(t, vars, "serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	chatURL := "http://" + logValue(t, log, "chat_addr")
	mcpURL := "http://" + logValue(t, log, "mcp_addr")

	for _, u := range []string{chatURL + "/chatkit", chatURL + "/api/alice/chat", mcpURL + "/mcp"} {
		if status, body := post(t, u, "", `{}`); status != http.StatusUnauthorized {
			t.Errorf("POST %s without a token: %d %s", u, status, body)
		}
	}
	alice, _, err := runCLI(t, vars, "token", "--user", "alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := token.Mint([]byte(testSecret), "bob", "taskpilot-mcp", "taskpilot", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := say(t, chatURL, strings.TrimSpace(alice), "/add alice's task"); !strings.Contains(got, "alice's task") {
		t.Errorf("alice's /add answered %q", got)
	}
	if status, body := post(t, chatURL+"/api/alice/chat", strings.TrimSpace(alice), `{"message":"/list"}`); status != http.StatusOK || !strings.Contains(body, "alice's task") {
		t.Errorf("alice's REST /list: %d %s", status, body)
	}
	if status, body := post(t, chatURL+"/api/bob/chat", bob, `{"message":"/list"}`); status != http.StatusOK || strings.Contains(body, "alice") {
		t.Errorf("bob's REST /list: %d %s", status, body)
	}
	if status, body := post(t, chatURL+"/api/alice/chat", bob, `{"message":"/list"}`); status != http.StatusForbidden {
		t.Errorf("bob on alice's REST path: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, log)
	}
	if !strings.Contains(log.String(), "auth=jwt") {
		t.Errorf("log does not say auth=jwt:\n%s", log)
	}
}

// TestChatAgainstSeparateMCP runs `taskpilot mcp --transport http` and
// `taskpilot chat --mcp-url` side by side, sharing the secret: the chat
// server mints a token per user for the MCP server.
func TestChatAgainstSeparateMCP(t *testing.T) {
	t.Parallel()
	db := storetest.SQLiteURL(t) + "?locking_mode=normal" // two processes on one SQLite file
	vars := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	mcpLog, stopMCP := background(t, vars, "mcp", "--transport", "http", "--addr", "127.0.0.1:0", "--database-url", db)
	mcpAddr := logValue(t, mcpLog, "addr")
	chatLog, stopChat := background(t, vars, "chat", "--addr", "127.0.0.1:0", "--mcp-url", "http://"+mcpAddr+"/mcp", "--database-url", db)
	chatURL := "http://" + logValue(t, chatLog, "addr")

	alice, err := token.Mint([]byte(testSecret), "alice", "taskpilot-mcp", "taskpilot", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := say(t, chatURL, alice, "/add water the plants"); !strings.Contains(got, "water the plants") {
		t.Errorf("/add through the separate MCP server answered %q", got)
	}
	if status, body := post(t, chatURL+"/api/alice/chat", alice, `{"message":"/list"}`); status != http.StatusOK || !strings.Contains(body, "water the plants") {
		t.Errorf("REST /list: %d %s", status, body)
	}
	if err := stopChat(); err != nil {
		t.Errorf("chat: %v\n%s", err, chatLog)
	}
	if err := stopMCP(); err != nil {
		t.Errorf("mcp: %v\n%s", err, mcpLog)
	}
	if !strings.Contains(chatLog.String(), "mcp_auth=jwt") {
		t.Errorf("chat log does not say mcp_auth=jwt:\n%s", chatLog)
	}
}

// TestChatRefusals: settings that would expose or mix up users' data are
// refused before anything listens.
func TestChatRefusals(t *testing.T) {
	t.Parallel()
	secret := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		args    []string
		wantErr string
	}{
		{"chat without auth off loopback", nil, []string{"chat", "--auth", "none", "--addr", "0.0.0.0:0"}, "only allowed on a loopback address"},
		{"serve without auth off loopback", nil, []string{"serve", "--auth", "none", "--addr", "0.0.0.0:0"}, "only allowed on a loopback address"},
		{"serve mcp without auth off loopback", nil, []string{"serve", "--auth", "none", "--mcp-addr", "0.0.0.0:0"}, "only allowed on a loopback address"},
		{"accounts by default off loopback, no public URL", nil, []string{"chat", "--addr", "0.0.0.0:0"}, "need TASKPILOT_PUBLIC_URL=https://"},
		{"serve accounts off loopback, http public URL", map[string]string{"TASKPILOT_PUBLIC_URL": "http://tasks.example.com"},
			[]string{"serve", "--auth", "accounts", "--addr", "0.0.0.0:0"}, "is plain http"},
		{"bad signup", nil, []string{"chat", "--signup", "maybe"}, "--signup: must be closed, open or invite"},
		{"jwt without a key", nil, []string{"chat", "--auth", "jwt"}, "--auth jwt needs a key"},
		{"tokens without mcp tokens", secret, []string{"chat", "--mcp-auth", "none"}, "--mcp-auth none needs --auth none"},
		{"mcp tokens without a secret", nil, []string{"chat", "--mcp-auth", "jwt"}, "--mcp-auth jwt needs TASKPILOT_AUTH_SECRET"},
		{"serve with jwks only", map[string]string{"TASKPILOT_AUTH_JWKS_URL": "https://id.example.com/jwks.json"}, []string{"serve"}, "needs TASKPILOT_AUTH_SECRET"},
		{"bad auth", nil, []string{"chat", "--auth", "maybe"}, "--auth: must be auto, accounts, jwt or none"},
		{"bad mcp url", nil, []string{"chat", "--mcp-url", "127.0.0.1:8081"}, "--mcp-url"},
		{"bad time zone", map[string]string{"TASKPILOT_TIMEZONE": "Mars/Olympus_Mons"}, []string{"chat"}, "TASKPILOT_TIMEZONE"},
		{"bad history", map[string]string{"TASKPILOT_HISTORY_ITEMS": "lots"}, []string{"chat"}, "TASKPILOT_HISTORY_ITEMS"},
		{"dev login without auth", nil, []string{"serve", "--dev-login"}, "--dev-login needs token auth"},
		{"dev login off loopback", secret, []string{"chat", "--dev-login", "--addr", "0.0.0.0:0"}, "--dev-login is only allowed on a loopback address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(tc.args, "--database-url", storetest.SQLiteURL(t))
			_, _, err := runCLI(t, tc.vars, args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.wantErr)
			}
		})
	}
}

// TestServeDevLoginAndDomainKey: with --dev-login the page offers a login
// that mints tokens the servers accept, and the configured ChatKit domain
// key reaches the page.
func TestServeDevLoginAndDomainKey(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret, "TASKPILOT_CHATKIT_DOMAIN_KEY": "domain_pk_test_123"}
	log, stop := background(t, vars, "serve", "--dev-login", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	chatURL := "http://" + logValue(t, log, "chat_addr")

	resp, err := http.Get(chatURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "domain_pk_test_123") || !strings.Contains(string(page), `"dev"`) {
		t.Errorf("page at / lacks the domain key or dev auth mode:\n%s", page)
	}
	status, body := post(t, chatURL+"/auth/dev-login", "", `{"user":"carol"}`)
	var got struct{ Token string }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Token == "" {
		t.Fatalf("dev login: %d %s", status, body)
	}
	if answer := say(t, chatURL, got.Token, "/add carol's task"); !strings.Contains(answer, "carol's task") {
		t.Errorf("/add with the dev-login token answered %q", answer)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, log)
	}
}
