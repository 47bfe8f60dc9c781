package mcphttp

import (
	"net/http"
	"slices"

	"github.com/rs/cors"
)

// mcpCORS answers CORS on /mcp for the allowed origins only, preflights
// included, so that an MCP client running in a page of one of them (the
// MCP Inspector's direct connection, a web IDE) can send its bearer token
// and read the answer, the session id and the 401's WWW-Authenticate
// challenge. Other origins get no CORS headers, and their POSTs stay
// refused by the cross-origin check; no request is ever credentialed.
func mcpCORS(origins []string) *cors.Cors {
	return cors.New(cors.Options{
		AllowOriginFunc: func(o string) bool { return slices.Contains(origins, o) },
		AllowedMethods:  []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		AllowedHeaders:  []string{"Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-Id"},
		ExposedHeaders:  []string{"Mcp-Session-Id", "Mcp-Protocol-Version", "WWW-Authenticate", "X-Request-Id"},
		MaxAge:          600,
	})
}

// metadataCORS answers CORS on the protected-resource metadata for any
// origin: it is public, and browser-based clients discover the
// authorization server through it. (The SDK's handler allows any origin
// too, but not the Mcp-Protocol-Version header clients send with it.)
var metadataCORS = cors.New(cors.Options{
	AllowedOrigins: []string{"*"},
	AllowedMethods: []string{http.MethodGet},
	AllowedHeaders: []string{"Content-Type", "Mcp-Protocol-Version"},
	MaxAge:         600,
})
