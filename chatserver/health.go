package chatserver

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds one readiness check.
const readyTimeout = 2 * time.Second

// healthz answers GET /healthz: the process is up.
func (s *server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers GET /readyz: 200 when Options.Ready succeeds within
// readyTimeout, else 503. The failure is logged, not sent.
func (s *server) readyz(c *gin.Context) {
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "err", err)
			writeError(c, http.StatusServiceUnavailable, "not_ready", "the database is not reachable")
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
