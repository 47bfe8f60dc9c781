package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// oauthSecretName is the server key of the OAuth authorization server
// (accounts mode) that signs codes, refresh tokens and consent forms. Its
// ES256 access-token signing keys have a table of their own (they rotate;
// see oauthserver.Keys).
const oauthSecretName = "oauth-secret"

// oauthSetup is the authorization server of accounts mode: TaskPilot's
// own OAuth 2.1 server for MCP clients, on the chat server's origin.
type oauthSetup struct {
	issuer   string // the chat server's public base URL
	resource string // the MCP server's canonical URL: the tokens' audience
	keys     *oauthserver.Keys
	secret   []byte
	server   *oauthserver.Server // set by mount
}

// newOAuthSetup loads (or, on the first start, generates and stores) the
// authorization server's keys, replacing the signing key when it is older
// than rotation (0: oauthserver.DefaultKeyRotation). It returns nil, logging why, when the MCP
// server's canonical URL is not known (set TASKPILOT_MCP_PUBLIC_URL).
func newOAuthSetup(ctx context.Context, st *store.Store, issuer, resource string, rotation time.Duration, log *slog.Logger) (*oauthSetup, error) {
	if resource == "" {
		log.Warn("the OAuth authorization server is off: the MCP server's public URL is unknown; set TASKPILOT_MCP_PUBLIC_URL (e.g. https://tasks.example.com/mcp)")
		return nil, nil
	}
	keys, err := oauthserver.LoadKeys(ctx, oauthserver.KeysConfig{Store: st, Rotation: rotation})
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret, err := st.EnsureKey(ctx, oauthSecretName, hex.EncodeToString(b))
	if err != nil {
		return nil, fmt.Errorf("oauth secret: %w", err)
	}
	return &oauthSetup{issuer: strings.TrimSuffix(issuer, "/"), resource: resource, keys: keys, secret: []byte(secret)}, nil
}

// localKeys is what the MCP server's verifier needs to accept the
// authorization server's access tokens (and only for its own audience).
func (o *oauthSetup) localKeys(st *store.Store) *token.LocalKeys {
	return &token.LocalKeys{Issuer: o.issuer, Audience: o.resource, Key: o.keys.PublicKey, CheckGrant: activeGrant(st)}
}

// activeGrant admits only the tokens of grants that exist and are not
// revoked.
func activeGrant(st *store.Store) func(ctx context.Context, id string) error {
	return func(ctx context.Context, id string) error {
		g, err := st.GetOAuthGrant(ctx, id)
		switch {
		case errors.Is(err, models.ErrNotFound):
			return fmt.Errorf("%w: no grant %q", token.ErrInvalidToken, id)
		case err != nil:
			return err
		case g.RevokedAt != nil:
			return fmt.Errorf("%w: grant %q was revoked", token.ErrInvalidToken, id)
		}
		return nil
	}
}

// run keeps the signing keys current (rotating them when due) and, when
// this process serves the authorization server (as), sweeps its expired
// records, until ctx ends; stop waits for that.
func (o *oauthSetup) run(ctx context.Context, as *oauthserver.Server, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { o.keys.Run(ctx, 0, log.With("component", "oauth")) })
	if as != nil {
		wg.Go(func() { as.Run(ctx) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// mount adds the authorization server to the chat server's options; it
// signs people in with opts.SignIn's session cookie.
func (o *oauthSetup) mount(opts *chatserver.Options, st *store.Store, log *slog.Logger) error {
	sin, ok := opts.SignIn.(*signin.Handler)
	if !ok {
		return errors.New("oauth: accounts mode has no sign-in handler")
	}
	as, err := oauthserver.New(oauthserver.Config{
		Issuer: o.issuer, Resource: o.resource, Keys: o.keys, Secret: o.secret, Store: st,
		Session: sin.Session, Logger: log.With("component", "oauth"),
	})
	if err != nil {
		return err
	}
	opts.OAuth = as
	o.server = as
	log.Info("OAuth authorization server on", "issuer", o.issuer, "resource", o.resource)
	return nil
}

// serveOAuth sets up the authorization server for taskpilot serve in
// accounts mode (nil otherwise): its issuer is the public URL, else the
// chat listener's loopback URL; its resource is the MCP server's URL.
func serveOAuth(ctx context.Context, p plan, st *store.Store, chatAddr, mcpAddr net.Addr, log *slog.Logger) (*oauthSetup, error) {
	if p.auth.mode != authAccounts {
		return nil, nil
	}
	issuer := p.cfg.PublicURL
	if issuer == "" {
		issuer = "http://" + loopbackAddr(chatAddr)
	}
	return newOAuthSetup(ctx, st, issuer, resourceURL(p.cfg.MCP.PublicURL, mcpAddr), keyRotation(p.cfg), log)
}

// chatOAuth mounts the authorization server for taskpilot chat in accounts
// mode and returns it (nil in other modes): its issuer is TASKPILOT_PUBLIC_URL, else the listener's loopback
// URL; its resource is the MCP server's public URL, else --mcp-url. The
// MCP server (taskpilot mcp --auth accounts on the same database) reads
// the same key.
func chatOAuth(ctx context.Context, p plan, st *store.Store, addr net.Addr, opts *chatserver.Options, log *slog.Logger) (*oauthSetup, error) {
	if p.auth.mode != authAccounts {
		return nil, nil
	}
	issuer := p.cfg.PublicURL
	if issuer == "" {
		issuer = "http://" + loopbackAddr(addr)
	}
	resource := p.cfg.MCP.PublicURL
	if resource == "" {
		resource = p.cfg.Chat.MCPURL
	}
	oa, err := newOAuthSetup(ctx, st, issuer, resource, keyRotation(p.cfg), log)
	if err != nil || oa == nil {
		return nil, err
	}
	return oa, oa.mount(opts, st, log)
}

// mcpOAuth, for taskpilot mcp --transport http --auth accounts with
// TASKPILOT_PUBLIC_URL (the chat server's URL, where the authorization
// server is), returns the setup that makes the verifier accept the
// authorization server's tokens and names it in the RFC 9728 metadata;
// nil otherwise.
func mcpOAuth(ctx context.Context, p plan, st *store.Store, resource string, log *slog.Logger) (*oauthSetup, error) {
	if p.cfg.MCP.Transport != "http" || p.auth.mode != authAccounts || p.cfg.PublicURL == "" {
		return nil, nil
	}
	return newOAuthSetup(ctx, st, p.cfg.PublicURL, resource, keyRotation(p.cfg), log)
}

// keyRotation is the signing keys' rotation period of cfg.
func keyRotation(cfg Config) time.Duration {
	return time.Duration(cfg.Auth.KeyRotationDays) * 24 * time.Hour
}
