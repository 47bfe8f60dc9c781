package main

import (
	"bufio"
	"encoding/json"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// runCLI runs the CLI in-process and returns stdout, stderr and the error.
func runCLI(t *testing.T, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr syncBuffer
	err := run(t.Context(), args, fakeEnv(vars), strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestHelpGolden(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"", "mcp", "chat", "serve", "migrate", "token", "version"} {
		name := cmd
		if name == "" {
			name = "root"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := append(strings.Fields(cmd), "--help")
			out, _, err := runCLI(t, nil, args...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "help-"+name+".golden", out)
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, err := runCLI(t, nil, args...)
		if err != nil {
			t.Fatal(err)
		}
		if out != "taskpilot "+version()+"\n" {
			t.Errorf("%v printed %q", args, out)
		}
	}
}

func TestRejectsArgsAndUnknownFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"migrate", "extra"}, {"mcp", "--bogus"}, {"nosuchcommand"}} {
		if _, _, err := runCLI(t, nil, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "sub", "tp.db")
	for range 2 { // idempotent
		out, stderr, err := runCLI(t, map[string]string{"TASKPILOT_DATABASE_URL": dbURL}, "migrate")
		if err != nil {
			t.Fatal(err)
		}
		if out != "database migrated (sqlite)\n" {
			t.Errorf("stdout = %q, want only the result line", out)
		}
		if !strings.Contains(stderr, "database ready") {
			t.Errorf("stderr has no log line: %q", stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", "tp.db")); err != nil {
		t.Errorf("database file not created: %v", err)
	}
}

// With no settings at all, the database is ./data/taskpilot.db under the
// working directory. (Not parallel: it changes directory.)
func TestMigrateDefaultDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, _, err := runCLI(t, nil, "migrate", "--log-level", "error"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "taskpilot.db")); err != nil {
		t.Errorf("default database not created: %v", err)
	}
}

func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	out, _, err := runCLI(t, map[string]string{"TASKPILOT_DATABASE_URL": dsn}, "migrate")
	if err != nil {
		t.Fatal(err)
	}
	if out != "database migrated (postgres)\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		audience string
		ttl      time.Duration
	}{
		{"default ttl", map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}, nil, "taskpilot-mcp", 30 * 24 * time.Hour},
		{"short ttl", map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}, []string{"--ttl", "1m"}, "taskpilot-mcp", time.Minute},
		{
			"configured audience and issuer",
			map[string]string{"TASKPILOT_AUTH_SECRET": testSecret, "TASKPILOT_AUTH_AUDIENCE": "other-aud", "TASKPILOT_AUTH_ISSUER": "other-iss"},
			[]string{"--ttl", "8760h"}, "other-aud", 8760 * time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now().Truncate(time.Second)
			out, _, err := runCLI(t, tt.vars, append([]string{"token", "--user", "alice"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			tok, ok := strings.CutSuffix(out, "\n")
			if !ok || strings.ContainsAny(tok, " \n") {
				t.Fatalf("output %q is not one token and a newline", out)
			}
			issuer := tt.vars["TASKPILOT_AUTH_ISSUER"]
			if issuer == "" {
				issuer = "taskpilot"
			}
			v, err := token.NewVerifier(token.Config{Secret: []byte(testSecret), Audience: tt.audience, Issuer: issuer})
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if c.Subject != "alice" || !slices.Contains(c.Audience, tt.audience) {
				t.Errorf("claims = %+v, want sub alice and aud %s", c, tt.audience)
			}
			if exp := c.ExpiresAt.Sub(start); exp < tt.ttl || exp > tt.ttl+5*time.Second {
				t.Errorf("token expires %v after minting, want %v", exp, tt.ttl)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	secret := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	tests := []struct {
		name    string
		vars    map[string]string
		args    []string
		wantErr string
	}{
		{"no secret", nil, []string{"--user", "alice"}, "no signing secret: set TASKPILOT_AUTH_SECRET"},
		{"no user", secret, nil, `required flag(s) "user" not set`},
		{"ttl too short", secret, []string{"--user", "alice", "--ttl", "30s"}, "--ttl must be between 1m0s and 8760h0m0s, not 30s"},
		{"ttl too long", secret, []string{"--user", "alice", "--ttl", "8761h"}, "--ttl must be between"},
		{"secret too short", map[string]string{"TASKPILOT_AUTH_SECRET": "short"}, []string{"--user", "alice"}, "at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := runCLI(t, tt.vars, append([]string{"token"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if out != "" {
				t.Errorf("printed %q on failure", out)
			}
		})
	}
}

func TestMCPHTTPRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		vars    map[string]string
		args    []string
		wantErr string
	}{
		{"auth none on all interfaces", nil, []string{"--auth", "none", "--addr", "0.0.0.0:0"}, "--auth none is only allowed on a loopback address"},
		{"auth none on empty host", nil, []string{"--auth", "none", "--addr", ":8081"}, "loopback"},
		{"auth none on ipv6 any", nil, []string{"--auth", "none", "--addr", "[::]:0"}, "loopback"},
		{"auth none on a LAN address", map[string]string{"TASKPILOT_MCP_AUTH": "none"}, []string{"--addr", "192.168.1.10:8081"}, "loopback"},
		{"jwt without a key", nil, []string{"--addr", "127.0.0.1:0"}, "set TASKPILOT_AUTH_SECRET"},
		{"bad transport", nil, []string{"--transport", "carrier-pigeon"}, "--transport: must be stdio or http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			vars := map[string]string{"TASKPILOT_DATABASE_URL": "sqlite://" + filepath.Join(dir, "tp.db")}
			maps.Copy(vars, tt.vars)
			args := append([]string{"mcp"}, tt.args...)
			if !slices.Contains(args, "--transport") {
				args = append(args, "--transport", "http")
			}
			_, _, err := runCLI(t, vars, args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(dir, "tp.db")); err == nil {
				t.Error("database created although the server refused to start")
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8081": true, "127.1.2.3:0": true, "[::1]:8081": true, "localhost:8081": true,
		"0.0.0.0:8081": false, ":8081": false, "[::]:8081": false, "10.0.0.1:8081": false, "example.com:80": false, "nonsense": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestResourceURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		publicURL, listen, want string
	}{
		{"", "127.0.0.1:8081", "http://127.0.0.1:8081/mcp"},
		{"", "[::1]:8081", "http://[::1]:8081/mcp"},
		{"", "0.0.0.0:8081", ""}, // derived from each request's Host
		{"https://tasks.example.com/", "0.0.0.0:8081", "https://tasks.example.com/mcp"},
		{"https://example.com/taskpilot", "127.0.0.1:8081", "https://example.com/taskpilot/mcp"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.listen)
		if err != nil {
			t.Fatal(err)
		}
		if got := resourceURL(tt.publicURL, addr); got != tt.want {
			t.Errorf("resourceURL(%q, %s) = %q, want %q", tt.publicURL, tt.listen, got, tt.want)
		}
	}
}

// TestMCPStdio drives `taskpilot mcp` through run() with pipes, as an MCP
// host would, and checks that stdout carries nothing but JSON-RPC.
func TestMCPStdio(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	var stdout, stderr syncBuffer
	vars := map[string]string{"TASKPILOT_DATABASE_URL": storetest.SQLiteURL(t), "TASKPILOT_LOG_LEVEL": "debug"}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"mcp", "--user", "alice"}, fakeEnv(vars), stdinR, stdoutW, &stderr)
		stdoutW.Close()
	}()

	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, &mcp.IOTransport{Reader: io.NopCloser(io.TeeReader(stdoutR, &stdout)), Writer: stdinW}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, stderr.String())
	}
	list := addAndList(ctx, t, cs, "Buy milk")
	if len(list.Tasks) != 1 || list.Tasks[0].Title != "Buy milk" {
		t.Errorf("list_tasks = %+v, want the one task just added", list)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close session: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after stdin closed, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after stdin closed")
	}

	checkOnlyJSONRPC(t, stdout.String())
	if !strings.Contains(stderr.String(), "serving MCP on stdio") {
		t.Errorf("stderr lacks the log lines:\n%s", stderr.String())
	}
}

// checkOnlyJSONRPC fails unless every line of out is a JSON-RPC 2.0 message.
func checkOnlyJSONRPC(t *testing.T, out string) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var msg struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg.JSONRPC != "2.0" {
			t.Errorf("stdout line %d is not JSON-RPC: %q", n+1, sc.Text())
		}
		n++
	}
	if n < 3 {
		t.Errorf("stdout had %d JSON-RPC messages, want at least 3 (initialize, two tool calls)", n)
	}
}
