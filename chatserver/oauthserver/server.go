// Package oauthserver is TaskPilot's OAuth 2.1 authorization server for
// MCP clients, built on github.com/ory/fosite. It serves, on the chat
// server's origin:
//
//	GET  /.well-known/oauth-authorization-server  RFC 8414 metadata
//	GET  /oauth/authorize                          the consent page (sign-in first)
//	POST /oauth/authorize                          the user's answer
//	POST /oauth/token                              code and refresh grants
//	POST /oauth/revoke                             RFC 7009 revocation
//	POST /oauth/register                           RFC 7591 dynamic registration
//	GET  /oauth/jwks.json                          the signing keys (JWKS)
//
// Clients are public (no secret) and must use PKCE with S256; a client_id
// is either one issued by registration or an https URL whose Client ID
// Metadata Document the server fetches. Access tokens are ES256 JWTs for
// exactly one audience, the MCP server's canonical URL (RFC 8707), with
// the scopes read and/or write. Each consent is a grant stored per user;
// refresh tokens rotate on every use, and a reused one revokes its grant.
// Codes, PKCE challenges and token records live in the database (by their
// signatures), and so do the signing keys (see Keys), so the server holds
// across restarts and any number of replicas on one database.
//
// The routes that read no cookie (CrossOriginRoutes: metadata, JWKS,
// token, revocation, registration) answer CORS for any origin, for
// clients whose OAuth runs in a browser; the authorization endpoint and
// its consent form answer none.
package oauthserver

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/token/jwt"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// Scopes the server grants; offline_access is accepted and ignored
// (every grant gets a refresh token).
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

var allScopes = []string{ScopeRead, ScopeWrite, "offline_access"}

// claimGrant is the access-token claim (and session field) naming the grant.
const claimGrant = "grant_id"

// Token lifetimes.
const (
	AccessTokenTTL  = 10 * time.Minute
	RefreshTokenTTL = 30 * 24 * time.Hour
	CodeTTL         = 5 * time.Minute
)

// Store is what the server keeps in the database (models/store.Store).
type Store interface {
	TokenStore
	CreateOAuthClient(ctx context.Context, c store.OAuthClient) error
	GetOAuthClient(ctx context.Context, id string) (store.OAuthClient, error)
	CreateOAuthGrant(ctx context.Context, g store.OAuthGrant) error
	GetOAuthGrant(ctx context.Context, id string) (store.OAuthGrant, error)
	RevokeOAuthGrant(ctx context.Context, account, id string) error
	GetAccount(ctx context.Context, name string) (models.Account, error)
}

// Config configures New.
type Config struct {
	// Issuer is the server's URL (TASKPILOT_PUBLIC_URL): the "iss" of its
	// tokens and the base of its endpoints.
	Issuer string
	// Resource is the MCP server's canonical URL, the only audience
	// tokens are issued for.
	Resource string
	// Keys sign access tokens (LoadKeys).
	Keys *Keys
	// Secret (at least 32 bytes) signs authorization codes and refresh
	// tokens, and the consent form's CSRF token.
	Secret []byte
	// Store keeps registered clients, grants, codes and token records.
	Store Store
	// Session returns the account signed in on r (the sign-in cookie), or
	// an error matching models.ErrNotFound.
	Session func(r *http.Request) (models.Account, error)
	// MetadataClient fetches Client ID Metadata Documents; nil means
	// SafeHTTPClient. Redirects are never followed, whatever it says.
	MetadataClient *http.Client
	// CodeTTL is how long an authorization code lives; 0 means CodeTTL.
	CodeTTL time.Duration
	// MetadataTimeout bounds a metadata document fetch; 0 means 5 s.
	MetadataTimeout time.Duration
	// Logger receives errors; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the authorization server's http.Handler.
type Server struct {
	cfg      Config
	provider fosite.OAuth2Provider
	clients  *clients
	tokens   *tokenStore
	keys     *Keys
	mux      *http.ServeMux
	public   http.Handler // mux with CORS for any origin, for CrossOriginRoutes
	log      *slog.Logger
}

// Routes are the paths Server serves, for mounting it.
var Routes = []string{
	"/.well-known/oauth-authorization-server",
	"/oauth/authorize", "/oauth/token", "/oauth/revoke", "/oauth/register", "/oauth/jwks.json",
}

// New returns the server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Issuer == "" || cfg.Resource == "" || cfg.Keys == nil || cfg.Store == nil || cfg.Session == nil {
		return nil, errors.New("oauth server: issuer, resource, keys, store and session are required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("oauth server: secret must be at least 32 bytes")
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = CodeTTL
	}
	if cfg.MetadataTimeout <= 0 {
		cfg.MetadataTimeout = metadataTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mc := cfg.MetadataClient
	if mc == nil {
		mc = SafeHTTPClient()
	}
	noFollow := *mc
	noFollow.CheckRedirect = noRedirects
	cs := &clients{store: cfg.Store, http: &noFollow, audience: []string{cfg.Resource}, now: cfg.Now, timeout: cfg.MetadataTimeout}
	s := &Server{cfg: cfg, clients: cs, keys: cfg.Keys, mux: http.NewServeMux(), log: log}
	ts := &tokenStore{clients: cs, store: cfg.Store, session: s.session, now: cfg.Now}
	s.tokens = ts
	fc := &fosite.Config{
		AccessTokenLifespan:            AccessTokenTTL,
		RefreshTokenLifespan:           RefreshTokenTTL,
		AuthorizeCodeLifespan:          cfg.CodeTTL,
		AccessTokenIssuer:              cfg.Issuer,
		TokenURL:                       cfg.Issuer + "/oauth/token",
		GlobalSecret:                   cfg.Secret[:32],
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		RefreshTokenScopes:             []string{}, // every grant gets a refresh token
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.ExactAudienceMatchingStrategy,
		JWTScopeClaimKey:               jwt.JWTScopeFieldString,
	}
	strategy := &oauth2.DefaultJWTStrategy{Signer: signer{cfg.Keys}, HMACSHAStrategy: compose.NewOAuth2HMACStrategy(fc), Config: fc}
	s.provider = compose.Compose(fc, ts, strategy,
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	)
	s.mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.metadata)
	s.mux.HandleFunc("GET /oauth/authorize", s.authorize)
	s.mux.HandleFunc("POST /oauth/authorize", s.consent)
	s.mux.HandleFunc("POST /oauth/token", s.token)
	s.mux.HandleFunc("POST /oauth/revoke", s.revoke)
	s.mux.HandleFunc("POST /oauth/register", s.register)
	s.mux.HandleFunc("GET /oauth/jwks.json", s.jwks)
	s.public = publicCORS.Handler(s.mux)
	return s, nil
}

// Run removes expired codes and token records every SweepInterval until
// ctx ends (replicas may all run it).
func (s *Server) Run(ctx context.Context) {
	tick := time.NewTicker(SweepInterval)
	defer tick.Stop()
	for {
		s.tokens.sweep(ctx, s.log)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if crossOrigin(r) {
		s.public.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// metadata serves the RFC 8414 authorization server metadata.
func (s *Server) metadata(w http.ResponseWriter, _ *http.Request) {
	iss := s.cfg.Issuer
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                     iss,
		"authorization_endpoint":                     iss + "/oauth/authorize",
		"token_endpoint":                             iss + "/oauth/token",
		"revocation_endpoint":                        iss + "/oauth/revoke",
		"registration_endpoint":                      iss + "/oauth/register",
		"jwks_uri":                                   iss + "/oauth/jwks.json",
		"scopes_supported":                           allScopes,
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":      []string{"none"},
		"revocation_endpoint_auth_methods_supported": []string{"none"},
		"code_challenge_methods_supported":           []string{"S256"},
		"client_id_metadata_document_supported":      true,
	})
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, s.keys.jwks())
}

// checkRequest refuses, before any consent, what TaskPilot never grants:
// PKCE other than S256 and a resource other than the MCP server.
func (s *Server) checkRequest(ar fosite.AuthorizeRequester) error {
	f := ar.GetRequestForm()
	if f.Get("code_challenge") == "" {
		return fosite.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge and code_challenge_method=S256.")
	}
	if f.Get("code_challenge_method") != "S256" {
		return fosite.ErrInvalidRequest.WithHint("code_challenge_method must be S256.")
	}
	if !ar.GetResponseTypes().ExactOne("code") {
		return fosite.ErrUnsupportedResponseType.WithHint("Only response_type=code is supported.")
	}
	return s.checkResource(f)
}

// errInvalidTarget is RFC 8707's error for a resource the server does not serve.
var errInvalidTarget = &fosite.RFC6749Error{ErrorField: "invalid_target", DescriptionField: "The requested resource is invalid, unknown, or malformed.", CodeField: http.StatusBadRequest}

// checkResource accepts no resource parameter (the MCP server is meant)
// or exactly the MCP server's canonical URL.
func (s *Server) checkResource(f url.Values) error {
	for _, r := range f["resource"] {
		if strings.TrimSuffix(r, "/") != strings.TrimSuffix(s.cfg.Resource, "/") {
			return errInvalidTarget.WithHintf("This server issues tokens only for %s.", s.cfg.Resource)
		}
	}
	return nil
}

// grantedScopes are the scopes a request gets: those it asks for (read
// and write when it asks for neither).
func grantedScopes(ar fosite.Requester) []string {
	var out []string
	for _, sc := range ar.GetRequestedScopes() {
		if sc == ScopeRead || sc == ScopeWrite {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		out = []string{ScopeRead, ScopeWrite}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// authorize shows the consent page to a signed-in user, or sends the
// browser to sign in first.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	if err := s.checkRequest(ar); err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	acct, err := s.cfg.Session(r)
	if errors.Is(err, models.ErrNotFound) {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "oauth session", "err", err)
		http.Error(w, "sign-in cannot be checked now; try again", http.StatusServiceUnavailable)
		return
	}
	c := ar.GetClient().(*client)
	page := consentPage{
		Account:  acct.Name,
		Client:   c.name,
		ClientID: c.id,
		Redirect: ar.GetRedirectURI().String(),
		CSRF:     s.csrf(acct.Name, ar.GetRequestForm()),
	}
	if page.Client == "" {
		page.Client = "An unnamed application"
	}
	for _, sc := range grantedScopes(ar) {
		page.Scopes = append(page.Scopes, scopeText[sc])
	}
	for k, vs := range ar.GetRequestForm() {
		for _, v := range vs {
			page.Fields = append(page.Fields, field{k, v})
		}
	}
	slices.SortFunc(page.Fields, func(a, b field) int { return strings.Compare(a.Name, b.Name) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action "+formAction(ar.GetRedirectURI())+"; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	if err := consentTmpl.Execute(w, page); err != nil {
		s.log.ErrorContext(ctx, "consent page", "err", err)
	}
}

// formAction is the consent page's CSP form-action: this server, and the
// client's redirect URI, where the answer is redirected (browsers apply
// form-action to the redirects that follow a form's submission, so
// 'self' alone would block the way back to the client). The redirect URI
// is one the client registered, checked by then; anything that does not
// make a plain source expression leaves 'self' alone.
func formAction(redirect *url.URL) string {
	if redirect == nil || redirect.Scheme == "" {
		return "'self'"
	}
	src := redirect.Scheme + ":"
	if redirect.Host != "" {
		src = redirect.Scheme + "://" + redirect.Host
	}
	for _, c := range src {
		if c <= ' ' || c > '~' || strings.ContainsRune(`;,'"`, c) {
			return "'self'"
		}
	}
	return "'self' " + src
}

// authorizeError answers an authorization request that failed: with a
// redirect to the client when its redirect URI is known to be the
// client's, else with a page here (never a redirect to an unchecked URI).
func (s *Server) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if ar != nil && ar.GetClient() != nil && ar.GetRedirectURI() != nil && ar.GetRedirectURI().String() != "" {
		s.provider.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	e := fosite.ErrorToRFC6749Error(err)
	msg := e.GetDescription()
	if de, ok := errors.AsType[*docError](err); ok {
		msg = "the client's metadata document was refused: " + de.msg
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(e.CodeField)
	fmt.Fprintf(w, "%s: %s\n", e.ErrorField, msg)
}

// consent takes the user's answer from the consent page.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	answer, csrf := r.PostForm.Get("consent"), r.PostForm.Get("csrf")
	// Only the authorization request's own fields go to fosite.
	r.PostForm.Del("consent")
	r.PostForm.Del("csrf")
	r.Form = r.PostForm
	r.URL.RawQuery = ""
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	if err := s.checkRequest(ar); err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	acct, err := s.cfg.Session(r)
	if errors.Is(err, models.ErrNotFound) {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	if err != nil {
		http.Error(w, "sign-in cannot be checked now; try again", http.StatusServiceUnavailable)
		return
	}
	want := s.csrf(acct.Name, ar.GetRequestForm())
	if subtle.ConstantTimeCompare([]byte(csrf), []byte(want)) != 1 {
		http.Error(w, "this consent form has expired or was not shown by TaskPilot; start again from the application", http.StatusForbidden)
		return
	}
	if answer != "allow" {
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The user denied the request."))
		return
	}
	c := ar.GetClient().(*client)
	scopes := grantedScopes(ar)
	g := store.OAuthGrant{ID: newID(), Account: acct.Name, ClientID: c.id, ClientName: c.name, Scopes: scopes}
	if err := s.cfg.Store.CreateOAuthGrant(ctx, g); err != nil {
		s.log.ErrorContext(ctx, "create grant", "err", err)
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrServerError)
		return
	}
	for _, sc := range ar.GetRequestedScopes() {
		if slices.Contains(allScopes, sc) {
			ar.GrantScope(sc)
		}
	}
	for _, sc := range scopes {
		if !ar.GetGrantedScopes().Has(sc) {
			ar.GrantScope(sc)
		}
	}
	ar.GrantAudience(s.cfg.Resource)
	// The request ID names every token issued from this consent: it is
	// the grant's, so revoking "the tokens of a request" revokes the grant.
	ar.SetID(g.ID)
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, s.session(acct.Name, g.ID, c.id))
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// session is the fosite session of a grant.
func (s *Server) session(account, grant, clientID string) *oauth2.JWTSession {
	return &oauth2.JWTSession{
		JWTClaims: &jwt.JWTClaims{
			Subject: account,
			Issuer:  s.cfg.Issuer,
			Extra:   map[string]any{claimGrant: grant, "client_id": clientID},
		},
		JWTHeader: &jwt.Headers{Extra: map[string]any{"typ": "at+jwt"}}, // the signer adds the kid
		Subject:   account,
	}
}

// csrf is the consent form's token: bound to the account and to the
// authorization request, so it cannot be made elsewhere or reused for
// another request.
func (s *Server) csrf(account string, f url.Values) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	for _, k := range []string{"client_id", "redirect_uri", "scope", "state", "code_challenge", "resource"} {
		fmt.Fprintf(m, "%s=%q;", k, f[k])
	}
	fmt.Fprintf(m, "account=%q", account)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// token serves the token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "the body must be a form"})
		return
	}
	// A wrong resource is refused before anything is used up.
	if err := s.checkResource(r.PostForm); err != nil {
		e := fosite.ErrorToRFC6749Error(err)
		writeJSON(w, e.CodeField, map[string]string{"error": e.ErrorField, "error_description": e.GetDescription()})
		return
	}
	sess := &oauth2.JWTSession{JWTClaims: &jwt.JWTClaims{}, JWTHeader: &jwt.Headers{}}
	ar, err := s.provider.NewAccessRequest(ctx, r, sess)
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	switch {
	case errors.Is(err, fosite.ErrTokenExpired):
		// fosite finds an expired code only here and calls it
		// invalid_request; RFC 6749 §5.2 names it invalid_grant.
		err = fosite.ErrInvalidGrant.WithHint("The authorization code has expired.")
	case errors.Is(err, fosite.ErrInvalidatedAuthorizeCode):
		// Another request (on this replica or another) redeemed the code
		// a moment before: a replay, refused as one.
		err = fosite.ErrInvalidGrant.WithHint("The authorization code has already been used.")
	case errors.Is(err, fosite.ErrInactiveToken):
		// Another request used this refresh token a moment before: reuse.
		err = fosite.ErrInvalidGrant.WithHint("The refresh token was already used.")
	}
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

// revoke serves RFC 7009 revocation.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	err := s.provider.NewRevocationRequest(r.Context(), r)
	s.provider.WriteRevocationResponse(r.Context(), w, err)
}

// register serves RFC 7591 dynamic client registration (open, as the MCP
// specification expects; clients are public, so registering grants
// nothing by itself).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	var m clientMetadata
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&m); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client_metadata", "error_description": "the body must be a JSON object of client metadata"})
		return
	}
	if err := m.check(); err != nil {
		var me *metadataError
		errors.As(err, &me)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": me.code, "error_description": me.desc})
		return
	}
	c := store.OAuthClient{ID: newID(), Name: m.ClientName, RedirectURIs: m.RedirectURIs}
	if err := s.cfg.Store.CreateOAuthClient(r.Context(), c); err != nil {
		s.log.ErrorContext(r.Context(), "register client", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable", "error_description": "try again"})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        s.cfg.Now().Unix(),
		"client_name":                c.Name,
		"redirect_uris":              c.RedirectURIs,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
		"scope":                      strings.Join(allScopes[:2], " "),
	})
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var scopeText = map[string]string{
	ScopeRead:  "See your tasks (list and search them)",
	ScopeWrite: "Change your tasks (add, update, complete and delete them)",
}

type field struct{ Name, Value string }

type consentPage struct {
	Account, Client, ClientID, Redirect, CSRF string
	Scopes                                    []string
	Fields                                    []field
}

var consentTmpl = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow access to TaskPilot?</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
code{word-break:break-all}button{font:inherit;padding:.5rem 1.2rem;margin-right:.5rem}</style></head>
<body><main>
<h1>Allow <strong>{{.Client}}</strong> to use your TaskPilot?</h1>
<p>You are signed in as <strong>{{.Account}}</strong>. The application identifies itself as
<code>{{.ClientID}}</code> and will get its answer at <code>{{.Redirect}}</code>.</p>
<p>It asks to:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p>You can revoke this access at any time on <a href="/account">your account page</a>.</p>
<form method="post" action="/oauth/authorize">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="consent" value="allow">Allow</button>
<button type="submit" name="consent" value="deny">Deny</button>
</form></main></body></html>
`))
