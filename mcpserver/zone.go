package mcpserver

import (
	"context"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TimeZoneMeta is the _meta key in which a client may name the user's
// time zone (an IANA name such as "Pacific/Kiritimati") on any request:
// tools/call, resources/read, resources/list, prompts/get,
// completion/complete. That
// request's "today", "tomorrow" and "overdue" (list_tasks' overdue and
// due windows, the today and overdue resources, the prompts, a repeating
// task's next date) are then the user's. A request without it, or with a
// name this server does not know, uses Options.Location.
const TimeZoneMeta = "taskpilot/timezone"

// zoneKey is the context key of a request's time zone.
type zoneKey struct{}

// zoneMiddleware puts the time zone a request names in its _meta (see
// TimeZoneMeta) into its context.
func zoneMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		var meta mcp.Meta
		switch r := req.(type) {
		case *mcp.CallToolRequest:
			if r.Params != nil {
				meta = r.Params.Meta
			}
		case *mcp.ReadResourceRequest:
			if r.Params != nil {
				meta = r.Params.Meta
			}
		case *mcp.GetPromptRequest:
			if r.Params != nil {
				meta = r.Params.Meta
			}
		case *mcp.CompleteRequest:
			if r.Params != nil {
				meta = r.Params.Meta
			}
		case *mcp.ListResourcesRequest:
			if r.Params != nil {
				meta = r.Params.Meta
			}
		}
		if name, ok := meta[TimeZoneMeta].(string); ok {
			if loc, ok := parseZone(name); ok {
				ctx = context.WithValue(ctx, zoneKey{}, loc)
			}
		}
		return next(ctx, method, req)
	}
}

// parseZone returns the location of an IANA zone name, and false for
// anything else ("", "Local", an overlong name, one the zone database
// does not have).
func parseZone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// zone is the user's time zone for the request ctx belongs to: the one
// it named (TimeZoneMeta), else Options.Location.
func (s *server) zone(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(zoneKey{}).(*time.Location); ok {
		return loc
	}
	return s.loc
}

// clock is the time now in the request's time zone (see zone).
func (s *server) clock(ctx context.Context) time.Time {
	return s.now().In(s.zone(ctx))
}
