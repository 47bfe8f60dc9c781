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

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// Server keys of the OAuth authorization server (accounts mode).
const (
	oauthKeyName    = "oauth-es256"  // the ES256 access-token signing key, PEM
	oauthSecretName = "oauth-secret" // signs codes, refresh tokens and consent forms
)

// oauthSetup is the authorization server of accounts mode: TaskPilot's
// own OAuth 2.1 server for MCP clients, on the chat server's origin.
type oauthSetup struct {
	issuer   string // the chat server's public base URL
	resource string // the MCP server's canonical URL: the tokens' audience
	key      oauthserver.Key
	secret   []byte
}

// newOAuthSetup loads (or, on the first start, generates and stores) the
// authorization server's keys. It returns nil, logging why, when the MCP
// server's canonical URL is not known (set TASKPILOT_MCP_PUBLIC_URL).
func newOAuthSetup(ctx context.Context, st *store.Store, issuer, resource string, log *slog.Logger) (*oauthSetup, error) {
	if resource == "" {
		log.Warn("the OAuth authorization server is off: the MCP server's public URL is unknown; set TASKPILOT_MCP_PUBLIC_URL (e.g. https://tasks.example.com/mcp)")
		return nil, nil
	}
	pemKey, err := st.EnsureKey(ctx, oauthKeyName, oauthserver.NewKeyPEM())
	if err != nil {
		return nil, fmt.Errorf("oauth signing key: %w", err)
	}
	key, err := oauthserver.ParseKey(pemKey)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret, err := st.EnsureKey(ctx, oauthSecretName, hex.EncodeToString(b))
	if err != nil {
		return nil, fmt.Errorf("oauth secret: %w", err)
	}
	return &oauthSetup{issuer: strings.TrimSuffix(issuer, "/"), resource: resource, key: key, secret: []byte(secret)}, nil
}

// localKeys is what the MCP server's verifier needs to accept the
// authorization server's access tokens (and only for its own audience).
func (o *oauthSetup) localKeys(st *store.Store) *token.LocalKeys {
	return &token.LocalKeys{Issuer: o.issuer, Audience: o.resource, Key: o.key.PublicKey, CheckGrant: activeGrant(st)}
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

// mount adds the authorization server to the chat server's options; it
// signs people in with opts.SignIn's session cookie.
func (o *oauthSetup) mount(opts *chatserver.Options, st *store.Store, log *slog.Logger) error {
	sin, ok := opts.SignIn.(*signin.Handler)
	if !ok {
		return errors.New("oauth: accounts mode has no sign-in handler")
	}
	as, err := oauthserver.New(oauthserver.Config{
		Issuer: o.issuer, Resource: o.resource, Key: o.key, Secret: o.secret, Store: st,
		Session: sin.Session, Logger: log.With("component", "oauth"),
	})
	if err != nil {
		return err
	}
	opts.OAuth = as
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
	return newOAuthSetup(ctx, st, issuer, resourceURL(p.cfg.MCP.PublicURL, mcpAddr), log)
}

// chatOAuth mounts the authorization server for taskpilot chat in accounts
// mode: its issuer is TASKPILOT_PUBLIC_URL, else the listener's loopback
// URL; its resource is the MCP server's public URL, else --mcp-url. The
// MCP server (taskpilot mcp --auth accounts on the same database) reads
// the same key.
func chatOAuth(ctx context.Context, p plan, st *store.Store, addr net.Addr, opts *chatserver.Options, log *slog.Logger) error {
	if p.auth.mode != authAccounts {
		return nil
	}
	issuer := p.cfg.PublicURL
	if issuer == "" {
		issuer = "http://" + loopbackAddr(addr)
	}
	resource := p.cfg.MCP.PublicURL
	if resource == "" {
		resource = p.cfg.Chat.MCPURL
	}
	oa, err := newOAuthSetup(ctx, st, issuer, resource, log)
	if err != nil || oa == nil {
		return err
	}
	return oa.mount(opts, st, log)
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
	return newOAuthSetup(ctx, st, p.cfg.PublicURL, resource, log)
}
