package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/taskpilot/taskpilot/mcpserver/hostcheck"
	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// Config is every setting of the taskpilot binary. It is filled from, in
// increasing precedence: defaultConfig, the --config YAML file, TASKPILOT_*
// environment variables and flags given on the command line.
type Config struct {
	// PublicURL is the chat server's base URL as people reach it
	// ("https://tasks.example.com"); links, cookies and OAuth URLs derive
	// from it. "" means http://<chat addr>.
	PublicURL string         `yaml:"public_url"`
	Database  DatabaseConfig `yaml:"database"`
	Log       LogConfig      `yaml:"log"`
	MCP       MCPConfig      `yaml:"mcp"`
	Chat      ChatConfig     `yaml:"chat"`
	Auth      AuthConfig     `yaml:"auth"`
	Metrics   MetricsConfig  `yaml:"metrics"`
	HTTP      HTTPConfig     `yaml:"http"`
}

// DatabaseConfig says where the tasks live.
type DatabaseConfig struct {
	URL            string `yaml:"url"`
	MigrateOnStart bool   `yaml:"migrate_on_start"`
	// TrashRetentionDays is how long deleted tasks can be restored before
	// the server purges them; 0 keeps them forever.
	TrashRetentionDays int `yaml:"trash_retention_days"`
}

// LogConfig shapes the log written to stderr.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// MCPConfig configures `taskpilot mcp`.
type MCPConfig struct {
	Transport      string   `yaml:"transport"`  // stdio or http
	Addr           string   `yaml:"addr"`       // listen address for http
	User           string   `yaml:"user"`       // the user for stdio and for auth none
	Auth           string   `yaml:"auth"`       // jwt or none
	PublicURL      string   `yaml:"public_url"` // base URL clients see; empty means http://<addr>
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// ChatConfig configures `taskpilot chat` and the chat half of `taskpilot
// serve`. The model's API key comes only from OPENAI_API_KEY.
type ChatConfig struct {
	Addr           string   `yaml:"addr"`            // listen address
	MCPURL         string   `yaml:"mcp_url"`         // the MCP server's Streamable HTTP endpoint (chat only)
	Auth           string   `yaml:"auth"`            // auto, jwt or none
	MCPAuth        string   `yaml:"mcp_auth"`        // auto, jwt or none: send tokens to the MCP server (chat only)
	AllowedOrigins []string `yaml:"allowed_origins"` // browser origins allowed cross-origin
	RateLimit      int      `yaml:"rate_limit"`      // requests per user and minute
	Model          string   `yaml:"model"`           // "" means gpt-4.1-mini when OPENAI_API_KEY is set
	BaseURL        string   `yaml:"base_url"`        // OpenAI-compatible endpoint; "" means OpenAI's
	Timezone       string   `yaml:"timezone"`        // IANA zone for "today"; "" means the machine's
	HistoryItems   int      `yaml:"history_items"`   // thread items the model sees
	DomainKey      string   `yaml:"domain_key"`      // ChatKit domain key for the page at /
	DevLogin       bool     `yaml:"dev_login"`       // serve POST /auth/dev-login (loopback, auth jwt, secret only)
	SignUp         string   `yaml:"signup"`          // with auth accounts: closed, open or invite

	// ModelTimeout bounds each model request attempt, streaming included.
	ModelTimeout time.Duration `yaml:"model_timeout"`
	// FirstTokenTimeout bounds the wait for a reply's first token, retries
	// included; 0 means no limit.
	FirstTokenTimeout time.Duration `yaml:"model_first_token_timeout"`
	TurnLease         string        `yaml:"turn_lease"` // on PostgreSQL, how long a dead replica's turn keeps its thread busy
}

// MetricsConfig configures the Prometheus metrics of the HTTP servers.
type MetricsConfig struct {
	Enabled bool `yaml:"enabled"` // serve GET /metrics on every HTTP server
	// DebugAddr, if set, is a loopback address serving net/http/pprof
	// (see startDebug).
	DebugAddr string `yaml:"debug_addr"`
}

// HTTPConfig applies to every HTTP server (mcp --transport http, chat,
// serve).
type HTTPConfig struct {
	// AllowedHosts are host names, besides localhost and loopback IPs, that
	// a request arriving on loopback may name (a reverse proxy's); other
	// Host headers are refused there (DNS-rebinding protection).
	AllowedHosts []string `yaml:"allowed_hosts"`
}

// AuthConfig configures bearer tokens. The secret itself never comes from a
// flag or a YAML value: only from TASKPILOT_AUTH_SECRET or a secret file.
type AuthConfig struct {
	SecretFile string `yaml:"secret_file"`
	JWKSURL    string `yaml:"jwks_url"`
	Audience   string `yaml:"audience"`
	Issuer     string `yaml:"issuer"`
	Secret     []byte `yaml:"-"` // resolved by loadConfig
}

func defaultConfig() Config {
	return Config{
		Database: DatabaseConfig{URL: "sqlite://./data/taskpilot.db", MigrateOnStart: true, TrashRetentionDays: 30},
		Log:      LogConfig{Level: "info", Format: "text"},
		MCP:      MCPConfig{Transport: "stdio", Addr: "127.0.0.1:8081", User: "local", Auth: "jwt"},
		Chat: ChatConfig{Addr: "127.0.0.1:8080", MCPURL: "http://127.0.0.1:8081/mcp", Auth: "auto", MCPAuth: "auto",
			RateLimit: 60, HistoryItems: 20, SignUp: "closed", ModelTimeout: 60 * time.Second, FirstTokenTimeout: 20 * time.Second,
			TurnLease: "30s"},
		Auth:    AuthConfig{Audience: "taskpilot-mcp", Issuer: "taskpilot"},
		Metrics: MetricsConfig{Enabled: true},
	}
}

// A setting is one config value that an environment variable, and maybe a
// flag, can set.
type setting struct {
	key   string            // YAML key, e.g. "mcp.addr"; also names the setting
	env   string            // environment variable
	usage string            // flag help
	field func(*Config) any // *string, *bool, *int, *time.Duration or *[]string inside the config
}

func settings() []setting {
	return []setting{
		{"database.url", "TASKPILOT_DATABASE_URL", "database: sqlite://PATH, sqlite::memory: or postgres://…",
			func(c *Config) any { return &c.Database.URL }},
		{"database.migrate_on_start", "TASKPILOT_MIGRATE_ON_START", "apply pending migrations on start",
			func(c *Config) any { return &c.Database.MigrateOnStart }},
		{"database.trash_retention_days", "TASKPILOT_TRASH_RETENTION_DAYS", "",
			func(c *Config) any { return &c.Database.TrashRetentionDays }},
		{"log.level", "TASKPILOT_LOG_LEVEL", "log level: debug, info, warn or error",
			func(c *Config) any { return &c.Log.Level }},
		{"log.format", "TASKPILOT_LOG_FORMAT", "log format: text or json",
			func(c *Config) any { return &c.Log.Format }},
		{"mcp.transport", "TASKPILOT_MCP_TRANSPORT", "transport: stdio or http (Streamable HTTP at /mcp)",
			func(c *Config) any { return &c.MCP.Transport }},
		{"mcp.addr", "TASKPILOT_MCP_ADDR", "listen address for --transport http",
			func(c *Config) any { return &c.MCP.Addr }},
		{"mcp.user", "TASKPILOT_MCP_USER", "user whose tasks stdio (and --auth none) serves",
			func(c *Config) any { return &c.MCP.User }},
		{"mcp.auth", "TASKPILOT_MCP_AUTH", "http authentication: jwt, accounts (tokens of TaskPilot's own accounts) or none (none only on loopback)",
			func(c *Config) any { return &c.MCP.Auth }},
		{"mcp.public_url", "TASKPILOT_MCP_PUBLIC_URL", "public base URL of the server (default http://<addr>)",
			func(c *Config) any { return &c.MCP.PublicURL }},
		{"mcp.allowed_origins", "TASKPILOT_MCP_ALLOWED_ORIGINS", "browser origins allowed to call the server (comma list)",
			func(c *Config) any { return &c.MCP.AllowedOrigins }},
		{"chat.addr", "TASKPILOT_CHAT_ADDR", "listen address of the chat server",
			func(c *Config) any { return &c.Chat.Addr }},
		{"chat.mcp_url", "TASKPILOT_CHAT_MCP_URL", "Streamable HTTP endpoint of the TaskPilot MCP server",
			func(c *Config) any { return &c.Chat.MCPURL }},
		{"chat.auth", "TASKPILOT_CHAT_AUTH", "authentication: auto (jwt when a key is configured, else none on loopback and accounts elsewhere), accounts (sign-in with TaskPilot's own accounts), jwt or none (none only on loopback)",
			func(c *Config) any { return &c.Chat.Auth }},
		{"chat.mcp_auth", "TASKPILOT_CHAT_MCP_AUTH", "tokens for the MCP server: auto (when a secret is configured), jwt or none (for an MCP server run with --auth none)",
			func(c *Config) any { return &c.Chat.MCPAuth }},
		{"chat.allowed_origins", "TASKPILOT_CHAT_ALLOWED_ORIGINS", "browser origins allowed to call the chat server (comma list)",
			func(c *Config) any { return &c.Chat.AllowedOrigins }},
		{"chat.rate_limit", "TASKPILOT_CHAT_RATE_LIMIT", "",
			func(c *Config) any { return &c.Chat.RateLimit }},
		{"chat.model", "TASKPILOT_MODEL", "",
			func(c *Config) any { return &c.Chat.Model }},
		{"chat.base_url", "OPENAI_BASE_URL", "",
			func(c *Config) any { return &c.Chat.BaseURL }},
		{"chat.model_timeout", "TASKPILOT_MODEL_TIMEOUT", "time limit of each model request, streaming included (e.g. 90s)",
			func(c *Config) any { return &c.Chat.ModelTimeout }},
		{"chat.model_first_token_timeout", "TASKPILOT_MODEL_FIRST_TOKEN_TIMEOUT", "time limit until the model's first token, retries included; 0 turns it off",
			func(c *Config) any { return &c.Chat.FirstTokenTimeout }},
		{"chat.timezone", "TASKPILOT_TIMEZONE", "",
			func(c *Config) any { return &c.Chat.Timezone }},
		{"chat.history_items", "TASKPILOT_HISTORY_ITEMS", "",
			func(c *Config) any { return &c.Chat.HistoryItems }},
		{"chat.domain_key", "TASKPILOT_CHATKIT_DOMAIN_KEY", "",
			func(c *Config) any { return &c.Chat.DomainKey }},
		{"chat.dev_login", "TASKPILOT_CHAT_DEV_LOGIN", "let the web page mint a token for any name typed in (development only: loopback, auth jwt with a secret)",
			func(c *Config) any { return &c.Chat.DevLogin }},
		{"chat.signup", "TASKPILOT_SIGNUP", "with --auth accounts, who may create an account on the page: closed (only taskpilot user add), open or invite (links from taskpilot user invite)",
			func(c *Config) any { return &c.Chat.SignUp }},
		{"chat.turn_lease", "TASKPILOT_CHAT_TURN_LEASE", "",
			func(c *Config) any { return &c.Chat.TurnLease }},
		{"auth.secret_file", "TASKPILOT_AUTH_SECRET_FILE", "",
			func(c *Config) any { return &c.Auth.SecretFile }},
		{"auth.jwks_url", "TASKPILOT_AUTH_JWKS_URL", "",
			func(c *Config) any { return &c.Auth.JWKSURL }},
		{"auth.audience", "TASKPILOT_AUTH_AUDIENCE", "",
			func(c *Config) any { return &c.Auth.Audience }},
		{"auth.issuer", "TASKPILOT_AUTH_ISSUER", "",
			func(c *Config) any { return &c.Auth.Issuer }},
		{"public_url", "TASKPILOT_PUBLIC_URL", "base URL people reach the chat server at (https://… behind a proxy); default http://<addr>",
			func(c *Config) any { return &c.PublicURL }},
		{"http.allowed_hosts", "TASKPILOT_ALLOWED_HOSTS", "host names a reverse proxy on this machine sends (comma list); on loopback other Host headers than localhost are refused",
			func(c *Config) any { return &c.HTTP.AllowedHosts }},
		{"metrics.enabled", "TASKPILOT_METRICS", "serve Prometheus metrics at GET /metrics over HTTP (unauthenticated: keep it internal)",
			func(c *Config) any { return &c.Metrics.Enabled }},
		{"metrics.debug_addr", "TASKPILOT_DEBUG_ADDR", "",
			func(c *Config) any { return &c.Metrics.DebugAddr }},
	}
}

// settingAnnotation marks a flag as setting the config value whose key is
// the annotation's value.
const settingAnnotation = "taskpilot-setting"

// addFlag registers flag name on fs for the setting key, with the setting's
// default and usage.
func addFlag(fs *pflag.FlagSet, name, key string) {
	s, ok := lookupSetting(key)
	if !ok {
		panic("no setting " + key)
	}
	def := defaultConfig()
	switch p := s.field(&def).(type) {
	case *string:
		fs.String(name, *p, s.usage)
	case *bool:
		fs.Bool(name, *p, s.usage)
	case *int:
		fs.Int(name, *p, s.usage)
	case *time.Duration:
		fs.Duration(name, *p, s.usage)
	case *[]string:
		fs.StringSlice(name, *p, s.usage)
	}
	_ = fs.SetAnnotation(name, settingAnnotation, []string{key})
}

func lookupSetting(key string) (setting, bool) {
	for _, s := range settings() {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// loadConfig builds the config: defaults, then the YAML file at path (if
// path is not empty), then environment variables, then the flags in fs that
// were set on the command line. It resolves the auth secret and checks the
// settings every command uses.
func loadConfig(path string, getenv func(string) string, fs *pflag.FlagSet) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		if err := readConfigFile(path, &cfg); err != nil {
			return Config{}, err
		}
	}
	for _, s := range settings() {
		if v := getenv(s.env); v != "" {
			if err := set(s.field(&cfg), v); err != nil {
				return Config{}, fmt.Errorf("%s: %w", s.env, err)
			}
		}
	}
	var err error
	fs.Visit(func(f *pflag.Flag) {
		keys := f.Annotations[settingAnnotation]
		if err != nil || len(keys) != 1 {
			return
		}
		s, _ := lookupSetting(keys[0])
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		if e := set(s.field(&cfg), v); e != nil {
			err = fmt.Errorf("--%s: %w", f.Name, e)
		}
	})
	if err != nil {
		return Config{}, err
	}
	if cfg.Auth.Secret, err = readSecret(cfg.Auth.SecretFile, getenv); err != nil {
		return Config{}, err
	}
	return cfg, cfg.validate()
}

// readConfigFile decodes the YAML file at path over cfg. Unknown keys are
// an error, so typos do not go unnoticed.
func readConfigFile(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		if strings.Contains(err.Error(), "field secret not found") {
			return fmt.Errorf("config %s: auth.secret is not allowed in a file; set TASKPILOT_AUTH_SECRET or auth.secret_file", path)
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// set parses v into the value p points to.
func set(p any, v string) error {
	switch p := p.(type) {
	case *string:
		*p = v
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s or 2m", v)
		}
		*p = d
	case *[]string:
		*p = nil
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*p = append(*p, s)
			}
		}
	}
	return nil
}

// readSecret returns the signing secret from TASKPILOT_AUTH_SECRET, or else
// from the secret file (TASKPILOT_AUTH_SECRET_FILE or auth.secret_file,
// already merged into file), or nil if none is configured. Surrounding
// whitespace is trimmed.
func readSecret(file string, getenv func(string) string) ([]byte, error) {
	secret := getenv("TASKPILOT_AUTH_SECRET")
	switch {
	case secret != "" && getenv("TASKPILOT_AUTH_SECRET_FILE") != "":
		return nil, errors.New("set TASKPILOT_AUTH_SECRET or TASKPILOT_AUTH_SECRET_FILE, not both")
	case secret == "" && file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read auth secret: %w", err)
		}
		secret = string(b)
	}
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, nil
	}
	if len(secret) < token.MinSecretLen {
		return nil, fmt.Errorf("auth secret is %d bytes; it must be at least %d (try: openssl rand -hex 32)", len(secret), token.MinSecretLen)
	}
	return []byte(secret), nil
}

// validate checks the settings every command uses.
func (c Config) validate() error {
	switch {
	case c.Database.URL == "":
		return errors.New("--database-url must not be empty")
	case !oneOf(c.Log.Level, "debug", "info", "warn", "error"):
		return fmt.Errorf("--log-level must be debug, info, warn or error, not %q", c.Log.Level)
	case !oneOf(c.Log.Format, "text", "json"):
		return fmt.Errorf("--log-format must be text or json, not %q", c.Log.Format)
	case c.Auth.Audience == "" || c.Auth.Issuer == "":
		return errors.New("auth.audience and auth.issuer must not be empty")
	}
	if c.PublicURL != "" {
		if err := checkURL(c.PublicURL); err != nil {
			return fmt.Errorf("public_url (TASKPILOT_PUBLIC_URL): %w", err)
		}
	}
	if c.Auth.JWKSURL != "" {
		if err := checkURL(c.Auth.JWKSURL); err != nil {
			return fmt.Errorf("auth.jwks_url: %w", err)
		}
	}
	for _, h := range c.HTTP.AllowedHosts {
		if err := hostcheck.Validate(h); err != nil {
			return fmt.Errorf("--allowed-hosts: %w", err)
		}
	}
	return nil
}

// validate checks the settings of `taskpilot mcp`.
func (c MCPConfig) validate() error {
	switch {
	case !oneOf(c.Transport, "stdio", "http"):
		return fmt.Errorf("--transport must be stdio or http, not %q", c.Transport)
	case !oneOf(c.Auth, "jwt", "accounts", "none"):
		return fmt.Errorf("--auth must be jwt, accounts or none, not %q", c.Auth)
	case strings.TrimSpace(c.User) == "":
		return errors.New("--user must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q is not host:port", c.Addr)
	}
	if c.PublicURL != "" {
		if err := checkURL(c.PublicURL); err != nil {
			return fmt.Errorf("--public-url: %w", err)
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

func oneOf(s string, allowed ...string) bool { return slices.Contains(allowed, s) }
