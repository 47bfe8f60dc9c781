// Package mcphttp serves the MCP server over Streamable HTTP with auth.
//
// New returns a handler with these routes:
//
//	POST /mcp                                  MCP Streamable HTTP (GET and DELETE for sessions this process holds)
//	GET  /.well-known/oauth-protected-resource  RFC 9728 metadata (also at .../oauth-protected-resource/mcp); only with auth
//	GET  /healthz                              200 {"status":"ok"} while the process runs
//	GET  /readyz                               200 {"status":"ok"} or 503 {"status":"unavailable"} (package httpops)
//	GET  /metrics                              Prometheus metrics; only with Options.Metrics
//
// Every response carries an X-Request-Id header: the client's own if it
// sent a sane one, else a new random id. The request's log line (the one
// of package httpops, with rpc_method added) has it.
//
// A request that arrived on a loopback address with a foreign Host header
// is refused on every route with a JSON 403 (DNS-rebinding protection,
// see package hostcheck); Options.AllowedHosts lets a reverse proxy's
// names through. Every other path is a JSON 404. Tool calls need no session state: each
// POST carries everything the server needs, so any number of replicas on
// one database can serve one client's calls in any order. Sessions, where a
// client of the initialize-based protocol has one on this process, add
// server-to-client streams (see sessionRouter).
package mcphttp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/mcpserver/hostcheck"
	"github.com/taskpilot/taskpilot/mcpserver/httpops"
	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// Options configures New.
type Options struct {
	// Server is the MCP server (mcpserver.New); all requests share it.
	Server *mcp.Server
	// Verifier checks bearer tokens on /mcp. Nil means no auth: every caller
	// is the server's default user. Only use that on loopback.
	Verifier *token.Verifier
	// Ready reports whether the service can work, e.g. that the database
	// answers; /readyz calls it with a 2s timeout (httpops.Readyz). Nil
	// means always ready.
	Ready func(ctx context.Context) error
	// ResourceURL is the public URL of the /mcp endpoint, such as
	// "https://tasks.example.com/mcp", named in the protected-resource
	// metadata. Empty means it is derived from each request's Host.
	ResourceURL string
	// AuthorizationServers are the token issuers advertised in the
	// protected-resource metadata; may be empty.
	AuthorizationServers []string
	// AllowedOrigins are extra origins ("https://app.example.com") trusted
	// to POST cross-origin from a browser. Same-origin and non-browser
	// requests are always allowed. Malformed origins are logged and ignored.
	AllowedOrigins []string
	// AllowedHosts are host names ("tasks.example.com") a request that
	// arrived on a loopback address may name in its Host header besides
	// localhost and loopback IPs: those of a reverse proxy on the same
	// machine that forwards its own Host. See package hostcheck.
	AllowedHosts []string
	// Logger receives request logs (see package httpops) and errors; nil
	// discards.
	Logger *slog.Logger
	// Metrics, if not nil, counts the requests to /mcp and serves GET
	// /metrics, without authentication: keep that port internal or
	// block /metrics at the proxy. Pass the same Metrics to
	// mcpserver.Options to count tool calls.
	Metrics *Metrics
}

// New returns the HTTP handler for opts. Serve it from an http.Server
// without a WriteTimeout.
func New(opts Options) *Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "mcphttp")

	// Sessions where this process has them, stateless otherwise, so
	// replicas are interchangeable (see sessionRouter). The SDK's
	// DNS-rebinding protection is replaced by checkHost, the same rule
	// with allowed hosts, on every route. Requests are answered as one
	// JSON response rather than an SSE stream: no tool sends anything
	// before its result, and JSON costs both ends less (notifications still
	// go out on a session's GET stream).
	var mcpHandler http.Handler = newSessionRouter(opts.Server, &mcp.StreamableHTTPOptions{Logger: log, DisableLocalhostProtection: true, JSONResponse: true})
	mux := http.NewServeMux()
	if opts.Verifier != nil {
		mcpHandler = requireToken(opts.Verifier, opts.ResourceURL, log)(mcpHandler)
		meta := metadataCORS.Handler(metadataHandler(opts.ResourceURL, opts.AuthorizationServers))
		mux.Handle(metadataPath, meta)
		mux.Handle(metadataPath+mcpPath, meta)
		// Other well-known paths are 404s that a browser-based client
		// may read while it looks for an authorization server here.
		mux.Handle("/.well-known/", metadataCORS.Handler(http.HandlerFunc(notFound)))
	}
	protect, origins := crossOrigin(opts.AllowedOrigins, log)
	mux.Handle(mcpPath, mcpCORS(origins).Handler(protect.Handler(mcpHandler)))
	mux.HandleFunc("GET /healthz", httpops.Healthz)
	mux.HandleFunc("GET /readyz", httpops.Readyz(opts.Ready, log))
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics.handler(log))
	}
	mux.HandleFunc("/", notFound)
	return &Handler{Handler: logRequests(log, opts.Metrics, checkHost(opts.AllowedHosts, mux)), server: opts.Server}
}

// notFound is the JSON 404 of every path the server does not serve.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path)
}

// checkHost refuses, with a JSON 403, requests that hostcheck does not
// allow (DNS rebinding).
func checkHost(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostcheck.Allowed(r, allowed) {
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("invalid Host header %q", r.Host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Handler is the HTTP handler New returns.
type Handler struct {
	http.Handler
	server *mcp.Server
}

// CloseSessions closes the MCP sessions this process holds, which ends
// their open server-to-client streams. Register it with
// http.Server.RegisterOnShutdown: Shutdown waits for open requests, and a
// client's GET stream stays open for as long as its session lives.
func (h *Handler) CloseSessions() {
	for s := range h.server.Sessions() {
		_ = s.Close()
	}
}

// mcpPath is where the MCP endpoint is served.
const mcpPath = "/mcp"

// crossOrigin rejects browser POSTs from foreign origins with a JSON 403.
// It also returns the allowed origins it accepted (the well-formed ones).
func crossOrigin(allowed []string, log *slog.Logger) (*http.CrossOriginProtection, []string) {
	p := http.NewCrossOriginProtection()
	var ok []string
	for _, o := range allowed {
		if err := p.AddTrustedOrigin(o); err != nil {
			log.Error("ignoring allowed origin", "origin", o, "err", err)
			continue
		}
		ok = append(ok, o)
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "forbidden", "cross-origin request rejected")
	}))
	return p, ok
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes {"error":{"code":...,"message":...}}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	writeJSON(w, status, map[string]body{"error": {code, msg}})
}

// logRequests gives every request an id (httpops.RequestID) and echoes
// it in the response, counts requests to /mcp in m (if not nil) and logs
// the request's line as package httpops says, with the JSON-RPC method.
// Headers are never logged, so neither is the bearer token.
func logRequests(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := httpops.RequestID(r)
		w.Header().Set(httpops.RequestIDHeader, id)
		method := ""
		if r.URL.Path == mcpPath {
			method = methodLabel(r)
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if m != nil && r.URL.Path == mcpPath {
			// Counted when the status is sent, before the client can have
			// the answer, so a scrape after a call always sees it.
			rec.onHeader = func(status int) { m.request(method, status) }
		}
		next.ServeHTTP(rec, r)
		rec.header(http.StatusOK) // a handler that wrote nothing answered 200
		httpops.Log(r.Context(), log, httpops.Request{
			Method:    r.Method,
			Route:     route(r.Pattern),
			Status:    rec.status,
			Bytes:     rec.bytes,
			Duration:  time.Since(start),
			RequestID: id,
		}, slog.String("rpc_method", method))
	})
}

// route returns the path of a ServeMux pattern ("GET /healthz" is
// "/healthz"); the catch-all "/" (the JSON 404) matches no route: "".
func route(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	if pattern == "/" {
		return ""
	}
	return pattern
}

// statusRecorder remembers the response status and counts the body's
// bytes. Unwrap lets
// http.ResponseController reach Flush on the real writer (SSE needs it).
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int
	wroteHeader bool
	onHeader    func(status int) // called once, with the status sent; may be nil
}

// header records the status of the first header written.
func (r *statusRecorder) header(code int) {
	if r.wroteHeader {
		return
	}
	r.status, r.wroteHeader = code, true
	if r.onHeader != nil {
		r.onHeader(code)
	}
}

func (r *statusRecorder) WriteHeader(code int) {
	r.header(code)
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.header(http.StatusOK)
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
