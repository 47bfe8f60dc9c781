package chatserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/chatserver/web"
)

// Defaults for Options.
const (
	DefaultMaxBodyBytes    = 1 << 20 // 1 MiB
	DefaultMaxMessageChars = 8000
	DefaultLocalUser       = "local"
	defaultPerMinute       = 60
	defaultBurst           = 20
)

// Verifier checks bearer tokens. cmd/taskpilot adapts mcpserver/token's
// Verifier to it.
type Verifier interface {
	// Verify checks raw, the token after "Bearer ", and returns the user it
	// acts for. Any error rejects the request with 401; its text is
	// logged, never sent.
	Verify(ctx context.Context, raw string) (user string, err error)
}

// RateLimit is a per-user token bucket: a user may send Burst requests at
// once, then PerMinute requests a minute.
type RateLimit struct {
	// PerMinute is the sustained rate; 0 means 60, negative turns the
	// limit off.
	PerMinute float64
	// Burst is the bucket size; 0 means 20.
	Burst int
}

// ToolCalls finds the tool calls of a turn among the items it stored, for
// the REST endpoint's tool_calls: the responder records them as hidden
// items, which are never streamed. The agent (package chatserver/agent)
// implements it.
type ToolCalls interface {
	// ToolCall returns the tool call that item records, as one entry of
	// tool_calls (a JSON object), and false for any other item.
	ToolCall(item chatkit.ThreadItem) (json.RawMessage, bool)
}

// Options configure the handler New returns. Only Kit is required.
type Options struct {
	// Kit answers ChatKit requests and drives the REST endpoint; the
	// server reads threads only through it.
	Kit *chatkit.Server
	// ToolCalls finds the tool calls the REST endpoint reports; nil
	// answers REST requests with no tool calls.
	ToolCalls ToolCalls
	// Verifier authenticates requests. Nil means no authentication: every
	// request acts as LocalUser; only use that on a loopback address.
	Verifier Verifier
	// LocalUser is the user when Verifier is nil; "" means "local".
	LocalUser string
	// AllowedOrigins are browser origins ("https://app.example.com")
	// allowed to call the API cross-origin (CORS). Same-origin and
	// non-browser requests are always allowed; other cross-origin POSTs,
	// to any route, are refused with 403.
	AllowedOrigins []string
	// AllowedHosts are host names ("tasks.example.com") that a request
	// arriving on a loopback address may name in its Host header besides
	// localhost and loopback IPs: those of a reverse proxy on the same
	// machine that forwards its own Host. Any other Host is refused on
	// every route with 403 (DNS-rebinding protection, package hostcheck).
	AllowedHosts []string
	// MaxBodyBytes limits request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// MaxMessageChars limits the text of one user message, in characters;
	// 0 means 8000.
	MaxMessageChars int
	// RateLimit limits requests per user.
	RateLimit RateLimit
	// RateBuckets keep the rate limit's buckets; nil keeps them in this
	// process. With several replicas, give every one the same shared
	// buckets (models/store's RateBuckets) so that together they grant
	// RateLimit, not RateLimit each.
	RateBuckets TokenBuckets
	// ThreadLocks let one turn at a time run on a thread (a second one
	// gets 409 thread_busy); nil keeps the locks in this process. With
	// several replicas, give every one the same shared locks (models/store's
	// TurnLeases).
	ThreadLocks ThreadLocker
	// Ready reports whether the server can work (the database answers);
	// GET /readyz calls it with a 2s timeout. Nil means always ready.
	Ready func(ctx context.Context) error
	// Logger receives one line per request and the errors; nil discards.
	Logger *slog.Logger
	// Web is the browser pages (package chatserver/web), mounted on the
	// routes it lists, behind the same Host and cross-origin checks as
	// the API; nil serves no pages.
	Web *web.Handler
	// SignIn, if set, serves the account routes of package
	// chatserver/signin: POST /auth/signin, /auth/signout, /auth/token,
	// /auth/signup and GET /auth/config. It checks origins itself too.
	SignIn http.Handler
	// Pane, if set, serves the live task pane's routes under
	// /api/v1/tasks (see TaskPane).
	Pane *TaskPane
	// OAuth, if set, is the OAuth authorization server for MCP clients
	// (package chatserver/oauthserver), served on oauthserver.Routes.
	OAuth http.Handler
	// Grants, if set, serves the account page's routes under
	// /api/v1/grants: the user's OAuth grants, each revocable (see Grants).
	Grants Grants
	// Metrics, if not nil, counts requests and streams and serves GET
	// /metrics, without authentication: keep that port internal or block
	// /metrics at the proxy. Pass the same Metrics to agent.Config.
	Metrics *Metrics
}

// server holds what the handlers share.
type server struct {
	opts    Options
	log     *slog.Logger
	streams context.Context // cancelled by Handler.CloseStreams: open streams end
	locks   ThreadLocker
	buckets TokenBuckets // nil when rate limiting is off
	rate    float64      // tokens a second
	burst   int
}

// Handler is the chat server's HTTP handler, as New returns it.
type Handler struct {
	http.Handler
	closeStreams context.CancelFunc
}

// CloseStreams ends every open stream at once, and every stream that
// starts later: their partial answers are stored, as when a user presses
// stop. Register it with http.Server.RegisterOnShutdown: Shutdown waits
// for open requests, and a stream lasts as long as its turn.
func (h *Handler) CloseStreams() { h.closeStreams() }

// New returns the chat server's HTTP handler (see the package comment for
// its routes). Serve it from an http.Server without a WriteTimeout
// (streams are long). It panics if opts.Kit is nil.
func New(opts Options) *Handler {
	if opts.Kit == nil {
		panic("chatserver: Options.Kit is nil")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Logger = slog.New(LogHandler(opts.Logger.Handler()))
	if opts.LocalUser == "" {
		opts.LocalUser = DefaultLocalUser
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxMessageChars <= 0 {
		opts.MaxMessageChars = DefaultMaxMessageChars
	}
	streams, closeStreams := context.WithCancel(context.Background())
	s := &server{opts: opts, log: opts.Logger, streams: streams, locks: opts.ThreadLocks}
	if s.locks == nil {
		s.locks = &memoryLocks{}
	}
	if rl := opts.RateLimit; rl.PerMinute >= 0 {
		if rl.PerMinute == 0 {
			rl.PerMinute = defaultPerMinute
		}
		if rl.Burst <= 0 {
			rl.Burst = defaultBurst
		}
		s.rate, s.burst, s.buckets = rl.PerMinute/60, rl.Burst, opts.RateBuckets
		if s.buckets == nil {
			s.buckets = newMemoryBuckets(time.Now)
		}
	}
	return &Handler{Handler: s.routes(), closeStreams: closeStreams}
}

// routes builds the gin engine.
func (s *server) routes() *gin.Engine {
	gin.SetMode(gin.ReleaseMode) // debug mode prints to stdout
	r := gin.New()
	_ = r.SetTrustedProxies(nil) // trust no proxy: ClientIP is the peer (nil never fails)
	r.HandleMethodNotAllowed = true
	// gin answers a trailing-slash redirect before any middleware runs
	// (no Host check, no request id); every request goes through the
	// middleware instead, and "/chatkit/" is a JSON 404.
	r.RedirectTrailingSlash = false
	r.Use(s.logRequests)
	if s.opts.Metrics != nil {
		r.Use(s.countRequests)
	}
	r.Use(s.recover, s.checkHost, s.checkOrigin())
	r.NoRoute(func(c *gin.Context) {
		writeError(c, http.StatusNotFound, "not_found", "no such endpoint")
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	if s.opts.Metrics != nil {
		r.GET("/metrics", gin.WrapH(s.opts.Metrics.handler(s.log)))
	}

	if s.opts.SignIn != nil {
		h := gin.WrapH(s.opts.SignIn)
		for _, p := range []string{"/auth/signin", "/auth/signout", "/auth/token", "/auth/signup"} {
			r.POST(p, h)
		}
		r.GET("/auth/config", h)
	}
	if s.opts.OAuth != nil {
		h := gin.WrapH(s.opts.OAuth)
		for _, p := range oauthserver.Routes {
			r.Any(p, h)
		}
	}

	cors := s.cors
	api := r.Group("", cors, s.authenticate, s.rateLimit)
	for _, path := range []string{"/chatkit", "/api/v1/chatkit", "/api/:user_id/chat"} {
		r.OPTIONS(path, cors) // preflight: answered by cors, no auth
	}
	api.POST("/chatkit", s.chatkit)
	api.POST("/api/v1/chatkit", s.chatkit)
	api.POST("/api/:user_id/chat", s.restChat)
	s.taskRoutes(r, api)
	s.grantRoutes(r.Group("", s.authenticate, s.rateLimit))

	if s.opts.Web != nil {
		pages := gin.WrapH(s.opts.Web)
		for _, rt := range s.opts.Web.Routes() {
			r.Handle(rt.Method, ginPath(rt.Path), pages)
		}
	}
	return r
}

// ginPath turns a web.Route path into gin's syntax: a "{name}" segment
// becomes ":name".
func ginPath(path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if name, ok := strings.CutPrefix(seg, "{"); ok && strings.HasSuffix(name, "}") {
			segs[i] = ":" + strings.TrimSuffix(name, "}")
		}
	}
	return strings.Join(segs, "/")
}
