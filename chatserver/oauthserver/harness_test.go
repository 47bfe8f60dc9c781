package oauthserver_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/password"
	"github.com/taskpilot/taskpilot/models/store"
)

// fastParams keep argon2id cheap in tests.
var fastParams = password.Params{Memory: 64, Time: 1, Threads: 1}

const alicePassword = "correct horse battery"

// harness is one origin serving what `taskpilot serve --auth accounts`
// serves for OAuth: the sign-in routes, the authorization server and the
// MCP server (with its RFC 9728 metadata), on the real components.
type harness struct {
	t        *testing.T
	st       *store.Store
	srv      *httptest.Server
	url      string // where this instance is reached
	mcp      string // its /mcp
	issuer   string // the authorization server's URL (the first instance's)
	resource string // the MCP server's canonical URL (the first instance's /mcp)
	secret   []byte
	opts     []harnessOpt
	keys     *oauthserver.Keys
	as       *oauthserver.Server
	// alice and bob are accounts with names unique to the run (the
	// PostgreSQL test database is shared).
	alice, bob string
}

type harnessOpt func(*oauthserver.Config)

func newHarness(t *testing.T, st *store.Store, opts ...harnessOpt) *harness {
	t.Helper()
	ctx := context.Background()
	suffix := strings.ToLower(rand.Text()[:10])
	h := &harness{t: t, st: st, alice: "alice-" + suffix, bob: "bob-" + suffix, opts: opts}
	for _, name := range []string{h.alice, h.bob} {
		hash, err := password.Hash(alicePassword, fastParams)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAccount(ctx, name, hash); err != nil {
			t.Fatal(err)
		}
	}
	h.secret = make([]byte, 32)
	_, _ = rand.Read(h.secret)
	h.serve()
	return h
}

// replica returns another instance of h's servers: new objects (as after a
// restart, or on another replica) that share with h only the database, the
// configuration and the stored keys, at an address of their own.
func (h *harness) replica() *harness {
	h.t.Helper()
	r := *h
	r.serve()
	return &r
}

// serve starts the servers of h on a new listener.
func (h *harness) serve() {
	t := h.t
	t.Helper()
	mux := http.NewServeMux()
	h.srv = httptest.NewUnstartedServer(mux)
	h.url = "http://" + h.srv.Listener.Addr().String()
	h.mcp = h.url + "/mcp"
	if h.issuer == "" {
		h.issuer, h.resource = h.url, h.mcp
	}
	st, secret := h.st, h.secret

	sin, err := signin.New(signin.Config{
		Accounts: st,
		Mint: func(user string, ttl time.Duration) (string, error) {
			return token.Mint(secret, user, "taskpilot-mcp", "taskpilot", ttl, time.Now())
		},
		Params: fastParams,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/auth/", sin)

	h.keys, err = oauthserver.LoadKeys(context.Background(), oauthserver.KeysConfig{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauthserver.Config{
		Issuer: h.issuer, Resource: h.resource, Keys: h.keys, Secret: secret, Store: st,
		Session: sin.Session,
	}
	for _, o := range h.opts {
		o(&cfg)
	}
	h.keys = cfg.Keys // an option may bring its own
	h.as, err = oauthserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range oauthserver.Routes {
		mux.Handle(p, h.as)
	}

	v, err := token.NewVerifier(token.Config{
		Secret: secret, Audience: "taskpilot-mcp", Issuer: "taskpilot",
		Local: &token.LocalKeys{Issuer: h.issuer, Audience: h.resource, Key: h.keys.PublicKey, CheckGrant: activeGrant(st)},
	})
	if err != nil {
		t.Fatal(err)
	}
	mcpHTTP := mcphttp.New(mcphttp.Options{
		Server:               mcpserver.New(st, mcpserver.Options{}),
		Verifier:             v,
		ResourceURL:          h.resource,
		AuthorizationServers: []string{h.issuer},
	})
	mux.Handle("/mcp", mcpHTTP)
	mux.Handle("/.well-known/oauth-protected-resource/", mcpHTTP)
	mux.Handle("/.well-known/oauth-protected-resource", mcpHTTP)
	h.srv.Start()
	t.Cleanup(h.srv.Close)
}

// activeGrant is what cmd/taskpilot checks of a local token's grant: it
// exists and is not revoked.
func activeGrant(st *store.Store) func(ctx context.Context, id string) error {
	return func(ctx context.Context, id string) error {
		g, err := st.GetOAuthGrant(ctx, id)
		if err == nil && g.RevokedAt != nil {
			return fmt.Errorf("%w: grant revoked", token.ErrInvalidToken)
		}
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("%w: no grant", token.ErrInvalidToken)
		}
		return err
	}
}

// browser returns a cookie-keeping client that does not follow redirects,
// signed in as name.
func (h *harness) browser(name string) *http.Client {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if name == "" {
		return c
	}
	body := `{"name":"` + name + `","password":"` + alicePassword + `"}`
	resp, err := c.Post(h.url+"/auth/signin", "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		h.t.Fatalf("sign in %s: %s", name, resp.Status)
	}
	return c
}

// register registers a client by RFC 7591 and returns its client_id.
func (h *harness) register(redirectURIs ...string) string {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{"client_name": "Test client", "redirect_uris": redirectURIs, "token_endpoint_auth_method": "none"})
	resp, err := http.Post(h.url+"/oauth/register", "application/json", strings.NewReader(string(b)))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if resp.StatusCode != http.StatusCreated {
		h.t.Fatalf("register: %s", resp.Status)
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.ClientID
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authQuery is a valid authorization request; tests change it.
func (h *harness) authQuery(clientID, redirect, challenge string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirect},
		"scope":                 {"read write"},
		"state":                 {"state-" + rand.Text()},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
		"resource":              {h.resource},
	}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// consent opens the authorization URL as the browser b and answers the
// consent page; it returns the response to the answer (a redirect).
func (h *harness) consent(b *http.Client, authURL, answer string) *http.Response {
	h.t.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		h.t.Fatal(err)
	}
	page := readAll(resp)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s %s", authURL, resp.Status, page)
	}
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("consent", answer)
	resp, err = b.PostForm(h.url+"/oauth/authorize", form)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// code runs the browser part of the flow and returns the code the client
// got at its redirect URI.
func (h *harness) code(b *http.Client, q url.Values) string {
	h.t.Helper()
	resp := h.consent(b, h.url+"/oauth/authorize?"+q.Encode(), "allow")
	body := readAll(resp)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode/100 != 3 || err != nil {
		h.t.Fatalf("consent: %s %s", resp.Status, body)
	}
	if got := loc.Query().Get("state"); got != q.Get("state") {
		h.t.Fatalf("state = %q, want %q", got, q.Get("state"))
	}
	if c := loc.Query().Get("code"); c != "" {
		return c
	}
	h.t.Fatalf("no code in %s", loc)
	return ""
}

// tokenResponse is the token endpoint's answer, success or error.
type tokenResponse struct {
	Status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
	Debug        string `json:"error_debug"`
	Hint         string `json:"error_hint"`
}

func (h *harness) tokenRequest(form url.Values) tokenResponse {
	h.t.Helper()
	resp, err := http.PostForm(h.url+"/oauth/token", form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	tr.Status = resp.StatusCode
	return tr
}

func (h *harness) exchange(clientID, redirect, code, verifier string) tokenResponse {
	return h.tokenRequest(url.Values{
		"grant_type": {"authorization_code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"code": {code}, "code_verifier": {verifier}, "resource": {h.resource},
	})
}

func (h *harness) refresh(clientID, refresh string) tokenResponse {
	return h.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {refresh}})
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}
