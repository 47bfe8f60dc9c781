package mcphttp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// metadataPath is the RFC 9728 well-known path; the path-suffixed form for
// the /mcp resource is metadataPath+mcpPath.
const metadataPath = "/.well-known/oauth-protected-resource"

// requireToken returns middleware that admits only requests with a valid
// bearer token and hands its subject to the MCP tools as TokenInfo.UserID.
// Other requests get 401 with a WWW-Authenticate header naming the
// protected-resource metadata.
func requireToken(v *token.Verifier, resourceURL string, log *slog.Logger) func(http.Handler) http.Handler {
	verify := func(ctx context.Context, raw string, _ *http.Request) (*auth.TokenInfo, error) {
		c, err := v.Verify(ctx, raw)
		if errors.Is(err, token.ErrInvalidToken) {
			log.DebugContext(ctx, "token rejected", "reason", err.Error())
			return nil, rejected{err}
		}
		if err != nil {
			log.ErrorContext(ctx, "verify token", "err", err)
			return nil, errors.New("token verification unavailable")
		}
		return &auth.TokenInfo{UserID: c.Subject, Expiration: c.ExpiresAt, Scopes: c.Scopes}, nil
	}
	middleware := func(resource string) func(http.Handler) http.Handler {
		return auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{
			ResourceMetadataURL: metadataURL(resource),
			ClockSkew:           v.Leeway(),
		})
	}
	if resourceURL != "" {
		return middleware(resourceURL)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			middleware(requestResourceURL(r))(next).ServeHTTP(w, r)
		})
	}
}

// rejected is a token.ErrInvalidToken error that also matches
// auth.ErrInvalidToken, which the SDK maps to 401. Its message is the
// token package's ("invalid token: expired").
type rejected struct{ err error }

func (e rejected) Error() string   { return e.err.Error() }
func (e rejected) Unwrap() []error { return []error{e.err, auth.ErrInvalidToken} }

// metadataHandler serves the RFC 9728 protected-resource metadata.
func metadataHandler(resourceURL string, authServers []string) http.Handler {
	meta := func(resource string) *oauthex.ProtectedResourceMetadata {
		return &oauthex.ProtectedResourceMetadata{
			Resource:               resource,
			AuthorizationServers:   authServers,
			BearerMethodsSupported: []string{"header"},
			ResourceName:           "TaskPilot",
		}
	}
	if resourceURL != "" {
		return auth.ProtectedResourceMetadataHandler(meta(resourceURL))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.ProtectedResourceMetadataHandler(meta(requestResourceURL(r))).ServeHTTP(w, r)
	})
}

// metadataURL returns the RFC 9728 §3.1 metadata URL of a resource: the
// well-known path inserted between the host and the resource's path.
func metadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: metadataPath + u.Path}).String()
}

// requestResourceURL is the /mcp URL as the client addressed it.
func requestResourceURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: mcpPath}).String()
}
