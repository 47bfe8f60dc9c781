package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// loadFor parses args as `taskpilot mcp` would and loads the config.
func loadFor(t *testing.T, yaml string, vars map[string]string, args ...string) (Config, error) {
	t.Helper()
	cmd, _, err := newRootCmd(&env{}).Find([]string{"mcp"})
	if err != nil {
		t.Fatal(err)
	}
	path := ""
	if yaml != "" {
		path = filepath.Join(t.TempDir(), "taskpilot.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(path, fakeEnv(vars), cmd.Flags())
	return cfg, err
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("  "+testSecret+"-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		args []string
		want func(*Config) // applied to the defaults
	}{
		{name: "defaults", want: func(*Config) {}},
		{
			name: "yaml beats default",
			yaml: "mcp:\n  addr: 10.0.0.1:9000\n  allowed_origins: [https://a.example]\nlog:\n  level: debug\n",
			want: func(c *Config) {
				c.MCP.Addr = "10.0.0.1:9000"
				c.MCP.AllowedOrigins = []string{"https://a.example"}
				c.Log.Level = "debug"
			},
		},
		{
			name: "env beats yaml",
			yaml: "mcp:\n  addr: 10.0.0.1:9000\n  user: from-yaml\n",
			env:  map[string]string{"TASKPILOT_MCP_ADDR": "10.0.0.2:9000"},
			want: func(c *Config) { c.MCP.Addr = "10.0.0.2:9000"; c.MCP.User = "from-yaml" },
		},
		{
			name: "flag beats env",
			yaml: "mcp:\n  addr: 10.0.0.1:9000\n",
			env:  map[string]string{"TASKPILOT_MCP_ADDR": "10.0.0.2:9000", "TASKPILOT_DATABASE_URL": "sqlite://env.db"},
			args: []string{"--addr", "10.0.0.3:9000", "--database-url", "sqlite://flag.db"},
			want: func(c *Config) { c.MCP.Addr = "10.0.0.3:9000"; c.Database.URL = "sqlite://flag.db" },
		},
		{
			name: "unset flag leaves env alone",
			env:  map[string]string{"TASKPILOT_MCP_TRANSPORT": "http"},
			args: []string{"--addr", "127.0.0.1:1"},
			want: func(c *Config) { c.MCP.Transport = "http"; c.MCP.Addr = "127.0.0.1:1" },
		},
		{
			name: "bools",
			yaml: "database:\n  migrate_on_start: false\n",
			env:  map[string]string{"TASKPILOT_MIGRATE_ON_START": "true"},
			args: []string{"--migrate-on-start=false"},
			want: func(c *Config) { c.Database.MigrateOnStart = false },
		},
		{
			name: "env list",
			env:  map[string]string{"TASKPILOT_MCP_ALLOWED_ORIGINS": "https://a.example, https://b.example,"},
			want: func(c *Config) { c.MCP.AllowedOrigins = []string{"https://a.example", "https://b.example"} },
		},
		{
			name: "flag list beats env list",
			env:  map[string]string{"TASKPILOT_MCP_ALLOWED_ORIGINS": "https://a.example"},
			args: []string{"--allowed-origins", "https://c.example", "--allowed-origins", "https://d.example"},
			want: func(c *Config) { c.MCP.AllowedOrigins = []string{"https://c.example", "https://d.example"} },
		},
		{
			name: "auth settings from yaml and env",
			yaml: "auth:\n  audience: yaml-aud\n  issuer: yaml-iss\n",
			env:  map[string]string{"TASKPILOT_AUTH_ISSUER": "env-iss", "TASKPILOT_AUTH_SECRET": testSecret},
			want: func(c *Config) {
				c.Auth.Audience = "yaml-aud"
				c.Auth.Issuer = "env-iss"
				c.Auth.Secret = []byte(testSecret)
			},
		},
		{
			name: "secret from env file, trimmed",
			env:  map[string]string{"TASKPILOT_AUTH_SECRET_FILE": secretFile},
			want: func(c *Config) { c.Auth.SecretFile = secretFile; c.Auth.Secret = []byte(testSecret + "-from-file") },
		},
		{
			name: "secret from yaml secret_file",
			yaml: "auth:\n  secret_file: " + secretFile + "\n",
			want: func(c *Config) { c.Auth.SecretFile = secretFile; c.Auth.Secret = []byte(testSecret + "-from-file") },
		},
		{
			name: "env secret beats yaml secret_file",
			yaml: "auth:\n  secret_file: " + secretFile + "\n",
			env:  map[string]string{"TASKPILOT_AUTH_SECRET": testSecret},
			want: func(c *Config) { c.Auth.SecretFile = secretFile; c.Auth.Secret = []byte(testSecret) },
		},
		{
			name: "allowed hosts: yaml, env, flag",
			yaml: "http:\n  allowed_hosts: [yaml.example]\n",
			env:  map[string]string{"TASKPILOT_ALLOWED_HOSTS": "env.example, 10.0.0.7"},
			want: func(c *Config) { c.HTTP.AllowedHosts = []string{"env.example", "10.0.0.7"} },
		},
		{
			name: "allowed hosts flag beats env",
			env:  map[string]string{"TASKPILOT_ALLOWED_HOSTS": "env.example"},
			args: []string{"--allowed-hosts", "tasks.example.com,proxy.internal"},
			want: func(c *Config) { c.HTTP.AllowedHosts = []string{"tasks.example.com", "proxy.internal"} },
		},
		{name: "empty yaml file", yaml: "# nothing here\n", want: func(*Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := loadFor(t, tt.yaml, tt.env, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			want := defaultConfig()
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("config mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("too-short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{name: "unknown yaml key", yaml: "mcp:\n  listen: 1.2.3.4:5\n", wantErr: "field listen not found"},
		{name: "unknown yaml section", yaml: "chatt:\n  x: 1\n", wantErr: "field chatt not found"},
		{name: "secret in yaml", yaml: "auth:\n  secret: " + testSecret + "\n", wantErr: "set TASKPILOT_AUTH_SECRET or auth.secret_file"},
		{name: "yaml type error", yaml: "database:\n  migrate_on_start: maybe\n", wantErr: `taskpilot.yaml:2: database.migrate_on_start: "maybe" is not true or false`},
		{name: "short env secret", env: map[string]string{"TASKPILOT_AUTH_SECRET": "short"}, wantErr: "auth secret is 5 bytes; it must be at least 32"},
		{name: "short secret file", env: map[string]string{"TASKPILOT_AUTH_SECRET_FILE": short}, wantErr: "auth secret is 9 bytes"},
		{name: "missing secret file", yaml: "auth:\n  secret_file: /nonexistent/secret\n", wantErr: "read auth secret"},
		{
			name:    "secret and secret file",
			env:     map[string]string{"TASKPILOT_AUTH_SECRET": testSecret, "TASKPILOT_AUTH_SECRET_FILE": short},
			wantErr: "set TASKPILOT_AUTH_SECRET or TASKPILOT_AUTH_SECRET_FILE, not both",
		},
		{name: "bad env bool", env: map[string]string{"TASKPILOT_MIGRATE_ON_START": "yes please"}, wantErr: `database.migrate_on_start (TASKPILOT_MIGRATE_ON_START): "yes please" is not true or false`},
		{name: "bad log level", env: map[string]string{"TASKPILOT_LOG_LEVEL": "loud"}, wantErr: `log.level (TASKPILOT_LOG_LEVEL): must be debug, info, warn or error, not "loud"`},
		{name: "bad log format flag", args: []string{"--log-format", "xml"}, wantErr: `--log-format: must be text or json, not "xml"`},
		{name: "empty database url", yaml: "database:\n  url: \"\"\n", wantErr: "taskpilot.yaml:2: database.url: must not be empty"},
		{name: "bad jwks url", env: map[string]string{"TASKPILOT_AUTH_JWKS_URL": "jwks.json"}, wantErr: "auth.jwks_url"},
		{name: "allowed host with a scheme", args: []string{"--allowed-hosts", "https://tasks.example.com"}, wantErr: `--allowed-hosts: allowed host "https://tasks.example.com": want a host name`},
		{name: "allowed host with a port", env: map[string]string{"TASKPILOT_ALLOWED_HOSTS": "tasks.example.com:443"}, wantErr: `http.allowed_hosts (TASKPILOT_ALLOWED_HOSTS): allowed host "tasks.example.com:443"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadFor(t, tt.yaml, tt.env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nope.yaml")
	err := run(t.Context(), []string{"migrate", "--config", path}, fakeEnv(nil), nil, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("got error %v, want one naming the missing file", err)
	}
}

// The example file documents the defaults: loading it must change nothing.
func TestExampleConfigIsDefaults(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../configs/taskpilot.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadFor(t, string(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := defaultConfig()
	want.MCP.AllowedOrigins = []string{} // written as [] in the file
	want.Chat.AllowedOrigins = []string{}
	want.HTTP.AllowedHosts = []string{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("example config differs from defaults (-want +got):\n%s", diff)
	}
	// Every setting is documented with its env var.
	for _, s := range settings() {
		if !strings.Contains(string(b), s.env) {
			t.Errorf("configs/taskpilot.example.yaml does not mention %s", s.env)
		}
	}
}

func TestMCPConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"transport", []string{"--transport", "carrier-pigeon"}, `--transport: must be stdio or http, not "carrier-pigeon"`},
		{"auth", []string{"--auth", "basic"}, `--auth: must be jwt, accounts or none, not "basic"`},
		{"user", []string{"--user", " "}, "--user: must not be empty"},
		{"addr", []string{"--addr", "8081"}, `--addr: "8081" is not host:port`},
		{"public url", []string{"--public-url", "tasks.example.com"}, "--public-url"},
		{"https public url", []string{"--public-url", "https://tasks.example.com"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFor(t, "", nil, tt.args...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestConfigErrorsNameTheSource: a bad value is refused alike from every
// source, and the error names the one it came from.
func TestConfigErrorsNameTheSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		args    []string
		wantErr string // after the file's path, when the value is in the file
	}{
		{name: "flag", args: []string{"--addr", "8081"}, wantErr: `--addr: "8081" is not host:port`},
		{name: "env", env: map[string]string{"TASKPILOT_MCP_ADDR": "8081"}, wantErr: `mcp.addr (TASKPILOT_MCP_ADDR): "8081" is not host:port`},
		{name: "file", yaml: "mcp:\n  addr: \"8081\"\n", wantErr: `:2: mcp.addr: "8081" is not host:port`},
		{name: "env not named by a flag", env: map[string]string{"TASKPILOT_ALLOWED_HOSTS": "a.example:80"}, wantErr: `http.allowed_hosts (TASKPILOT_ALLOWED_HOSTS): allowed host "a.example:80"`},
		{name: "file duration", yaml: "chat:\n  turn_lease: 1s\n", wantErr: ":2: chat.turn_lease: must be a duration from 2s to 1h0m0s such as 30s, not 1s"},
		{name: "env duration", env: map[string]string{"TASKPILOT_CHAT_TURN_LEASE": "30"}, wantErr: `chat.turn_lease (TASKPILOT_CHAT_TURN_LEASE): "30" is not a duration`},
		{name: "file list of mappings", yaml: "chat:\n  allowed_origins: [{a: 1}]\n", wantErr: ":2: chat.allowed_origins: list item on line 2 must be a single value"},
		{name: "file list for a single value", yaml: "chat:\n  addr: [a, b]\n", wantErr: ":2: chat.addr: must be a single value, not a list"},
		{name: "file key set twice", yaml: "chat:\n  addr: 127.0.0.1:1\n  addr: 127.0.0.1:2\n", wantErr: ":3: chat.addr is set twice (also on line 2)"},
		{name: "file section as a value", yaml: "chat: 5\n", wantErr: ":1: chat must be a mapping of settings"},
		// The secret is refused by its key, not by the text of an error: a
		// key named secret elsewhere is only an unknown key.
		{name: "secret in flow style", yaml: "auth: {secret: " + testSecret + "}\n", wantErr: ":1: auth.secret is not allowed in a file"},
		{name: "secret outside auth", yaml: "chat:\n  secret: x\n", wantErr: ":2: field secret not found in chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadFor(t, tt.yaml, tt.env, tt.args...)
			want := tt.wantErr
			if tt.yaml != "" {
				want = "taskpilot.yaml" + want
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got error %v, want one containing %q", err, want)
			}
		})
	}
}

// TestConfigTypedValues: the file sets durations, YAML's booleans and
// lists through the settings' values.
func TestConfigTypedValues(t *testing.T) {
	t.Parallel()
	got, err := loadFor(t, "chat:\n  turn_lease: 45s\n  dev_login: yes\n  allowed_origins:\n    - https://a.example\n    - https://b.example\ndatabase:\n  migrate_on_start: off\nmetrics:\n  enabled: False\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := defaultConfig()
	want.Chat.TurnLease = 45 * time.Second
	want.Chat.DevLogin = true
	want.Chat.AllowedOrigins = []string{"https://a.example", "https://b.example"}
	want.Database.MigrateOnStart = false
	want.Metrics.Enabled = false
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
}

// TestSettingsRoundTrip: every setting's default reads back through its
// own value, and its kind is one the flag help knows, so no setting is
// left out of parsing or checking.
func TestSettingsRoundTrip(t *testing.T) {
	t.Parallel()
	kinds := map[string]bool{"string": true, "bool": true, "int": true, "duration": true, "stringSlice": true}
	for _, s := range settings() {
		cfg := defaultConfig()
		v := s.value(&cfg)
		if !kinds[v.Type()] {
			t.Errorf("%s: kind %q", s.key, v.Type())
		}
		if err := v.Set(v.String()); err != nil {
			t.Errorf("%s: its default %q does not read back: %v", s.key, v.String(), err)
		}
		if diff := cmp.Diff(defaultConfig(), cfg, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: reading the default back changed the config (-want +got):\n%s", s.key, diff)
		}
	}
}
