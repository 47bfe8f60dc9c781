package chatserver

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/mcpserver/hostcheck"
	"github.com/taskpilot/taskpilot/mcpserver/httpops"
)

// userKey is where the auth middleware leaves the user in the gin context.
const userKey = "taskpilot.user"

// userOf returns the authenticated user of the request.
func userOf(c *gin.Context) string { return c.GetString(userKey) }

// logRequests gives the request an id (httpops.RequestID), echoes it in
// the response, puts it in the request's context for every log line of
// the request (see LogHandler) and logs the request's line when it is
// over, as package httpops says, with the user.
func (s *server) logRequests(c *gin.Context) {
	start := time.Now()
	id := httpops.RequestID(c.Request)
	c.Header(httpops.RequestIDHeader, id)
	c.Request = c.Request.WithContext(withRequestID(c.Request.Context(), id))

	c.Next()
	s.logRequest(c, start)
}

// logRequest logs the line of the request that started at start. It is
// apart from logRequests, whose frame is under every handler (a chat
// stream's included, for as long as it is open), to keep that frame small.
func (s *server) logRequest(c *gin.Context, start time.Time) {
	httpops.Log(c.Request.Context(), s.log, httpops.Request{
		Method:   c.Request.Method,
		Route:    c.FullPath(),
		Status:   c.Writer.Status(),
		Bytes:    max(c.Writer.Size(), 0),
		Duration: time.Since(start),
	}, slog.String("user", userOf(c)))
}

// recover turns a panic into a logged error and, if nothing was written
// yet, a JSON 500 that reveals nothing. http.ErrAbortHandler is re-raised:
// it is how a handler asks net/http to drop the connection.
func (s *server) recover(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v)
		}
		s.log.ErrorContext(c.Request.Context(), "handler panicked",
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			writeError(c, http.StatusInternalServerError, "internal", "internal error")
		}
		c.Abort()
	}()
	c.Next()
}

// checkHost refuses, with 403, a request that arrived on a loopback
// address naming a foreign host (DNS rebinding: a page whose name now
// resolves to 127.0.0.1 would otherwise be same-origin with this server
// and act as the local user). See package hostcheck.
func (s *server) checkHost(c *gin.Context) {
	if !hostcheck.Allowed(c.Request, s.opts.AllowedHosts) {
		s.refuseHost(c)
		return
	}
	c.Next()
}

// refuseHost is checkHost's refusal, apart to keep checkHost's frame
// (under every handler) small.
func (s *server) refuseHost(c *gin.Context) {
	s.log.WarnContext(c.Request.Context(), "refused a request for a foreign host on loopback (DNS rebinding?); a reverse proxy's host names go in --allowed-hosts",
		"host", c.Request.Host)
	writeError(c, http.StatusForbidden, "forbidden", "invalid Host header "+strconv.Quote(c.Request.Host))
	c.Abort()
}

// checkOrigin returns the middleware that refuses, with 403, cross-origin
// browser requests that change state (POST...) from origins other than
// AllowedOrigins (http.CrossOriginProtection); when auth is off they
// would act as the local user, and a dev login would mint a token. The
// OAuth server's oauthserver.CrossOriginRoutes are let through from any
// origin: they read no cookie (so there is nothing to forge), and
// browser-based OAuth clients call them from their own origin.
func (s *server) checkOrigin() gin.HandlerFunc {
	protect := http.NewCrossOriginProtection()
	for _, o := range s.opts.AllowedOrigins {
		if err := protect.AddTrustedOrigin(o); err != nil {
			s.log.Warn("ignoring malformed allowed origin", "origin", o, "err", err)
		}
	}
	if s.opts.OAuth != nil {
		for _, p := range oauthserver.CrossOriginRoutes {
			protect.AddInsecureBypassPattern("POST " + p)
		}
	}
	return func(c *gin.Context) {
		if err := protect.Check(c.Request); err != nil {
			writeError(c, http.StatusForbidden, "forbidden", "cross-origin request from an origin that is not allowed")
			c.Abort()
			return
		}
		c.Next()
	}
}

// cors answers CORS for the allowed origins, preflights included.
func (s *server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	allowed := origin != "" && slices.Contains(s.opts.AllowedOrigins, origin)
	h := c.Writer.Header()
	if allowed {
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id")
	}
	if c.Request.Method == http.MethodOptions {
		if allowed {
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id")
			h.Set("Access-Control-Max-Age", "600")
		}
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}

// authenticate sets the request's user: the subject of a valid bearer
// token, or LocalUser when there is no Verifier.
func (s *server) authenticate(c *gin.Context) {
	if s.authenticated(c) {
		c.Next()
	}
}

// authenticated is authenticate's check: it sets the request's user, or
// answers the request with 401 and returns false. It is apart so that
// authenticate's frame, under every handler, stays small.
func (s *server) authenticated(c *gin.Context) bool {
	if s.opts.Verifier == nil {
		c.Set(userKey, s.opts.LocalUser)
		return true
	}
	scheme, raw, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		c.Header("WWW-Authenticate", `Bearer`)
		writeError(c, http.StatusUnauthorized, "unauthenticated", `send "Authorization: Bearer <token>" (see taskpilot token)`)
		c.Abort()
		return false
	}
	user, err := s.opts.Verifier.Verify(c.Request.Context(), raw)
	if err != nil || user == "" {
		s.log.InfoContext(c.Request.Context(), "token rejected", "err", err)
		c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(c, http.StatusUnauthorized, "unauthenticated", "the bearer token is invalid or expired")
		c.Abort()
		return false
	}
	c.Set(userKey, user)
	return true
}

// rateLimit refuses, with 429 and Retry-After, a user's requests beyond
// the token bucket.
func (s *server) rateLimit(c *gin.Context) {
	if s.allowed(c) {
		c.Next()
	}
}

// allowed is rateLimit's check: false means it answered the request with
// 429. It is apart so that rateLimit's frame, under every handler (a
// chat stream's included, for as long as it is open), stays small.
func (s *server) allowed(c *gin.Context) bool {
	if s.buckets == nil {
		return true
	}
	ok, wait, err := s.buckets.Take(c.Request.Context(), userOf(c), s.rate, s.burst)
	if err != nil {
		// The limit cannot be checked (the database is down): serve the
		// request, which reports its own failure if it needs the database.
		s.log.ErrorContext(c.Request.Context(), "rate limit unavailable; request let through", "err", err)
		ok = true
	}
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
		writeError(c, http.StatusTooManyRequests, "rate_limited",
			fmt.Sprintf("too many requests; try again in %d seconds", max(secs, 1)))
		c.Abort()
		return false
	}
	return true
}
