package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // TASKPILOT_TIMEZONE works on machines without zoneinfo

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/chatserver/threadstore"
	"github.com/taskpilot/taskpilot/chatserver/web"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store"
)

// defaultModel is the model used when OPENAI_API_KEY is set and
// TASKPILOT_MODEL is not.
const defaultModel = "gpt-4.1-mini"

// mcpTokenTTL is the lifetime of the tokens the chat server mints for the
// MCP server; one is minted per turn.
const mcpTokenTTL = 5 * time.Minute

// mcpCallTimeout bounds one HTTP request to the MCP server.
const mcpCallTimeout = 60 * time.Second

func newChatCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Serve the chat assistant (ChatKit and REST) against a TaskPilot MCP server",
		Long: `Chat serves the AI assistant on --addr: the chat page at / (the ChatKit web
UI, or a self-hosted lite client at /lite), the ChatKit protocol at POST
/chatkit (also /api/v1/chatkit), and POST /api/{user_id}/chat for simple
clients. Conversations are stored in the database, beside the
tasks. The assistant reaches tasks only through the MCP server at --mcp-url,
acting as the requesting user.

The model is set by environment variables: OPENAI_API_KEY, OPENAI_BASE_URL
(any OpenAI-compatible endpoint) and TASKPILOT_MODEL (default gpt-4.1-mini
when a key is set). Without a model, slash commands still work: /add, /list,
/done N, /undo N, /delete N and /help.

Authentication (--auth): with jwt every request needs "Authorization: Bearer
<token>" and acts as the token's subject; the same tokens as the MCP server's
(see taskpilot token) are accepted. The chat server then mints a short-lived
token per user for the MCP server with TASKPILOT_AUTH_SECRET, so both must
share the secret. With none every request acts as --user; that is only
allowed on a loopback address, and the MCP server must run with --auth none
too unless a secret is set. auto (the default) is jwt when a key is
configured, else none.`,
		Example: `  export TASKPILOT_AUTH_SECRET=$(openssl rand -hex 32) OPENAI_API_KEY=sk-...
  taskpilot mcp --transport http --addr 127.0.0.1:8081 &
  taskpilot chat --addr 127.0.0.1:8080 --mcp-url http://127.0.0.1:8081/mcp
  taskpilot chat --auth none --mcp-auth none   # single local user, no secrets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := e.load(cmd)
			if err != nil {
				return err
			}
			return runChat(cmd.Context(), cfg, log, e.getenv)
		},
	}
	fs := cmd.Flags()
	addFlag(fs, "addr", "chat.addr")
	addFlag(fs, "mcp-url", "chat.mcp_url")
	addFlag(fs, "auth", "chat.auth")
	addFlag(fs, "mcp-auth", "chat.mcp_auth")
	addFlag(fs, "user", "mcp.user")
	addFlag(fs, "allowed-origins", "chat.allowed_origins")
	addFlag(fs, "allowed-hosts", "http.allowed_hosts")
	addFlag(fs, "dev-login", "chat.dev_login")
	addFlag(fs, "signup", "chat.signup")
	addFlag(fs, "public-url", "public_url")
	addFlag(fs, "model-timeout", "chat.model_timeout")
	addFlag(fs, "model-first-token-timeout", "chat.model_first_token_timeout")
	addFlag(fs, "migrate-on-start", "database.migrate_on_start")
	addFlag(fs, "metrics", "metrics.enabled")
	fs.Lookup("user").Usage = "the single user when authentication is off"
	return cmd
}

// runChat serves the chat server until ctx is done.
func runChat(ctx context.Context, cfg Config, log *slog.Logger, getenv func(string) string) error {
	if err := cfg.Chat.validate(); err != nil {
		return err
	}
	if err := checkURL(cfg.Chat.MCPURL); err != nil {
		return fmt.Errorf("--mcp-url: %w", err)
	}
	auth, err := chatAuth(cfg, cfg.Chat.Addr)
	if err != nil {
		return err
	}
	if err := checkDevLogin(cfg, auth, cfg.Chat.Addr); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.Database, log, cfg.Database.MigrateOnStart)
	if err != nil {
		return err
	}
	defer st.Close()
	if auth == "accounts" {
		if cfg.Auth.Secret, err = accountsSecret(ctx, cfg, st); err != nil {
			return err
		}
	}
	mcpAuth := cfg.Chat.MCPAuth
	if mcpAuth == "auto" {
		mcpAuth = "none"
		if cfg.Auth.Secret != nil {
			mcpAuth = "jwt"
		}
	}
	switch {
	case mcpAuth == "jwt" && cfg.Auth.Secret == nil:
		return errors.New("--mcp-auth jwt needs TASKPILOT_AUTH_SECRET (the MCP server's secret) to mint its tokens")
	case mcpAuth == "none" && auth != "none":
		return errors.New("--mcp-auth none needs --auth none: with tokens, every user would share the MCP server's single user's tasks; set TASKPILOT_AUTH_SECRET to the MCP server's secret instead")
	}
	opts, err := chatOptions(cfg, log, getenv, st, newRegistry(cfg, st), auth, cfg.Chat.MCPURL, mcpAuth == "jwt")
	if err != nil {
		return err
	}
	if auth == "accounts" {
		if err := logSetupLink(ctx, st, publicBase(cfg), log); err != nil {
			return err
		}
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.Chat.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := chatOAuth(ctx, cfg, st, auth, ln.Addr(), &opts, log); err != nil {
		_ = ln.Close()
		return err
	}
	log.Info("chat server listening", "addr", ln.Addr().String(), "auth", auth, "mcp_url", cfg.Chat.MCPURL, "mcp_auth", mcpAuth)
	return chatserver.Serve(ctx, ln, opts)
}

// validate checks the chat settings.
func (c ChatConfig) validate() error {
	switch {
	case !oneOf(c.Auth, "auto", "jwt", "accounts", "none"):
		return fmt.Errorf("--auth must be auto, accounts, jwt or none, not %q", c.Auth)
	case !oneOf(c.SignUp, signin.SignUpClosed, signin.SignUpOpen, signin.SignUpInvite):
		return fmt.Errorf("--signup must be closed, open or invite, not %q", c.SignUp)
	case !oneOf(c.MCPAuth, "auto", "jwt", "none"):
		return fmt.Errorf("--mcp-auth must be auto, jwt or none, not %q", c.MCPAuth)
	case c.RateLimit < 0:
		return fmt.Errorf("chat.rate_limit must be 0 (off) or more, not %d", c.RateLimit)
	case c.HistoryItems < 1:
		return fmt.Errorf("chat.history_items must be at least 1, not %d", c.HistoryItems)
	case c.ModelTimeout < time.Second:
		return fmt.Errorf("--model-timeout must be at least 1s, not %v", c.ModelTimeout)
	case c.FirstTokenTimeout != 0 && c.FirstTokenTimeout < time.Second:
		return fmt.Errorf("--model-first-token-timeout must be 0 (off) or at least 1s, not %v", c.FirstTokenTimeout)
	}
	if _, err := c.turnLease(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q is not host:port", c.Addr)
	}
	if c.BaseURL != "" {
		if err := checkURL(c.BaseURL); err != nil {
			return fmt.Errorf("OPENAI_BASE_URL: %w", err)
		}
	}
	if _, err := location(c.Timezone); err != nil {
		return err
	}
	return nil
}

// turnLease parses chat.turn_lease: 2s to 1h.
func (c ChatConfig) turnLease() (time.Duration, error) {
	d, err := time.ParseDuration(c.TurnLease)
	if err != nil || d < 2*time.Second || d > time.Hour {
		return 0, fmt.Errorf("chat.turn_lease (TASKPILOT_CHAT_TURN_LEASE) must be a duration from 2s to 1h such as 30s, not %q", c.TurnLease)
	}
	return d, nil
}

// location returns the time zone named by TASKPILOT_TIMEZONE, or the
// machine's when it is empty.
func location(name string) (*time.Location, error) {
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("TASKPILOT_TIMEZONE: %q is not a time zone such as Europe/Paris", name)
	}
	return loc, nil
}

// chatAuth resolves chat.auth for a server listening on addrs: accounts,
// jwt or none. auto is jwt when a key is configured, else accounts on a
// non-loopback address and none on loopback; none is only allowed on
// loopback, and is logged as a warning.
func chatAuth(cfg Config, addrs ...string) (string, error) {
	auth := cfg.Chat.Auth
	if auth == "auto" {
		switch {
		case cfg.Auth.Secret != nil || cfg.Auth.JWKSURL != "":
			auth = "jwt"
		case allLoopback(addrs):
			auth = "none"
		default:
			auth = "accounts"
		}
	}
	if auth == "accounts" {
		return auth, checkAccountsURL(cfg, addrs...)
	}
	if auth == "jwt" {
		if cfg.Auth.Secret == nil && cfg.Auth.JWKSURL == "" {
			return "", errors.New("--auth jwt needs a key: set TASKPILOT_AUTH_SECRET (at least 32 bytes; mint tokens with taskpilot token) or TASKPILOT_AUTH_JWKS_URL, or use --auth none on a loopback address")
		}
		return auth, nil
	}
	for _, addr := range addrs {
		if !isLoopback(addr) {
			return "", fmt.Errorf("no authentication is only allowed on a loopback address (127.0.0.1, ::1, localhost), not %q: anyone who can reach it would act as %q; set TASKPILOT_AUTH_SECRET to require tokens", addr, cfg.MCP.User)
		}
	}
	return auth, nil
}

// chatOptions builds the chat server: the thread store over st, the agent
// (model from the environment, tools from the MCP server at mcpURL, with a
// minted token per user when mintTokens is set), the verifier for auth
// jwt and, when reg is not nil, the metrics, registered in reg.
func chatOptions(cfg Config, log *slog.Logger, getenv func(string) string, st *store.Store, reg *prometheus.Registry, auth, mcpURL string, mintTokens bool) (chatserver.Options, error) {
	log = slog.New(chatserver.LogHandler(log.Handler())) // request ids on the agent's and engine's lines too
	loc, err := location(cfg.Chat.Timezone)
	if err != nil {
		return chatserver.Options{}, err
	}
	var mint func(user string) (string, error)
	if mintTokens {
		secret, audience, issuer := cfg.Auth.Secret, cfg.Auth.Audience, cfg.Auth.Issuer
		mint = func(user string) (string, error) {
			return token.Mint(secret, user, audience, issuer, mcpTokenTTL, time.Now())
		}
	}
	connector := agent.NewHTTPConnector(mcpURL, mint, &http.Client{Timeout: mcpCallTimeout})

	apiKey := strings.TrimSpace(getenv("OPENAI_API_KEY"))
	model := cfg.Chat.Model
	if model == "" && apiKey != "" {
		model = defaultModel
	}
	acfg := agent.Config{
		Model:        model,
		APIKey:       apiKey,
		BaseURL:      cfg.Chat.BaseURL,
		HistoryItems: cfg.Chat.HistoryItems,
		Location:     loc,
		Tools:        connector,
		Logger:       log,
	}
	acfg.RequestTimeout, acfg.FirstTokenTimeout = cfg.Chat.ModelTimeout, cfg.Chat.FirstTokenTimeout
	if acfg.FirstTokenTimeout == 0 {
		acfg.FirstTokenTimeout = -1 // off
	}
	var metrics *chatserver.Metrics
	if reg != nil {
		metrics = chatserver.NewMetrics(reg)
		acfg.Metrics = metrics
	}
	ag, err := agent.New(acfg)
	if err != nil {
		return chatserver.Options{}, err
	}
	if ag.HasModel() {
		log.Info("chat model", "model", model, "base_url", cfg.Chat.BaseURL)
	} else {
		log.Warn("no chat model configured: only slash commands work (/add, /list, /done N, /help); set OPENAI_API_KEY, or OPENAI_BASE_URL and TASKPILOT_MODEL")
	}

	threads := threadstore.New(st)
	kitLog := log.With("component", "chatkit")
	opts := chatserver.Options{
		Kit:            chatkit.New(threads, ag, chatkit.Options{Logger: kitLog, Actions: ag, SyncActions: ag, Titler: ag}),
		Store:          threads,
		LocalUser:      cfg.MCP.User,
		AllowedOrigins: cfg.Chat.AllowedOrigins,
		AllowedHosts:   cfg.HTTP.AllowedHosts,
		RateLimit:      chatserver.RateLimit{PerMinute: float64(cfg.Chat.RateLimit)},
		Ready:          st.Ping,
		Logger:         log.With("component", "chat"),
		Metrics:        metrics,
	}
	if cfg.Chat.RateLimit == 0 {
		opts.RateLimit.PerMinute = -1
	}
	if err := sharedLimits(&opts, cfg.Chat, st, log); err != nil {
		return chatserver.Options{}, err
	}
	if auth == "jwt" || auth == "accounts" {
		tc := token.Config{
			Secret:   cfg.Auth.Secret,
			JWKSURL:  cfg.Auth.JWKSURL,
			Audience: cfg.Auth.Audience,
			Issuer:   cfg.Auth.Issuer,
			Leeway:   30 * time.Second,
		}
		if auth == "accounts" {
			tc.CheckSubject = activeAccount(st)
		}
		v, err := token.NewVerifier(tc)
		if err != nil {
			return chatserver.Options{}, fmt.Errorf("auth: %w", err)
		}
		opts.Verifier = tokenVerifier{v}
	} else {
		log.Warn("authentication is off: every chat request acts as one user", "user", cfg.MCP.User)
	}
	page := web.Config{Auth: web.AuthToken, DomainKey: cfg.Chat.DomainKey, Logger: log.With("component", "web")}
	switch {
	case auth == "none":
		page.Auth = web.AuthNone
	case auth == "accounts":
		secret, audience, issuer := cfg.Auth.Secret, cfg.Auth.Audience, cfg.Auth.Issuer
		h, err := signin.New(signin.Config{
			Accounts: st,
			Mint: func(user string, ttl time.Duration) (string, error) {
				return token.Mint(secret, user, audience, issuer, ttl, time.Now())
			},
			SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
			SignUp:        cfg.Chat.SignUp,
			Logger:        log.With("component", "signin"),
		})
		if err != nil {
			return chatserver.Options{}, err
		}
		opts.SignIn = h
		page.Auth = web.AuthAccounts
	case cfg.Chat.DevLogin:
		secret, audience, issuer := cfg.Auth.Secret, cfg.Auth.Audience, cfg.Auth.Issuer
		page.Auth = web.AuthDev
		page.DevLogin = func(user string) (string, error) {
			return token.Mint(secret, user, audience, issuer, devLoginTTL, time.Now())
		}
		log.Warn("dev login is on: the web page mints a token for any name typed in")
	}
	opts.Web = web.New(page)
	return opts, nil
}

// allLoopback reports whether every address is a loopback one.
func allLoopback(addrs []string) bool {
	for _, a := range addrs {
		if !isLoopback(a) {
			return false
		}
	}
	return true
}

// checkAccountsURL refuses accounts mode on a non-loopback address unless
// people reach it over HTTPS (TASKPILOT_PUBLIC_URL https://…): passwords
// and session cookies must not cross a network in the clear.
func checkAccountsURL(cfg Config, addrs ...string) error {
	if allLoopback(addrs) || strings.HasPrefix(cfg.PublicURL, "https://") {
		return nil
	}
	if cfg.PublicURL == "" {
		return fmt.Errorf("accounts on a non-loopback address (%s) need TASKPILOT_PUBLIC_URL=https://… : serve TaskPilot behind HTTPS and name its public URL", strings.Join(addrs, ", "))
	}
	return fmt.Errorf("TASKPILOT_PUBLIC_URL %q is plain http: on a non-loopback address sign-in needs HTTPS, so passwords and cookies never travel in the clear", cfg.PublicURL)
}

// sharedLimits gives the chat server, on PostgreSQL, the turn locks and
// rate buckets every replica shares (on SQLite, its single process keeps
// them in memory).
func sharedLimits(opts *chatserver.Options, cfg ChatConfig, st *store.Store, log *slog.Logger) error {
	if st.Dialect() != store.DialectPostgres {
		return nil
	}
	ttl, err := cfg.turnLease()
	if err != nil {
		return err
	}
	leases, err := st.TurnLeases(ttl, log.With("component", "chat"))
	if err != nil {
		return err
	}
	buckets, err := st.RateBuckets()
	if err != nil {
		return err
	}
	opts.ThreadLocks, opts.RateBuckets = leases, buckets
	log.Info("turn locks and rate limit shared through the database", "turn_lease", ttl)
	return nil
}

// devLoginTTL is how long a dev-login token lasts.
const devLoginTTL = 12 * time.Hour

// checkDevLogin refuses --dev-login anywhere but on loopback with token
// auth and a secret to sign with: it lets anyone become any user.
func checkDevLogin(cfg Config, auth string, addrs ...string) error {
	if !cfg.Chat.DevLogin {
		return nil
	}
	if auth != "jwt" || cfg.Auth.Secret == nil {
		return errors.New("--dev-login needs token auth with TASKPILOT_AUTH_SECRET set (it mints tokens with that secret)")
	}
	for _, addr := range addrs {
		if !isLoopback(addr) {
			return fmt.Errorf("--dev-login is only allowed on a loopback address, not %q: anyone who can reach it could act as any user", addr)
		}
	}
	return nil
}

// tokenVerifier adapts token.Verifier to chatserver.Verifier: the user is
// the token's subject.
type tokenVerifier struct{ v *token.Verifier }

// Verify implements chatserver.Verifier.
func (t tokenVerifier) Verify(ctx context.Context, raw string) (string, error) {
	c, err := t.v.Verify(ctx, raw)
	if err != nil {
		return "", err
	}
	return c.Subject, nil
}
