package oauthserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ory/fosite"
)

// Limits on Client ID Metadata Documents.
const (
	maxMetadataBytes = 5 << 10 // the size the CIMD draft recommends
	metadataTimeout  = 5 * time.Second
	metadataCacheTTL = 5 * time.Minute
	maxRedirectURIs  = 10
	maxClientName    = 200
)

// client is a public OAuth client of TaskPilot: a dynamically registered
// one or one known by its metadata document.
type client struct {
	id           string
	name         string
	redirectURIs []string
	audience     []string
}

var _ fosite.Client = (*client)(nil)

func (c *client) GetID() string             { return c.id }
func (c *client) GetHashedSecret() []byte   { return nil }
func (c *client) GetRedirectURIs() []string { return c.redirectURIs }
func (c *client) GetGrantTypes() fosite.Arguments {
	return fosite.Arguments{"authorization_code", "refresh_token"}
}
func (c *client) GetResponseTypes() fosite.Arguments { return fosite.Arguments{"code"} }
func (c *client) GetScopes() fosite.Arguments        { return fosite.Arguments(allScopes) }
func (c *client) IsPublic() bool                     { return true }
func (c *client) GetAudience() fosite.Arguments      { return c.audience }

// clientMetadata is the RFC 7591 client metadata TaskPilot reads, from a
// registration request or a Client ID Metadata Document.
type clientMetadata struct {
	ClientID                string   `json:"client_id,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
}

// metadataError is an RFC 7591 §3.2.2 error.
type metadataError struct{ code, desc string }

func (e *metadataError) Error() string { return e.code + ": " + e.desc }

func invalidMetadata(format string, args ...any) error {
	return &metadataError{"invalid_client_metadata", fmt.Sprintf(format, args...)}
}

// check validates m for a public client of TaskPilot.
func (m *clientMetadata) check() error {
	if len(m.RedirectURIs) == 0 {
		return &metadataError{"invalid_redirect_uri", "redirect_uris is required"}
	}
	if len(m.RedirectURIs) > maxRedirectURIs {
		return &metadataError{"invalid_redirect_uri", fmt.Sprintf("at most %d redirect_uris", maxRedirectURIs)}
	}
	for _, u := range m.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return &metadataError{"invalid_redirect_uri", err.Error()}
		}
	}
	if a := m.TokenEndpointAuthMethod; a != "" && a != "none" {
		return invalidMetadata("token_endpoint_auth_method must be none: TaskPilot's clients are public and use PKCE")
	}
	for _, g := range m.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return invalidMetadata("grant type %q is not supported", g)
		}
	}
	for _, r := range m.ResponseTypes {
		if r != "code" {
			return invalidMetadata("response type %q is not supported", r)
		}
	}
	if len([]rune(m.ClientName)) > maxClientName {
		return invalidMetadata("client_name is longer than %d characters", maxClientName)
	}
	return nil
}

// checkRedirectURI accepts an absolute URI without fragment: https, http
// on a loopback address (RFC 8252 §7.3), or a private-use scheme with a
// dot (RFC 8252 §7.1, "com.example.app:/cb").
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return fmt.Errorf("redirect URI %q is not an absolute URI", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("redirect URI %q has a fragment", raw)
	case u.Scheme == "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", raw)
		}
	case u.Scheme == "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q is plain http off loopback", raw)
		}
	case strings.Contains(u.Scheme, "."):
	default:
		return fmt.Errorf("redirect URI %q has scheme %q: use https, http on 127.0.0.1 or [::1], or a reverse-domain scheme", raw, u.Scheme)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// clients finds clients: registered ones in the store, metadata-document
// ones by fetching their client_id URL.
type clients struct {
	store    Store
	http     *http.Client
	audience []string
	timeout  time.Duration

	mu    sync.Mutex
	cache map[string]cachedClient
	now   func() time.Time
}

type cachedClient struct {
	c       *client
	fetched time.Time
}

// get returns the client id.
func (cs *clients) get(ctx context.Context, id string) (*client, error) {
	if strings.HasPrefix(id, "https://") {
		return cs.byDocument(ctx, id)
	}
	c, err := cs.store.GetOAuthClient(ctx, id)
	if err != nil {
		return nil, err
	}
	return &client{id: c.ID, name: c.Name, redirectURIs: c.RedirectURIs, audience: cs.audience}, nil
}

// byDocument returns the client whose Client ID Metadata Document is at id.
func (cs *clients) byDocument(ctx context.Context, id string) (*client, error) {
	cs.mu.Lock()
	cc, ok := cs.cache[id]
	cs.mu.Unlock()
	if ok && cs.now().Sub(cc.fetched) < metadataCacheTTL {
		return cc.c, nil
	}
	m, err := cs.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	c := &client{id: id, name: m.ClientName, redirectURIs: m.RedirectURIs, audience: cs.audience}
	cs.mu.Lock()
	if cs.cache == nil {
		cs.cache = map[string]cachedClient{}
	}
	if len(cs.cache) > 1000 {
		clear(cs.cache)
	}
	cs.cache[id] = cachedClient{c, cs.now()}
	cs.mu.Unlock()
	return c, nil
}

// errClientDocument wraps every reason a metadata document is refused.
var errClientDocument = errors.New("client metadata document")

// docError is why a metadata document was refused; it matches
// errClientDocument.
type docError struct{ msg string }

func (e *docError) Error() string        { return "client metadata document: " + e.msg }
func (e *docError) Is(target error) bool { return target == errClientDocument }

func refuseDoc(format string, args ...any) error { return &docError{fmt.Sprintf(format, args...)} }

// fetch downloads and checks the Client ID Metadata Document at id.
func (cs *clients) fetch(ctx context.Context, id string) (*clientMetadata, error) {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" ||
		u.Path == "" || u.Path == "/" || slices.Contains(strings.Split(u.Path, "/"), "..") || slices.Contains(strings.Split(u.Path, "/"), ".") {
		return nil, refuseDoc("client_id %q is not an https URL with a path", id)
	}
	ctx, cancel := context.WithTimeout(ctx, cs.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, refuseDoc("%v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := cs.http.Do(req)
	if err != nil {
		return nil, refuseDoc("fetch %s: %v", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, refuseDoc("%s answered %s", id, resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return nil, refuseDoc("%s is %q, not application/json", id, mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, refuseDoc("read %s: %v", id, err)
	}
	if len(body) > maxMetadataBytes {
		return nil, refuseDoc("%s is larger than %d bytes", id, maxMetadataBytes)
	}
	var m clientMetadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, refuseDoc("%s is not a JSON object: %v", id, err)
	}
	if m.ClientID != id {
		return nil, refuseDoc("its client_id %q is not its URL %q", m.ClientID, id)
	}
	if err := m.check(); err != nil {
		return nil, refuseDoc("%v", err)
	}
	return &m, nil
}

// SafeHTTPClient returns the client that fetches metadata documents: no
// redirects, a 5 s timeout, no proxy, and connections only to public
// unicast addresses (never loopback, private, link-local, multicast or
// unspecified ones), checked on the address actually dialled so DNS
// rebinding cannot get around it.
func SafeHTTPClient() *http.Client {
	d := &net.Dialer{Timeout: metadataTimeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !publicAddr(ap.Addr()) {
			return fmt.Errorf("address %s is not public", ap.Addr())
		}
		return nil
	}}
	tr := &http.Transport{
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    metadataTimeout,
		ResponseHeaderTimeout:  metadataTimeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{Transport: tr, Timeout: metadataTimeout, CheckRedirect: noRedirects}
}

func noRedirects(*http.Request, []*http.Request) error {
	return errors.New("redirects are not followed")
}

func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(a) && !netip.MustParsePrefix("fc00::/7").Contains(a)
}
