package chatkit

import (
	"slices"
	"strings"
)

// iconNames is the reference's IconName list (ChatKit Python SDK 1.6.5).
var iconNames = strings.Fields(`
agent analytics atom batch bolt book-open book-closed book-clock bug calendar chart check
check-circle check-circle-filled chevron-left chevron-right circle-question clock compass
confetti cube desktop document dot dots-horizontal dots-vertical empty-circle external-link
globe keys lab images info lifesaver lightbulb mail map-pin maps mobile name notebook
notebook-pencil page-blank phone play plus profile profile-card reload star star-filled
search sparkle sparkle-double square-code square-image square-text suitcase settings-slider
user wreath write write-alt write-alt2`)

// ValidIcon reports whether name is an icon the client accepts: a built-in
// name such as "search", "check" or "calendar", or any name prefixed
// "lucide:" or "vendor:". Others (for example "upload") make the client
// reject the whole event.
func ValidIcon(name string) bool {
	if strings.HasPrefix(name, "lucide:") || strings.HasPrefix(name, "vendor:") {
		return true
	}
	return slices.Contains(iconNames, name)
}
