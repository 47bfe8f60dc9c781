package widget

import "github.com/taskpilot/taskpilot/chatserver/chatkit/internal/wirejson"

// marshalTyped is [wirejson.MarshalTyped]: the JSON of v with a leading
// "type" key, as every component marshals.
func marshalTyped(typ string, v any) ([]byte, error) {
	return wirejson.MarshalTyped(typ, v)
}

// emptyIfNil is [wirejson.EmptyIfNil]: s, or an empty non-nil slice when s
// is nil, so that it marshals as [] instead of null.
func emptyIfNil[T any](s []T) []T {
	return wirejson.EmptyIfNil(s)
}
