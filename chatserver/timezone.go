package chatserver

import (
	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// withTimeZone puts the time zone the page sent (chatkit.TimeZoneHeader)
// into the request's context for the agent; a missing or invalid one is
// ignored, and the server's setting applies.
func withTimeZone(c *gin.Context) {
	if loc, ok := chatkit.ParseTimeZone(c.GetHeader(chatkit.TimeZoneHeader)); ok {
		c.Request = c.Request.WithContext(chatkit.WithTimeZone(c.Request.Context(), loc))
	}
}
