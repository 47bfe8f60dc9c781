// Package wirejson writes JSON the way the ChatKit wire format wants it:
// objects tagged by a leading "type" key, lists that are never null. It is
// shared by chatkit and chatkit/widget, uses only the standard library and
// imports neither.
package wirejson

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MarshalTyped marshals v, which must encode as a JSON object, with a
// leading "type" key: {"type":typ, ...fields of v}.
func MarshalTyped(typ string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("marshal %s: not a JSON object", typ)
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + len(typ) + 10)
	buf.WriteString(`{"type":`)
	q, _ := json.Marshal(typ) // a string always marshals
	buf.Write(q)
	if len(body) > 2 {
		buf.WriteByte(',')
	}
	buf.Write(body[1:])
	return buf.Bytes(), nil
}

// EmptyIfNil returns s, or an empty non-nil slice when s is nil, so that it
// marshals as [] instead of null (the reference rejects null lists).
func EmptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
