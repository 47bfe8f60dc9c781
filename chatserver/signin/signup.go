package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/password"
)

// DefaultInviteTTL is how long an invite link works.
const DefaultInviteTTL = 7 * 24 * time.Hour

// signUp answers POST /auth/signup: a new account, signed in at once.
func (h *Handler) signUp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Invite   string `json:"invite"`
		Setup    string `json:"setup"`
	}
	if !decodeJSON(w, r, &in, `the body must be {"name": "...", "password": "...", "invite"?: "...", "setup"?: "..."}`) {
		return
	}
	if !h.allow(w, r, "addr:"+clientAddr(r)) {
		return
	}
	name, err := models.ValidateAccountName(in.Name)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_name", "the name "+err.(*models.ValidationError).Reason)
		return
	}
	if msg := password.Check(in.Password); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_password", msg)
		return
	}
	hash, err := password.Hash(in.Password, h.cfg.Params)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not create the account")
		return
	}

	var acct models.Account
	switch {
	case in.Setup != "":
		acct, err = h.setUp(ctx, in.Setup, name, hash)
	case h.cfg.SignUp == SignUpOpen:
		acct, err = h.cfg.Accounts.CreateAccount(ctx, name, hash)
	case h.cfg.SignUp == SignUpInvite && in.Invite != "":
		acct, err = h.cfg.Accounts.CreateAccountWithInvite(ctx, hashID(in.Invite), name, hash)
		if errors.Is(err, models.ErrNotFound) {
			writeError(w, http.StatusForbidden, "invalid_invite", "this invite link is not valid: it was used already or has expired")
			return
		}
	case h.cfg.SignUp == SignUpInvite:
		writeError(w, http.StatusForbidden, "invite_required", "sign-up needs an invite link from the operator")
		return
	default:
		writeError(w, http.StatusForbidden, "signup_closed", "sign-up is closed; ask the operator for an account")
		return
	}
	switch {
	case errors.Is(err, errBadSetup):
		writeError(w, http.StatusForbidden, "invalid_setup", "this setup link is not valid: the first account exists already, or the server was restarted (use the newest link in its log)")
		return
	case errors.Is(err, models.ErrConflict):
		writeError(w, http.StatusConflict, "name_taken", "that name is taken; choose another")
		return
	case err != nil:
		h.log.ErrorContext(ctx, "sign-up", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "sign-up is unavailable right now; try again shortly")
		return
	}
	h.log.InfoContext(ctx, "account created by sign-up", "account", acct.Name)
	h.startSession(w, r, acct.Name)
}

// errBadSetup reports a wrong setup secret, or one used after the first
// account exists.
var errBadSetup = errors.New("bad setup secret")

// setUp creates the first account with the setup secret.
func (h *Handler) setUp(ctx context.Context, secret, name, hash string) (models.Account, error) {
	n, err := h.cfg.Accounts.CountAccounts(ctx)
	if err != nil {
		return models.Account{}, err
	}
	stored, err := h.cfg.Accounts.EnsureKey(ctx, setupKey, "")
	if err != nil {
		return models.Account{}, err
	}
	if n != 0 || stored == "" || stored != hashID(secret) {
		return models.Account{}, errBadSetup
	}
	acct, err := h.cfg.Accounts.CreateAccount(ctx, name, hash)
	if err != nil {
		return models.Account{}, err
	}
	if err := h.cfg.Accounts.DeleteKey(ctx, setupKey); err != nil {
		h.log.WarnContext(ctx, "setup: delete the used secret", "err", err)
	}
	return acct, nil
}

// config answers GET /auth/config, what the sign-in page offers.
func (h *Handler) config(w http.ResponseWriter, r *http.Request) {
	n, err := h.cfg.Accounts.CountAccounts(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "try again shortly")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"signup": h.cfg.SignUp, "setup": n == 0})
}

// Setup returns a one-time secret that creates the first account, or ""
// when an account exists. Each call replaces the previous secret; a
// server calls it once at start and logs the link.
func Setup(ctx context.Context, accounts Accounts) (string, error) {
	n, err := accounts.CountAccounts(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	secret := newSecret()
	if err := accounts.DeleteKey(ctx, setupKey); err != nil {
		return "", err
	}
	stored, err := accounts.EnsureKey(ctx, setupKey, hashID(secret))
	if err != nil {
		return "", err
	}
	if stored != hashID(secret) {
		return "", fmt.Errorf("setup: another replica set the secret at the same time; restart to get a link")
	}
	return secret, nil
}

// InviteStore is what NewInvite needs of the store.
type InviteStore interface {
	CreateInvite(ctx context.Context, idHash string, expires time.Time) error
}

// NewInvite stores a single-use invite valid for ttl and returns its
// secret, for the link <public URL>/signup#invite=<secret>.
func NewInvite(ctx context.Context, st InviteStore, ttl time.Duration) (string, error) {
	secret := newSecret()
	if err := st.CreateInvite(ctx, hashID(secret), time.Now().Add(ttl)); err != nil {
		return "", err
	}
	return secret, nil
}
