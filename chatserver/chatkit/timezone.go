package chatkit

import (
	"context"
	"regexp"
	"time"
)

// TimeZoneHeader is the HTTP header in which the pages send the browser's
// time zone (an IANA name such as "Europe/Paris") with every request.
const TimeZoneHeader = "X-TaskPilot-Timezone"

// zonePattern is the shape of an IANA time zone name: "UTC",
// "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5".
var zonePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}$`)

// ParseTimeZone returns the location of an IANA time zone name, and false
// for anything else: an empty or overlong name, "Local", a path, a name
// the system's zone database does not have.
func ParseTimeZone(name string) (*time.Location, bool) {
	if len(name) > 64 || name == "Local" || !zonePattern.MatchString(name) {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}

// zoneKey is the context key of the user's time zone.
type zoneKey struct{}

// WithTimeZone returns ctx carrying the user's time zone, which a
// Responder uses for "today" and "tomorrow" in that request's turn.
func WithTimeZone(ctx context.Context, loc *time.Location) context.Context {
	if loc == nil {
		return ctx
	}
	return context.WithValue(ctx, zoneKey{}, loc)
}

// TimeZone returns the user's time zone that ctx carries (see
// WithTimeZone), and false when it carries none.
func TimeZone(ctx context.Context) (*time.Location, bool) {
	loc, ok := ctx.Value(zoneKey{}).(*time.Location)
	return loc, ok
}
