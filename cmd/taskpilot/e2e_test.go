package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// The end-to-end tests run the real binary, built once on first use.
var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "taskpilot-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary returns the path of the built taskpilot binary, building it the
// first time. End-to-end tests are skipped with -short.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped with -short")
	}
	buildOnce.Do(func() {
		binPath = filepath.Join(binDir, "taskpilot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// processEnv is a clean environment for the binary plus vars.
func processEnv(t *testing.T, vars ...string) []string {
	t.Helper()
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, vars...)
}

// TestE2EStdio launches `taskpilot mcp` the way Claude Desktop does.
func TestE2EStdio(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	var stderr syncBuffer
	cmd := exec.Command(bin, "mcp", "--log-level", "debug")
	cmd.Env = processEnv(t, "TASKPILOT_DATABASE_URL="+storetest.SQLiteURL(t), "TASKPILOT_MCP_USER=alice")
	cmd.Stderr = &stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "v0"}, nil)
	// Any non-JSON byte on the child's stdout would break this connection.
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, stderr.String())
	}
	list := addAndList(ctx, t, cs, "Water the plants")
	if len(list.Tasks) != 1 || list.Tasks[0].Title != "Water the plants" {
		t.Errorf("list_tasks = %+v, want the one task just added", list)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after stdin closed, want 0; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"database ready", "serving MCP on stdio", "level=DEBUG"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestE2EHTTPSQLite(t *testing.T) {
	t.Parallel()
	testE2EHTTP(t, storetest.SQLiteURL(t), "")
}

// TestE2EHTTPPostgres shares the DSN's database with other runs, so its
// users are unique to the run; users never see each other's tasks.
func TestE2EHTTPPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	testE2EHTTP(t, dsn, fmt.Sprintf("-%d", time.Now().UnixNano()))
}

// testE2EHTTP runs `taskpilot mcp --transport http` on dbURL and checks that
// tokens from `taskpilot token` work and act as their user, that bad tokens
// get 401, and that SIGTERM stops the server cleanly.
func testE2EHTTP(t *testing.T, dbURL, userSuffix string) {
	bin := binary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	alice, bob := "alice"+userSuffix, "bob"+userSuffix
	env := processEnv(t, "TASKPILOT_DATABASE_URL="+dbURL, "TASKPILOT_AUTH_SECRET="+testSecret)

	var stdout, stderr syncBuffer
	cmd := exec.Command(bin, "mcp", "--transport", "http", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = env
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			fmt.Fprintln(&stderr, sc.Text())
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addrc <- line.Addr
			}
		}
		exited <- cmd.Wait() // after stderr is drained, as Wait requires
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			t.Logf("server killed: %v", <-exited)
		}
	})

	var base string
	select {
	case addr := <-addrc:
		base = "http://" + addr
	case err := <-exited:
		t.Fatalf("server exited early: %v\nstderr:\n%s", err, stderr.String())
	case <-ctx.Done():
		t.Fatalf("no listening log line:\n%s", stderr.String())
	}

	aliceTok := mintWithCLI(t, bin, env, alice)
	list := addAndList(ctx, t, connectHTTP(ctx, t, base, aliceTok), "Renew passport")
	if len(list.Tasks) != 1 || list.Tasks[0].Title != "Renew passport" {
		t.Errorf("alice's list_tasks = %+v, want the one task she added", list)
	}
	var bobs listOut
	callTool(ctx, t, connectHTTP(ctx, t, base, mintWithCLI(t, bin, env, bob)), "list_tasks", map[string]any{}, &bobs)
	if len(bobs.Tasks) != 0 {
		t.Errorf("bob sees alice's tasks: %+v", bobs.Tasks)
	}

	mint := func(secret, aud string, now time.Time, ttl time.Duration) string {
		tok, err := token.Mint([]byte(secret), alice, aud, "taskpilot", ttl, now)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	for _, tt := range []struct {
		name, auth string
		want       int
	}{
		{"valid token", "Bearer " + aliceTok, http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
		{"garbage", "Bearer not-a-jwt", http.StatusUnauthorized},
		{"expired", "Bearer " + mint(testSecret, "taskpilot-mcp", now.Add(-2*time.Hour), time.Hour), http.StatusUnauthorized},
		{"wrong audience", "Bearer " + mint(testSecret, "someone-else", now, time.Hour), http.StatusUnauthorized},
		{"wrong secret", "Bearer " + mint(strings.Repeat("x", 32), "taskpilot-mcp", now, time.Hour), http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr := postInitialize(ctx, t, base, tt.auth)
			if code != tt.want {
				t.Errorf("status %d, want %d", code, tt.want)
			}
			meta := base + "/.well-known/oauth-protected-resource/mcp"
			if tt.want == http.StatusUnauthorized && !strings.Contains(hdr, meta) {
				t.Errorf("WWW-Authenticate = %q, want it to point at %s", hdr, meta)
			}
		})
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("still running 5s after SIGTERM\nstderr:\n%s", stderr.String())
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if stdout.String() != "" {
		t.Errorf("stdout should stay empty, got %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"shutting down"`) {
		t.Errorf("stderr lacks the shutdown log:\n%s", stderr.String())
	}
}

// mintWithCLI runs `taskpilot token --user user` and returns the token.
func mintWithCLI(t *testing.T, bin string, env []string, user string) string {
	t.Helper()
	cmd := exec.Command(bin, "token", "--user", user)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("taskpilot token: %v", err)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// connectHTTP connects an MCP client to base/mcp with a bearer token.
func connectHTTP(ctx context.Context, t *testing.T, base, tok string) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   base + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{tok}},
		MaxRetries: -1,
	}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// bearer adds an Authorization header to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// postInitialize sends an MCP initialize request with the given
// Authorization header and returns the status and WWW-Authenticate header.
func postInitialize(ctx context.Context, t *testing.T, base, authorization string) (int, string) {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"v0"}}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/mcp", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}
