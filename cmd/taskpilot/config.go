package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/mcpserver/hostcheck"
	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// Config is every setting of the taskpilot binary. It is filled from, in
// increasing precedence: defaultConfig, the --config YAML file, TASKPILOT_*
// environment variables and flags given on the command line, each through
// its setting's typed value (see settings; the yaml tags only mirror the
// keys there).
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
	Runtime   RuntimeConfig  `yaml:"runtime"`
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
	Auth           authMode `yaml:"auth"`       // jwt, accounts or none
	PublicURL      string   `yaml:"public_url"` // base URL clients see; empty means http://<addr>
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// ChatConfig configures `taskpilot chat` and the chat half of `taskpilot
// serve`. The model's API key comes only from OPENAI_API_KEY.
type ChatConfig struct {
	Addr           string   `yaml:"addr"`            // listen address
	MCPURL         string   `yaml:"mcp_url"`         // the MCP server's Streamable HTTP endpoint (chat only)
	Auth           authMode `yaml:"auth"`            // auto, accounts, jwt or none
	MCPAuth        authMode `yaml:"mcp_auth"`        // auto, jwt or none: send tokens to the MCP server (chat only)
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
	// TurnLease is, on PostgreSQL, how long a dead replica's turn keeps
	// its thread busy: 2s to 1h.
	TurnLease time.Duration `yaml:"turn_lease"`
}

// MetricsConfig configures the Prometheus metrics of the HTTP servers.
type MetricsConfig struct {
	Enabled bool `yaml:"enabled"` // serve GET /metrics on every HTTP server
	// DebugAddr, if set, is a loopback address serving net/http/pprof
	// (see startDebug).
	DebugAddr string `yaml:"debug_addr"`
}

// RuntimeConfig tunes the Go runtime of the HTTP servers.
type RuntimeConfig struct {
	// GCHeapFloorMB is the heap size in MB below which the garbage
	// collector does not start (see heapFloor); 0 leaves Go's default.
	GCHeapFloorMB int `yaml:"gc_heap_floor_mb"`
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
	// KeyRotationDays is the age at which the OAuth authorization
	// server's signing key is replaced (accounts mode).
	KeyRotationDays int    `yaml:"key_rotation_days"`
	Secret          []byte `yaml:"-"` // resolved by loadConfig
}

func defaultConfig() Config {
	return Config{
		Database: DatabaseConfig{URL: "sqlite://./data/taskpilot.db", MigrateOnStart: true, TrashRetentionDays: 30},
		Log:      LogConfig{Level: "info", Format: "text"},
		MCP:      MCPConfig{Transport: "stdio", Addr: "127.0.0.1:8081", User: "local", Auth: authJWT},
		Chat: ChatConfig{Addr: "127.0.0.1:8080", MCPURL: "http://127.0.0.1:8081/mcp", Auth: authAuto, MCPAuth: authAuto,
			RateLimit: 60, HistoryItems: 20, SignUp: "closed", ModelTimeout: 60 * time.Second, FirstTokenTimeout: 20 * time.Second,
			TurnLease: 30 * time.Second},
		Auth:    AuthConfig{Audience: "taskpilot-mcp", Issuer: "taskpilot", KeyRotationDays: 30},
		Metrics: MetricsConfig{Enabled: true},
		Runtime: RuntimeConfig{GCHeapFloorMB: 32},
	}
}

// A setting is one config value that the YAML file, an environment
// variable and maybe a flag can set, all through its value's Set.
type setting struct {
	key   string              // YAML key, e.g. "mcp.addr"; also names the setting
	env   string              // environment variable
	usage string              // flag help
	value func(*Config) value // the typed place of the setting in a config
}

func settings() []setting {
	return []setting{
		{"database.url", "TASKPILOT_DATABASE_URL", "database: sqlite://PATH, sqlite::memory: or postgres://…",
			func(c *Config) value { return stringValue{&c.Database.URL, notEmpty} }},
		{"database.migrate_on_start", "TASKPILOT_MIGRATE_ON_START", "apply pending migrations on start",
			func(c *Config) value { return boolValue{&c.Database.MigrateOnStart} }},
		{"database.trash_retention_days", "TASKPILOT_TRASH_RETENTION_DAYS", "",
			func(c *Config) value { return intValue{&c.Database.TrashRetentionDays, 0, "0 (forever) or more", 0} }},
		{"log.level", "TASKPILOT_LOG_LEVEL", "log level: debug, info, warn or error",
			func(c *Config) value { return stringValue{&c.Log.Level, choice("debug", "info", "warn", "error")} }},
		{"log.format", "TASKPILOT_LOG_FORMAT", "log format: text or json",
			func(c *Config) value { return stringValue{&c.Log.Format, choice("text", "json")} }},
		{"mcp.transport", "TASKPILOT_MCP_TRANSPORT", "transport: stdio or http (Streamable HTTP at /mcp)",
			func(c *Config) value { return stringValue{&c.MCP.Transport, choice("stdio", "http")} }},
		{"mcp.addr", "TASKPILOT_MCP_ADDR", "listen address for --transport http",
			func(c *Config) value { return stringValue{&c.MCP.Addr, hostPort} }},
		{"mcp.user", "TASKPILOT_MCP_USER", "user whose tasks stdio (and --auth none) serves",
			func(c *Config) value { return stringValue{&c.MCP.User, notEmpty} }},
		{"mcp.auth", "TASKPILOT_MCP_AUTH", "http authentication: jwt, accounts (tokens of TaskPilot's own accounts) or none (none only on loopback)",
			func(c *Config) value { return authValue{&c.MCP.Auth, []authMode{authJWT, authAccounts, authNone}} }},
		{"mcp.public_url", "TASKPILOT_MCP_PUBLIC_URL", "public base URL of the server (default http://<addr>)",
			func(c *Config) value { return stringValue{&c.MCP.PublicURL, optionalURL} }},
		{"mcp.allowed_origins", "TASKPILOT_MCP_ALLOWED_ORIGINS", "browser origins allowed to call the server (comma list)",
			func(c *Config) value { return listValue{&c.MCP.AllowedOrigins, nil} }},
		{"chat.addr", "TASKPILOT_CHAT_ADDR", "listen address of the chat server",
			func(c *Config) value { return stringValue{&c.Chat.Addr, hostPort} }},
		{"chat.mcp_url", "TASKPILOT_CHAT_MCP_URL", "Streamable HTTP endpoint of the TaskPilot MCP server",
			func(c *Config) value { return stringValue{&c.Chat.MCPURL, checkURL} }},
		{"chat.auth", "TASKPILOT_CHAT_AUTH", "authentication: auto (jwt when a key is configured, else none on loopback and accounts elsewhere), accounts (sign-in with TaskPilot's own accounts), jwt or none (none only on loopback)",
			func(c *Config) value {
				return authValue{&c.Chat.Auth, []authMode{authAuto, authAccounts, authJWT, authNone}}
			}},
		{"chat.mcp_auth", "TASKPILOT_CHAT_MCP_AUTH", "tokens for the MCP server: auto (when a secret is configured), jwt or none (for an MCP server run with --auth none)",
			func(c *Config) value { return authValue{&c.Chat.MCPAuth, []authMode{authAuto, authJWT, authNone}} }},
		{"chat.allowed_origins", "TASKPILOT_CHAT_ALLOWED_ORIGINS", "browser origins allowed to call the chat server (comma list)",
			func(c *Config) value { return listValue{&c.Chat.AllowedOrigins, nil} }},
		{"chat.rate_limit", "TASKPILOT_CHAT_RATE_LIMIT", "",
			func(c *Config) value { return intValue{&c.Chat.RateLimit, 0, "0 (off) or more", 0} }},
		{"chat.model", "TASKPILOT_MODEL", "",
			func(c *Config) value { return stringValue{&c.Chat.Model, nil} }},
		{"chat.base_url", "OPENAI_BASE_URL", "",
			func(c *Config) value { return stringValue{&c.Chat.BaseURL, optionalURL} }},
		{"chat.model_timeout", "TASKPILOT_MODEL_TIMEOUT", "time limit of each model request, streaming included (e.g. 90s)",
			func(c *Config) value { return durationValue{&c.Chat.ModelTimeout, atLeast(time.Second, false)} }},
		{"chat.model_first_token_timeout", "TASKPILOT_MODEL_FIRST_TOKEN_TIMEOUT", "time limit until the model's first token, retries included; 0 turns it off",
			func(c *Config) value { return durationValue{&c.Chat.FirstTokenTimeout, atLeast(time.Second, true)} }},
		{"chat.timezone", "TASKPILOT_TIMEZONE", "",
			func(c *Config) value { return stringValue{&c.Chat.Timezone, timeZone} }},
		{"chat.history_items", "TASKPILOT_HISTORY_ITEMS", "",
			func(c *Config) value { return intValue{&c.Chat.HistoryItems, 1, "at least 1", 0} }},
		{"chat.domain_key", "TASKPILOT_CHATKIT_DOMAIN_KEY", "",
			func(c *Config) value { return stringValue{&c.Chat.DomainKey, nil} }},
		{"chat.dev_login", "TASKPILOT_CHAT_DEV_LOGIN", "let the web page mint a token for any name typed in (development only: loopback, auth jwt with a secret)",
			func(c *Config) value { return boolValue{&c.Chat.DevLogin} }},
		{"chat.signup", "TASKPILOT_SIGNUP", "with --auth accounts, who may create an account on the page: closed (only taskpilot user add), open or invite (links from taskpilot user invite)",
			func(c *Config) value {
				return stringValue{&c.Chat.SignUp, choice(signin.SignUpClosed, signin.SignUpOpen, signin.SignUpInvite)}
			}},
		{"chat.turn_lease", "TASKPILOT_CHAT_TURN_LEASE", "",
			func(c *Config) value { return durationValue{&c.Chat.TurnLease, between(2*time.Second, time.Hour)} }},
		{"auth.secret_file", "TASKPILOT_AUTH_SECRET_FILE", "",
			func(c *Config) value { return stringValue{&c.Auth.SecretFile, nil} }},
		{"auth.jwks_url", "TASKPILOT_AUTH_JWKS_URL", "",
			func(c *Config) value { return stringValue{&c.Auth.JWKSURL, optionalURL} }},
		{"auth.audience", "TASKPILOT_AUTH_AUDIENCE", "",
			func(c *Config) value { return stringValue{&c.Auth.Audience, notEmpty} }},
		{"auth.issuer", "TASKPILOT_AUTH_ISSUER", "",
			func(c *Config) value { return stringValue{&c.Auth.Issuer, notEmpty} }},
		{"auth.key_rotation_days", "TASKPILOT_AUTH_KEY_ROTATION_DAYS", "",
			func(c *Config) value { return intValue{&c.Auth.KeyRotationDays, 1, "at least 1", 0} }},
		{"public_url", "TASKPILOT_PUBLIC_URL", "base URL people reach the chat server at (https://… behind a proxy); default http://<addr>",
			func(c *Config) value { return stringValue{&c.PublicURL, optionalURL} }},
		{"http.allowed_hosts", "TASKPILOT_ALLOWED_HOSTS", "host names a reverse proxy on this machine sends (comma list); on loopback other Host headers than localhost are refused",
			func(c *Config) value { return listValue{&c.HTTP.AllowedHosts, hostcheck.Validate} }},
		{"metrics.enabled", "TASKPILOT_METRICS", "serve Prometheus metrics at GET /metrics over HTTP (unauthenticated: keep it internal)",
			func(c *Config) value { return boolValue{&c.Metrics.Enabled} }},
		{"metrics.debug_addr", "TASKPILOT_DEBUG_ADDR", "",
			func(c *Config) value { return stringValue{&c.Metrics.DebugAddr, nil} }},
		{"runtime.gc_heap_floor_mb", "TASKPILOT_GC_HEAP_FLOOR_MB", "",
			func(c *Config) value { return intValue{&c.Runtime.GCHeapFloorMB, 0, "0 (Go's default) to 4096", 4096} }},
	}
}

// secretKey is the YAML key a secret would have: refused, so a secret is
// never written into a config file.
const secretKey = "auth.secret"

// atLeast returns a check for a duration of at least min, or 0 (off) when
// zeroOff is set.
func atLeast(min time.Duration, zeroOff bool) func(time.Duration) error {
	return func(d time.Duration) error {
		switch {
		case zeroOff && d != 0 && d < min:
			return fmt.Errorf("must be 0 (off) or at least %v, not %v", min, d)
		case !zeroOff && d < min:
			return fmt.Errorf("must be at least %v, not %v", min, d)
		}
		return nil
	}
}

// between returns a check for a duration from min to max.
func between(min, max time.Duration) func(time.Duration) error {
	return func(d time.Duration) error {
		if d < min || d > max {
			return fmt.Errorf("must be a duration from %v to %v such as 30s, not %v", min, max, d)
		}
		return nil
	}
}

// settingAnnotation marks a flag as setting the config value whose key is
// the annotation's value.
const settingAnnotation = "taskpilot-setting"

// addFlag registers flag name on fs for the setting key, with the setting's
// default and usage. The flag keeps the text it is given; loadConfig sets
// it through the setting's value like any other source.
func addFlag(fs *pflag.FlagSet, name, key string) {
	s, ok := lookupSetting(key)
	if !ok {
		panic("no setting " + key)
	}
	def := defaultConfig()
	v := s.value(&def)
	f := fs.VarPF(&flagText{typ: v.Type(), text: v.String()}, name, "", s.usage)
	if v.Type() == "bool" {
		f.NoOptDefVal = "true" // --flag alone means true, as for pflag's own bools
	}
	_ = fs.SetAnnotation(name, settingAnnotation, []string{key})
}

// flagText is a setting's flag: the text given on the command line, which
// loadConfig passes to the setting's value. A list flag given twice
// (--allowed-origins a --allowed-origins b) holds both.
type flagText struct {
	typ     string // the value's Type, so help reads as for pflag's own flags
	text    string
	changed bool
}

func (f *flagText) Set(s string) error {
	if f.typ == "stringSlice" && f.changed {
		s = f.text + "," + s
	}
	f.text, f.changed = s, true
	return nil
}
func (f *flagText) String() string { return f.text }
func (f *flagText) Type() string   { return f.typ }

func lookupSetting(key string) (setting, bool) {
	for _, s := range settings() {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// An origin is where a setting's value came from, for errors that name it
// as the user gave it.
type origin struct {
	kind originKind
	name string // the flag (without --), the environment variable or the file
}

// originKind is the kind of source of a setting.
type originKind int

const (
	fromDefault originKind = iota // name: the command's flag for it, if any
	fromFile
	fromEnv
	fromFlag
)

// origins says, by setting key, where each setting of a loaded config came
// from.
type origins map[string]origin

// name names setting key in an error about its value: "--addr",
// "chat.addr (TASKPILOT_CHAT_ADDR)", "taskpilot.yaml: chat.addr", or for a
// default the command's flag, else the key.
func (o origins) name(key string) string {
	src := o[key]
	switch {
	case src.kind == fromEnv:
		s, _ := lookupSetting(key)
		return key + " (" + s.env + ")"
	case src.kind == fromFile:
		return src.name + ": " + key
	case src.name != "":
		return "--" + src.name
	}
	return key
}

// is names setting key with value v as the user set it, for errors about
// how it combines with other settings: "--auth none",
// "TASKPILOT_MCP_AUTH=none", "mcp.auth none (taskpilot.yaml)". A true
// boolean flag is the flag alone ("--dev-login").
func (o origins) is(key, v string) string {
	src := o[key]
	switch {
	case src.kind == fromEnv:
		s, _ := lookupSetting(key)
		return s.env + "=" + v
	case src.kind == fromFile:
		return key + " " + v + " (" + src.name + ")"
	case src.name != "" && v == "true":
		return "--" + src.name
	case src.name != "":
		return "--" + src.name + " " + v
	}
	return key + " " + v
}

// loadConfig builds the config: defaults, then the YAML file at path (if
// path is not empty), then environment variables, then the flags in fs that
// were set on the command line, each set and checked through its setting's
// value; errors name the source. It resolves the auth secret, and returns
// where each setting came from.
func loadConfig(path string, getenv func(string) string, fs *pflag.FlagSet) (Config, origins, error) {
	cfg := defaultConfig()
	from := origins{}
	fs.VisitAll(func(f *pflag.Flag) {
		if keys := f.Annotations[settingAnnotation]; len(keys) == 1 {
			from[keys[0]] = origin{kind: fromDefault, name: f.Name}
		}
	})
	if path != "" {
		if err := readConfigFile(path, &cfg, from); err != nil {
			return Config{}, nil, err
		}
	}
	for _, s := range settings() {
		if v := getenv(s.env); v != "" {
			from[s.key] = origin{kind: fromEnv, name: s.env}
			if err := s.value(&cfg).Set(v); err != nil {
				return Config{}, nil, fmt.Errorf("%s: %w", from.name(s.key), err)
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
		from[s.key] = origin{kind: fromFlag, name: f.Name}
		if e := s.value(&cfg).Set(f.Value.String()); e != nil {
			err = fmt.Errorf("%s: %w", from.name(s.key), e)
		}
	})
	if err != nil {
		return Config{}, nil, err
	}
	if cfg.Auth.Secret, err = readSecret(cfg.Auth.SecretFile, getenv); err != nil {
		return Config{}, nil, err
	}
	return cfg, from, nil
}

// readConfigFile sets the settings in the YAML file at path over cfg,
// through their values, and notes them in from. Unknown keys are an error,
// so typos do not go unnoticed; so is a secret.
func readConfigFile(path string, cfg *Config, from origins) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	byKey := map[string]setting{}
	for _, s := range settings() {
		byKey[s.key] = s
	}
	seen := map[string]int{}
	var walk func(n *yaml.Node, prefix string) error
	walk = func(n *yaml.Node, prefix string) error {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n.ShortTag() == "!!null" {
			return nil // an empty section
		}
		if n.Kind != yaml.MappingNode {
			where := "the file"
			if prefix != "" {
				where = strings.TrimSuffix(prefix, ".")
			}
			return fmt.Errorf("%s:%d: %s must be a mapping of settings", path, n.Line, where)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := prefix + k.Value
			if line, ok := seen[key]; ok {
				return fmt.Errorf("%s:%d: %s is set twice (also on line %d)", path, k.Line, key, line)
			}
			seen[key] = k.Line
			s, ok := byKey[key]
			switch {
			case key == secretKey:
				return fmt.Errorf("%s:%d: auth.secret is not allowed in a file; set TASKPILOT_AUTH_SECRET or auth.secret_file", path, k.Line)
			case ok:
				if err := setFromYAML(s.value(cfg), v); err != nil {
					return fmt.Errorf("%s:%d: %s: %w", path, v.Line, key, err)
				}
				from[key] = origin{kind: fromFile, name: path}
			case isSection(key):
				if err := walk(v, key+"."); err != nil {
					return err
				}
			case prefix == "":
				return fmt.Errorf("%s:%d: field %s not found", path, k.Line, k.Value)
			default:
				return fmt.Errorf("%s:%d: field %s not found in %s", path, k.Line, k.Value, strings.TrimSuffix(prefix, "."))
			}
		}
		return nil
	}
	return walk(doc.Content[0], "")
}

// isSection reports whether key is a section of settings ("chat").
func isSection(key string) bool {
	for _, s := range settings() {
		if strings.HasPrefix(s.key, key+".") {
			return true
		}
	}
	return false
}

// setFromYAML sets v from the YAML value n: a scalar as its text, a list
// (for a list setting) as its items joined by commas. null leaves v as it
// is.
func setFromYAML(v value, n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case n.ShortTag() == "!!null":
		return nil
	case n.Kind == yaml.ScalarNode:
		return v.Set(n.Value)
	case n.Kind == yaml.SequenceNode && v.Type() == "stringSlice":
		items := make([]string, len(n.Content))
		for i, item := range n.Content {
			if item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			if item.Kind != yaml.ScalarNode || strings.Contains(item.Value, ",") {
				return fmt.Errorf("list item on line %d must be a single value without commas", item.Line)
			}
			items[i] = item.Value
		}
		return v.Set(strings.Join(items, ","))
	case n.Kind == yaml.SequenceNode:
		return errors.New("must be a single value, not a list")
	}
	return errors.New("must be a single value, not a mapping")
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

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}
