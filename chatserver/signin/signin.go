// Package signin signs people in to TaskPilot's web page with their
// account's name and password, and hands the page short-lived bearer
// tokens. It is plain net/http (chatserver mounts it) and depends on the
// store only through the Accounts interface it declares.
//
// The browser keeps only an HttpOnly, SameSite=Strict session cookie
// (Secure behind HTTPS); the page calls POST /auth/token for a bearer token
// of a few minutes whenever it needs one, so a token never outlives a
// disabled account by more than its TTL and is never stored by the page
// beyond the tab's memory. Routes:
//
//	POST /auth/signin   {"name","password"} -> 204 and the session cookie
//	POST /auth/signout  ends the session, clears the cookie -> 204
//	POST /auth/token    session cookie -> {"token","user","expires_in"}
//	POST /auth/signup   {"name","password","invite"?,"setup"?} -> 204, signed in
//	GET  /auth/config   {"signup": "open"|"invite"|"closed", "setup": bool}
//
// Sign-up follows Config.SignUp: open to anyone, by single-use invite
// (taskpilot user invite), or closed (the default: the operator creates
// accounts with taskpilot user add). Whatever the mode, while there is no
// account at all the one-time setup secret that the server logs at start
// (see Setup) creates the first one.
//
// Every route refuses cross-origin browser requests (net/http's
// CrossOriginProtection: Sec-Fetch-Site, else Origin against Host) and
// accepts only JSON bodies, so a cookie can never be used from another
// site (CSRF). Sign-in attempts are throttled per account name and per
// client address (Limiter: in this process, or shared by every replica
// on one PostgreSQL database with SharedLimiter); a wrong name and a wrong password get the same
// answer in the same time, so names cannot be probed.
package signin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/password"
)

// Defaults for Config.
const (
	DefaultSessionTTL = 30 * 24 * time.Hour
	DefaultTokenTTL   = 5 * time.Minute
)

// maxBody bounds the JSON body of a sign-in.
const maxBody = 4 << 10

// Accounts is what sign-in needs of the store (models/store.Store).
type Accounts interface {
	// GetAccount returns the account, or an error matching models.ErrNotFound.
	GetAccount(ctx context.Context, name string) (models.Account, error)
	// SetAccountPassword stores a new hash (after a parameter upgrade).
	SetAccountPassword(ctx context.Context, name, hash string) error
	// CreateSession stores a session under the hash of its secret.
	CreateSession(ctx context.Context, idHash, account string, expires time.Time) error
	// SessionAccount returns the account of an unexpired session, or an
	// error matching models.ErrNotFound.
	SessionAccount(ctx context.Context, idHash string) (models.Account, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, idHash string) error
	// CreateAccount stores a new account; a taken name matches
	// models.ErrConflict, a bad one models.ErrInvalid.
	CreateAccount(ctx context.Context, name, hash string) (models.Account, error)
	// CreateAccountWithInvite is CreateAccount that also uses up an
	// invite, or fails with models.ErrNotFound when it is not valid.
	CreateAccountWithInvite(ctx context.Context, inviteHash, name, hash string) (models.Account, error)
	// CountAccounts counts every account.
	CountAccounts(ctx context.Context) (int64, error)
	// EnsureKey returns the server key name, storing value when unset.
	EnsureKey(ctx context.Context, name, value string) (string, error)
	// DeleteKey removes a server key.
	DeleteKey(ctx context.Context, name string) error
}

// Sign-up modes of Config.SignUp.
const (
	SignUpClosed = "closed"
	SignUpOpen   = "open"
	SignUpInvite = "invite"
)

// setupKey names the server key holding the hash of the setup secret.
const setupKey = "setup"

// Limiter throttles sign-in attempts. Allow takes one token from the
// bucket named key and reports whether there was one, and if not, how long
// until there is.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Config configures New. Accounts and Mint are required.
type Config struct {
	Accounts Accounts
	// Mint returns a bearer token for user valid for ttl.
	Mint func(user string, ttl time.Duration) (string, error)
	// Limiter throttles attempts; nil means an in-process limiter with
	// DefaultRates (fine for one replica; replicas on one database pass
	// a NewSharedLimiter on the same buckets).
	Limiter Limiter
	// SecureCookies marks the cookie Secure (and names it with the
	// __Host- prefix); set it whenever the page is served over HTTPS.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts; 0 means 30 days.
	SessionTTL time.Duration
	// TokenTTL is the life of a page token; 0 means 5 minutes.
	TokenTTL time.Duration
	// Params are the argon2id parameters of new hashes; zero means
	// password.Default.
	Params password.Params
	// SignUp is SignUpClosed (also for ""), SignUpOpen or SignUpInvite.
	SignUp string
	// Logger receives failures; nil discards.
	Logger *slog.Logger
}

// Handler serves the sign-in routes.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	protect *http.CrossOriginProtection
	dummy   string // a hash to check unknown names against, for equal timing
}

// New returns the handler of the routes in the package comment.
func New(cfg Config) (*Handler, error) {
	if cfg.Accounts == nil || cfg.Mint == nil {
		return nil, errors.New("signin: Accounts and Mint are required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Params == (password.Params{}) {
		cfg.Params = password.Default
	}
	switch cfg.SignUp {
	case "":
		cfg.SignUp = SignUpClosed
	case SignUpClosed, SignUpOpen, SignUpInvite:
	default:
		return nil, fmt.Errorf("signin: sign-up mode %q is not open, invite or closed", cfg.SignUp)
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewMemoryLimiter(DefaultRates)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dummy, err := password.Hash("not anyone's password", cfg.Params)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: log, mux: http.NewServeMux(), protect: http.NewCrossOriginProtection(), dummy: dummy}
	h.mux.HandleFunc("POST /auth/signin", h.signIn)
	h.mux.HandleFunc("POST /auth/signout", h.signOut)
	h.mux.HandleFunc("POST /auth/token", h.token)
	h.mux.HandleFunc("POST /auth/signup", h.signUp)
	h.mux.HandleFunc("GET /auth/config", h.config)
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := h.protect.Check(r); err != nil {
		writeError(w, http.StatusForbidden, "forbidden", "cross-origin request refused")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// CookieName is the session cookie's name: with the __Host- prefix when
// secure (the browser then insists on Secure, Path=/ and no Domain).
func CookieName(secure bool) string {
	if secure {
		return "__Host-taskpilot_session"
	}
	return "taskpilot_session"
}

// errBadCredentials is the one answer to a wrong name or password.
const msgBadCredentials = "wrong name or password"

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if !decodeJSON(w, r, &in, `the body must be {"name": "...", "password": "..."}`) {
		return
	}
	name, nameErr := models.ValidateAccountName(in.Name)
	key := name
	if nameErr != nil {
		key = "invalid"
	}
	if !h.allow(w, r, "addr:"+clientAddr(r), "account:"+key) {
		return
	}

	acct, err := h.cfg.Accounts.GetAccount(ctx, name)
	known := nameErr == nil && err == nil
	if err != nil && nameErr == nil && !errors.Is(err, models.ErrNotFound) {
		h.log.ErrorContext(ctx, "sign-in: get account", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "sign-in is unavailable right now; try again shortly")
		return
	}
	hash := h.dummy
	if known && acct.PasswordHash != "" {
		hash = acct.PasswordHash
	}
	match, verr := password.Verify(hash, in.Password)
	if verr != nil {
		h.log.ErrorContext(ctx, "sign-in: stored hash unreadable", "account", name, "err", verr)
	}
	if !known || acct.PasswordHash == "" || !match {
		writeError(w, http.StatusUnauthorized, "invalid_credentials", msgBadCredentials)
		return
	}
	if acct.Disabled {
		writeError(w, http.StatusForbidden, "account_disabled", "this account is disabled; ask the operator")
		return
	}
	if password.NeedsRehash(acct.PasswordHash, h.cfg.Params) {
		if newHash, err := password.Hash(in.Password, h.cfg.Params); err == nil {
			if err := h.cfg.Accounts.SetAccountPassword(ctx, acct.Name, newHash); err != nil {
				h.log.WarnContext(ctx, "sign-in: rehash", "err", err)
			}
		}
	}

	h.startSession(w, r, acct.Name)
}

// allow takes a token from each of the limiter's buckets keys, or answers
// 429 (or 503 when the limiter fails) and returns false.
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, keys ...string) bool {
	for _, k := range keys {
		ok, wait, err := h.cfg.Limiter.Allow(r.Context(), k)
		if err != nil {
			h.log.ErrorContext(r.Context(), "sign-in limiter", "err", err)
			writeError(w, http.StatusServiceUnavailable, "unavailable", "sign-in is unavailable right now; try again shortly")
			return false
		}
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many sign-in attempts; wait a little and try again")
			return false
		}
	}
	return true
}

// startSession signs account in: a new session and its cookie, 204.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, account string) {
	raw := newSecret()
	expires := time.Now().Add(h.cfg.SessionTTL)
	if err := h.cfg.Accounts.CreateSession(r.Context(), hashID(raw), account, expires); err != nil {
		h.log.ErrorContext(r.Context(), "sign-in: create session", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "sign-in is unavailable right now; try again shortly")
		return
	}
	http.SetCookie(w, h.cookie(raw, expires))
	w.WriteHeader(http.StatusNoContent)
}

// newSecret returns 32 random bytes in hex.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName(h.cfg.SecureCookies)); err == nil && c.Value != "" {
		if err := h.cfg.Accounts.DeleteSession(r.Context(), hashID(c.Value)); err != nil {
			h.log.ErrorContext(r.Context(), "sign-out", "err", err)
			writeError(w, http.StatusServiceUnavailable, "unavailable", "could not sign out; try again")
			return
		}
	}
	c := h.cookie("", time.Unix(0, 0))
	c.MaxAge = -1
	http.SetCookie(w, c)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, err := h.Session(r)
	switch {
	case errors.Is(err, models.ErrNotFound):
		writeError(w, http.StatusUnauthorized, "unauthenticated", "not signed in")
		return
	case err != nil:
		h.log.ErrorContext(ctx, "token: session", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "could not check the sign-in; try again")
		return
	case acct.Disabled:
		writeError(w, http.StatusUnauthorized, "unauthenticated", "this account is disabled")
		return
	}
	tok, err := h.cfg.Mint(acct.Name, h.cfg.TokenTTL)
	if err != nil {
		h.log.ErrorContext(ctx, "token: mint", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not issue a token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token": tok, "user": acct.Name, "expires_in": int(h.cfg.TokenTTL.Seconds()),
	})
}

// Session returns the account signed in by r's session cookie, or an
// error matching models.ErrNotFound when there is none.
func (h *Handler) Session(r *http.Request) (models.Account, error) {
	c, err := r.Cookie(CookieName(h.cfg.SecureCookies))
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return models.Account{}, models.ErrNotFound
	}
	return h.cfg.Accounts.SessionAccount(r.Context(), hashID(c.Value))
}

func (h *Handler) cookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: CookieName(h.cfg.SecureCookies), Value: value, Path: "/", Expires: expires,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	}
}

// hashID is what the store keeps of a session secret.
func hashID(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// clientAddr is the peer's IP (no proxy is trusted: put per-address
// throttling at the proxy when there is one).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// decodeJSON reads one JSON object of at most maxBody bytes into v, or
// answers 4xx and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, shape string) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "invalid_request", "the body must be application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", shape)
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body must hold one JSON object")
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
