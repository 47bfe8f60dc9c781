package chatserver

import (
	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/mcpserver/httpops"
)

// healthz answers GET /healthz as package httpops says: the process is up.
func (s *server) healthz(c *gin.Context) {
	httpops.Healthz(c.Writer, c.Request)
}

// readyz answers GET /readyz as package httpops says: 200 when
// Options.Ready succeeds within httpops.ReadyTimeout, else 503. The
// failure is logged, not sent.
func (s *server) readyz(c *gin.Context) {
	httpops.Readyz(s.opts.Ready, s.log)(c.Writer, c.Request)
}
