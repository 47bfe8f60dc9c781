package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// signingKeyName is the server key holding the HS256 secret that accounts
// mode signs tokens with when TASKPILOT_AUTH_SECRET is not set.
const signingKeyName = "hs256"

// accountsSecret returns the token signing secret of accounts mode when
// none is configured: the one stored in the database, generated on the
// first start (so every server and replica on the database shares it).
func accountsSecret(ctx context.Context, st *store.Store) ([]byte, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails
	v, err := st.EnsureKey(ctx, signingKeyName, hex.EncodeToString(b))
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return []byte(v), nil
}

// activeAccount returns a token.Config.CheckSubject that admits only the
// subjects of existing, enabled accounts.
func activeAccount(st *store.Store) func(ctx context.Context, sub string) error {
	return func(ctx context.Context, sub string) error {
		a, err := st.GetAccount(ctx, sub)
		switch {
		case errors.Is(err, models.ErrNotFound):
			return fmt.Errorf("%w: no account %q", token.ErrInvalidToken, sub)
		case err != nil:
			return err
		case a.Disabled:
			return fmt.Errorf("%w: account %q is disabled", token.ErrInvalidToken, sub)
		}
		return nil
	}
}

// logSetupLink logs the one-time link that creates the first account,
// when there is no account yet.
func logSetupLink(ctx context.Context, st *store.Store, publicURL string, log *slog.Logger) error {
	secret, err := signin.Setup(ctx, st)
	if err != nil || secret == "" {
		return err
	}
	log.Warn("no account exists yet: open the setup link to create the first one (or run taskpilot user add NAME)",
		"setup_link", strings.TrimSuffix(publicURL, "/")+"/signin#setup="+secret)
	return nil
}
