package agent

import (
	"context"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// location is the time zone of the turn ctx belongs to: the user's (see
// chatkit.WithTimeZone), or Config.Location.
func (a *Agent) location(ctx context.Context) *time.Location {
	if loc, ok := chatkit.TimeZone(ctx); ok {
		return loc
	}
	return a.cfg.Location
}
