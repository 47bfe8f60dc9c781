package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store"
)

// authMode is how an HTTP server authenticates its requests.
type authMode int

const (
	// authAuto is chat.auth's and chat.mcp_auth's default; a plan never
	// holds it (see planChatAuth).
	authAuto authMode = iota
	// authJWT: bearer tokens signed with the secret or a JWKS key; the
	// token's subject is the user.
	authJWT
	// authAccounts: bearer tokens of TaskPilot's own accounts, minted by
	// the sign-in page, for active accounts only.
	authAccounts
	// authNone: every request acts as the one local user (loopback only).
	authNone
)

// String is the mode's name in flags, environment and file.
func (m authMode) String() string {
	switch m {
	case authAuto:
		return "auto"
	case authJWT:
		return "jwt"
	case authAccounts:
		return "accounts"
	case authNone:
		return "none"
	}
	return fmt.Sprintf("authMode(%d)", int(m))
}

// tokens reports whether the mode takes bearer tokens.
func (m authMode) tokens() bool { return m == authJWT || m == authAccounts }

// verifierLeeway is the clock skew allowed on tokens' times.
const verifierLeeway = 30 * time.Second

// serverAuth is the resolved authentication of a process's HTTP servers:
// the mode and the keys. In accounts mode without a configured secret, the
// secret comes from the database (see open).
type serverAuth struct {
	mode      authMode // jwt, accounts or none
	secret    []byte   // HS256: verifies, and mints the MCP server's tokens
	jwksURL   string
	audience  string
	issuer    string
	localUser string // the user of mode none
	// oauth, in accounts mode with the authorization server on, makes the
	// verifier accept its tokens and names it in the MCP metadata.
	oauth *oauthSetup
}

// newServerAuth is the authentication mode for cfg's keys.
func newServerAuth(cfg Config, mode authMode) serverAuth {
	return serverAuth{
		mode: mode, secret: cfg.Auth.Secret, jwksURL: cfg.Auth.JWKSURL,
		audience: cfg.Auth.Audience, issuer: cfg.Auth.Issuer, localUser: cfg.MCP.User,
	}
}

// hasKey reports whether tokens can be verified with a configured key.
func (a serverAuth) hasKey() bool { return a.secret != nil || a.jwksURL != "" }

// open completes the keys once the store is open: in accounts mode
// without a configured secret, the one stored in the database.
func (a *serverAuth) open(ctx context.Context, st *store.Store) error {
	if a.mode != authAccounts || a.secret != nil {
		return nil
	}
	secret, err := accountsSecret(ctx, st)
	if err != nil {
		return err
	}
	a.secret = secret
	return nil
}

// verifier is the token verifier of modes jwt and accounts (which also
// checks that the subject is an active account of st); nil for none.
func (a serverAuth) verifier(st *store.Store) (*token.Verifier, error) {
	if !a.mode.tokens() {
		return nil, nil
	}
	tc := token.Config{Secret: a.secret, JWKSURL: a.jwksURL, Audience: a.audience, Issuer: a.issuer, Leeway: verifierLeeway}
	if a.mode == authAccounts {
		tc.CheckSubject = activeAccount(st)
	}
	if a.oauth != nil {
		tc.Local = a.oauth.localKeys(st)
	}
	v, err := token.NewVerifier(tc)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return v, nil
}

// chatVerifier is the chat server's verifier: verifier without the
// authorization server's keys. Its ES256 access tokens are for the MCP
// server alone (their audience, RFC 8707): a remote MCP client's grant,
// read-only perhaps, must not chat or manage grants as the user.
func (a serverAuth) chatVerifier(st *store.Store) (*token.Verifier, error) {
	a.oauth = nil
	return a.verifier(st)
}

// minter returns a function minting tokens that the servers accept, for
// ttl, signed with the secret.
func (a serverAuth) minter(ttl time.Duration) func(user string) (string, error) {
	secret, audience, issuer := a.secret, a.audience, a.issuer
	return func(user string) (string, error) {
		return token.Mint(secret, user, audience, issuer, ttl, time.Now())
	}
}

// authServers is the OAuth authorization server clients can discover in
// the MCP server's metadata: the issuer, when it is a URL.
func (a serverAuth) authServers() []string {
	if a.oauth != nil {
		return []string{a.oauth.issuer}
	}
	if checkURL(a.issuer) == nil {
		return []string{a.issuer}
	}
	return nil
}

// errNoKey refuses --auth jwt without a key.
func errNoKey(o origins, key string) error {
	return fmt.Errorf("%s needs a key: set TASKPILOT_AUTH_SECRET (at least 32 bytes; mint tokens with taskpilot token) or TASKPILOT_AUTH_JWKS_URL, use --auth accounts for TaskPilot's own accounts, or --auth none on a loopback address", o.is(key, "jwt"))
}

// plan is a server command's configuration resolved once, before the
// database is opened: the authentication, the users' time zone, the
// chat server's public base and link to the MCP server, with every check
// across settings done. The servers are built from it (newTaskServer,
// newMCPHandler, newChatOptions).
type plan struct {
	cfg       Config
	auth      serverAuth
	loc       *time.Location // the users' time zone, for "today"
	publicURL string         // the chat server's public base URL, without a trailing slash
	mcpURL    string         // chat: the MCP server's endpoint ("" in serve until it listens)
	mintMCP   bool           // chat: mint a token per user for the MCP server
}

// newPlan starts a plan for cfg with the given authentication mode.
func newPlan(cfg Config, mode authMode) (plan, error) {
	loc, err := location(cfg.Chat.Timezone)
	if err != nil {
		return plan{}, fmt.Errorf("chat.timezone: %w", err)
	}
	return plan{cfg: cfg, auth: newServerAuth(cfg, mode), loc: loc, publicURL: publicBase(cfg)}, nil
}

// planMCP resolves `taskpilot mcp`: over HTTP, mcp.auth none only on
// loopback and jwt only with a key.
func planMCP(cfg Config, o origins) (plan, error) {
	mode := cfg.MCP.Auth
	if cfg.MCP.Transport == "stdio" {
		mode = authNone // every request acts as mcp.user
	}
	p, err := newPlan(cfg, mode)
	if err != nil || cfg.MCP.Transport == "stdio" {
		return p, err
	}
	switch {
	case mode == authNone && !isLoopback(cfg.MCP.Addr):
		return plan{}, fmt.Errorf("%s is only allowed on a loopback address (127.0.0.1, ::1, localhost), not %q: anyone who can reach it would act as %q", o.is("mcp.auth", "none"), cfg.MCP.Addr, cfg.MCP.User)
	case mode == authJWT && !p.auth.hasKey():
		return plan{}, errNoKey(o, "mcp.auth")
	}
	return p, nil
}

// planChat resolves `taskpilot chat`: the chat authentication on its
// address, dev login, and the tokens for the MCP server at chat.mcp_url.
func planChat(cfg Config, o origins) (plan, error) {
	mode, err := planChatAuth(cfg, o, cfg.Chat.Addr)
	if err != nil {
		return plan{}, err
	}
	if err := checkDevLogin(cfg, o, mode, cfg.Chat.Addr); err != nil {
		return plan{}, err
	}
	p, err := newPlan(cfg, mode)
	if err != nil {
		return plan{}, err
	}
	p.mcpURL = cfg.Chat.MCPURL
	// In accounts mode the secret is the configured one or the database's:
	// there always is one to mint with.
	haveSecret := cfg.Auth.Secret != nil || mode == authAccounts
	switch cfg.Chat.MCPAuth {
	case authAuto:
		p.mintMCP = haveSecret
	case authJWT:
		if !haveSecret {
			return plan{}, fmt.Errorf("%s needs TASKPILOT_AUTH_SECRET (the MCP server's secret) to mint its tokens", o.is("chat.mcp_auth", "jwt"))
		}
		p.mintMCP = true
	}
	if !p.mintMCP && mode != authNone {
		return plan{}, fmt.Errorf("%s needs %s: with tokens, every user would share the MCP server's single user's tasks; set TASKPILOT_AUTH_SECRET to the MCP server's secret instead", o.is("chat.mcp_auth", "none"), o.is("chat.auth", "none"))
	}
	return p, nil
}

// planServe resolves `taskpilot serve`: one authentication for both
// servers, checked on both addresses; with tokens the chat server mints
// the MCP server's.
func planServe(cfg Config, o origins) (plan, error) {
	mode, err := planChatAuth(cfg, o, cfg.Chat.Addr, cfg.MCP.Addr)
	if err != nil {
		return plan{}, err
	}
	if err := checkDevLogin(cfg, o, mode, cfg.Chat.Addr, cfg.MCP.Addr); err != nil {
		return plan{}, err
	}
	if mode == authJWT && cfg.Auth.Secret == nil {
		return plan{}, errors.New("serve with --auth jwt needs TASKPILOT_AUTH_SECRET: the chat server mints the MCP server's tokens with it")
	}
	p, err := newPlan(cfg, mode)
	if err != nil {
		return plan{}, err
	}
	p.mintMCP = mode != authNone
	return p, nil
}

// planChatAuth resolves chat.auth for a server listening on addrs:
// accounts, jwt or none. auto is jwt when a key is configured, else none
// on loopback and accounts elsewhere; none is only allowed on loopback.
func planChatAuth(cfg Config, o origins, addrs ...string) (authMode, error) {
	mode := cfg.Chat.Auth
	if mode == authAuto {
		switch {
		case cfg.Auth.Secret != nil || cfg.Auth.JWKSURL != "":
			mode = authJWT
		case allLoopback(addrs):
			mode = authNone
		default:
			mode = authAccounts
		}
	}
	switch mode {
	case authAccounts:
		return mode, checkAccountsURL(cfg, addrs...)
	case authJWT:
		if cfg.Auth.Secret == nil && cfg.Auth.JWKSURL == "" {
			return 0, fmt.Errorf("%s needs a key: set TASKPILOT_AUTH_SECRET (at least 32 bytes; mint tokens with taskpilot token) or TASKPILOT_AUTH_JWKS_URL, or use --auth none on a loopback address", o.is("chat.auth", "jwt"))
		}
		return mode, nil
	}
	for _, addr := range addrs {
		if !isLoopback(addr) {
			return 0, fmt.Errorf("no authentication is only allowed on a loopback address (127.0.0.1, ::1, localhost), not %q: anyone who can reach it would act as %q; set TASKPILOT_AUTH_SECRET to require tokens", addr, cfg.MCP.User)
		}
	}
	return mode, nil
}

// checkDevLogin refuses chat.dev_login anywhere but on loopback with
// token auth and a secret to sign with: it lets anyone become any user.
func checkDevLogin(cfg Config, o origins, mode authMode, addrs ...string) error {
	if !cfg.Chat.DevLogin {
		return nil
	}
	devLogin := o.is("chat.dev_login", "true")
	if mode != authJWT || cfg.Auth.Secret == nil {
		return fmt.Errorf("%s needs token auth with TASKPILOT_AUTH_SECRET set (it mints tokens with that secret)", devLogin)
	}
	for _, addr := range addrs {
		if !isLoopback(addr) {
			return fmt.Errorf("%s is only allowed on a loopback address, not %q: anyone who can reach it could act as any user", devLogin, addr)
		}
	}
	return nil
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
