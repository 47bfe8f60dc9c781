package main

import (
	"strings"
	"testing"
)

// loadCommand parses args as `taskpilot <command>` would and loads the
// config and where its settings came from.
func loadCommand(t *testing.T, command string, vars map[string]string, args ...string) (Config, origins) {
	t.Helper()
	cmd, _, err := newRootCmd(&env{}).Find([]string{command})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	cfg, from, err := loadConfig("", fakeEnv(vars), cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	return cfg, from
}

// TestPlans: each server command resolves its authentication once, from
// the settings and the addresses: the mode both of serve's servers use,
// and whether the chat server mints tokens for the MCP server.
func TestPlans(t *testing.T) {
	t.Parallel()
	secret := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	https := map[string]string{"TASKPILOT_PUBLIC_URL": "https://tasks.example.com"}
	tests := []struct {
		name    string
		command string
		vars    map[string]string
		args    []string
		mode    authMode
		mint    bool
	}{
		{"serve on loopback without a key", "serve", nil, nil, authNone, false},
		{"serve with a secret", "serve", secret, nil, authJWT, true},
		{"serve off loopback behind https", "serve", https, []string{"--addr", "0.0.0.0:8080"}, authAccounts, true},
		{"serve with the mcp server off loopback", "serve", https, []string{"--mcp-addr", "0.0.0.0:8081"}, authAccounts, true},
		{"chat without a key", "chat", nil, nil, authNone, false},
		{"chat with a secret", "chat", secret, nil, authJWT, true},
		{"chat accounts mints with the stored secret", "chat", nil, []string{"--auth", "accounts"}, authAccounts, true},
		{"chat none with tokens for the mcp server", "chat", secret, []string{"--auth", "none"}, authNone, true},
		{"mcp stdio", "mcp", nil, nil, authNone, false},
		{"mcp http", "mcp", secret, []string{"--transport", "http"}, authJWT, false},
		{"mcp http accounts", "mcp", nil, []string{"--transport", "http", "--auth", "accounts"}, authAccounts, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, from := loadCommand(t, tt.command, tt.vars, tt.args...)
			resolve := map[string]func(Config, origins) (plan, error){"serve": planServe, "chat": planChat, "mcp": planMCP}[tt.command]
			p, err := resolve(cfg, from)
			if err != nil {
				t.Fatal(err)
			}
			if p.auth.mode != tt.mode || p.mintMCP != tt.mint {
				t.Errorf("auth %v, mint %v; want %v, %v", p.auth.mode, p.mintMCP, tt.mode, tt.mint)
			}
		})
	}
}

// TestPlanErrorsNameTheSource: a refusal across settings names the
// setting as the user gave it: flag, environment variable or default.
func TestPlanErrorsNameTheSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command string
		vars    map[string]string
		args    []string
		wantErr string
	}{
		{"mcp auth none by flag", "mcp", nil, []string{"--transport", "http", "--auth", "none", "--addr", "0.0.0.0:1"}, "--auth none is only allowed on a loopback address"},
		{"mcp auth none by env", "mcp", map[string]string{"TASKPILOT_MCP_AUTH": "none"}, []string{"--transport", "http", "--addr", "0.0.0.0:1"}, "TASKPILOT_MCP_AUTH=none is only allowed on a loopback address"},
		{"mcp jwt by default", "mcp", nil, []string{"--transport", "http"}, "--auth jwt needs a key"},
		{"chat jwt by env", "chat", map[string]string{"TASKPILOT_CHAT_AUTH": "jwt"}, nil, "TASKPILOT_CHAT_AUTH=jwt needs a key"},
		{"dev login by env", "serve", map[string]string{"TASKPILOT_CHAT_DEV_LOGIN": "true"}, nil, "TASKPILOT_CHAT_DEV_LOGIN=true needs token auth"},
		{"dev login by flag", "serve", nil, []string{"--dev-login"}, "--dev-login needs token auth"},
		{"mcp auth none by env in chat", "chat", map[string]string{"TASKPILOT_AUTH_SECRET": testSecret, "TASKPILOT_CHAT_MCP_AUTH": "none"}, nil, "TASKPILOT_CHAT_MCP_AUTH=none needs --auth none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, from := loadCommand(t, tt.command, tt.vars, tt.args...)
			resolve := map[string]func(Config, origins) (plan, error){"serve": planServe, "chat": planChat, "mcp": planMCP}[tt.command]
			_, err := resolve(cfg, from)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
