package oauthserver

import (
	"net/http"
	"slices"

	"github.com/rs/cors"
)

// CrossOriginRoutes are the routes that any web origin may call, with
// CORS for every origin and without credentials: the metadata, the JWKS
// and the token, revocation and registration endpoints. A client whose
// OAuth runs in a browser tab (the MCP Inspector, a web IDE) calls them
// from its own origin. They read no cookie, so a page elsewhere gains
// nothing by calling them from a visitor's browser that it could not get
// by calling them from a server: a code is useless without its PKCE
// verifier, a refresh token is a secret of its own. The authorization
// endpoint, which the sign-in cookie authenticates and whose consent form
// is CSRF-protected, is not among them and answers no CORS.
var CrossOriginRoutes = []string{
	"/.well-known/oauth-authorization-server",
	"/oauth/token", "/oauth/revoke", "/oauth/register", "/oauth/jwks.json",
}

// publicCORS answers CORS on CrossOriginRoutes, preflights included.
var publicCORS = cors.New(cors.Options{
	AllowedOrigins: []string{"*"},
	AllowedMethods: []string{http.MethodGet, http.MethodPost},
	// MCP clients send their protocol version with discovery requests;
	// Authorization for clients that send one to the token endpoint.
	AllowedHeaders: []string{"Content-Type", "Authorization", "Mcp-Protocol-Version"},
	ExposedHeaders: []string{"WWW-Authenticate", "Retry-After", "X-Request-Id"},
	MaxAge:         600,
})

// crossOrigin reports whether r is for one of CrossOriginRoutes.
func crossOrigin(r *http.Request) bool {
	return slices.Contains(CrossOriginRoutes, r.URL.Path)
}
