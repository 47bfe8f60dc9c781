package chatkit

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/internal/wirejson"
)

// marshalTyped is [wirejson.MarshalTyped], which the MarshalJSON methods
// of this package and of package widget share.
func marshalTyped(typ string, v any) ([]byte, error) {
	return wirejson.MarshalTyped(typ, v)
}

// emptyIfNil is [wirejson.EmptyIfNil]: s, or an empty non-nil slice when s
// is nil, so that it marshals as [] instead of null.
func emptyIfNil[T any](s []T) []T {
	return wirejson.EmptyIfNil(s)
}

// emptyMapIfNil returns m, or an empty map when m is nil, so that it
// marshals as {} instead of null.
func emptyMapIfNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// EncodeSSE returns one SSE frame for ev, exactly as the reference server
// writes it: "data: " + compact JSON + "\n\n". There is no event, id or
// retry field.
func EncodeSSE(ev Event) ([]byte, error) {
	if frame, ok := encodeTextDelta(ev); ok {
		return frame, nil
	}
	// Every event's MarshalJSON writes compact JSON (marshalTyped), so it
	// is called directly: json.Marshal would check and compact the whole
	// event once more (TestEncodeSSEMatchesMarshal).
	var body []byte
	var err error
	if m, ok := ev.(json.Marshaler); ok {
		body, err = m.MarshalJSON()
	} else {
		body, err = json.Marshal(ev)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", ev.Type(), err)
	}
	frame := make([]byte, 0, len(body)+8)
	frame = append(frame, "data: "...)
	frame = append(frame, body...)
	return append(frame, '\n', '\n'), nil
}

// requirePresent reports a *RequestError unless data is a JSON object
// holding every key in keys, with any value (null included).
func requirePresent(data []byte, where string, keys ...string) error {
	obj, err := object(data, where)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			return invalid("%s.%s: required", where, k)
		}
	}
	return nil
}

// requireKeys reports a *RequestError unless data is a JSON object holding
// every key in keys with a non-null value. where names the object in the
// message ("params", "input").
func requireKeys(data []byte, where string, keys ...string) error {
	obj, err := object(data, where)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if v, ok := obj[k]; !ok || string(v) == "null" {
			return invalid("%s.%s: required", where, k)
		}
	}
	return nil
}

func object(data []byte, where string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, invalid("%s: must be an object", where)
	}
	return obj, nil
}

// encodeTextDelta encodes the most frequent event of a stream, a text
// delta, without the nested MarshalJSON calls (each level's output is
// validated and copied again by the level above): the same bytes as
// json.Marshal, at a fraction of the cost. It reports false for any other
// event.
func encodeTextDelta(ev Event) ([]byte, bool) {
	e, ok := ev.(*ThreadItemUpdatedEvent)
	if !ok {
		return nil, false
	}
	d, ok := e.Update.(*AssistantMessageContentPartTextDelta)
	if !ok || d == nil {
		return nil, false
	}
	id, err1 := json.Marshal(e.ItemID) // escaped exactly as in json.Marshal(ev)
	delta, err2 := json.Marshal(d.Delta)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	frame := make([]byte, 0, len(id)+len(delta)+140)
	frame = append(frame, `data: {"type":"thread.item.updated","item_id":`...)
	frame = append(frame, id...)
	frame = append(frame, `,"update":{"type":"assistant_message.content_part.text_delta","content_index":`...)
	frame = strconv.AppendInt(frame, int64(d.ContentIndex), 10)
	frame = append(frame, `,"delta":`...)
	frame = append(frame, delta...)
	return append(frame, "}}\n\n"...), true
}
