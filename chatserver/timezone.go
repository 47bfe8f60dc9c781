package chatserver

import (
	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/agent"
)

// withTimeZone puts the time zone the page sent (agent.TimeZoneHeader)
// into the request's context for the agent; a missing or invalid one is
// ignored, and the server's setting applies.
func withTimeZone(c *gin.Context) {
	if loc, ok := agent.ParseTimeZone(c.GetHeader(agent.TimeZoneHeader)); ok {
		c.Request = c.Request.WithContext(agent.WithTimeZone(c.Request.Context(), loc))
	}
}
