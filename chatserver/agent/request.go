package agent

import (
	"encoding/json"
	"fmt"

	"github.com/openai/openai-go/v3"
)

// The body of a streaming Chat Completions request, encoded here rather
// than by openai-go's reflective param encoder, which walked every message
// and tool union on each request (about a tenth of an add-task turn's
// CPU). Messages of the kinds the agent writes (system, user and tool
// messages with text; assistant messages with text and function calls)
// are encoded from small structs; any other is left to the SDK's encoder.
// The tools are encoded once per tool list (see toolCache).

// wireMessage is a message of a kind the agent writes.
type wireMessage struct {
	Role       string         `json:"role"`
	Content    *string        `json:"content,omitempty"`
	ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

// wireToolCall is a function call of an assistant message.
type wireToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// encodeChatBody returns the body of a streaming request for model, msgs
// and the encoded tools (a JSON array, or nil for none): model, messages,
// tools, "stream":true. The tools are copied as they are, not checked and
// compacted again as json.Marshal would.
func encodeChatBody(model string, msgs []openai.ChatCompletionMessageParamUnion, tools json.RawMessage) ([]byte, error) {
	wire := make([]any, len(msgs)) // wireMessage or json.RawMessage
	for i := range msgs {
		if w, ok := wireOf(&msgs[i]); ok {
			wire[i] = w
			continue
		}
		b, err := json.Marshal(msgs[i])
		if err != nil {
			return nil, fmt.Errorf("encode message %d: %w", i, err)
		}
		wire[i] = json.RawMessage(b)
	}
	name, err := json.Marshal(model)
	if err != nil {
		return nil, err
	}
	enc, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("encode messages: %w", err)
	}
	b := make([]byte, 0, len(name)+len(enc)+len(tools)+64)
	b = append(b, `{"model":`...)
	b = append(b, name...)
	b = append(b, `,"messages":`...)
	b = append(b, enc...)
	if len(tools) > 0 {
		b = append(b, `,"tools":`...)
		b = append(b, tools...)
	}
	return append(b, `,"stream":true}`...), nil
}

// wireOf returns m as a wireMessage when it is a kind that one encodes
// exactly; ok is false for any other (names, content parts, refusals,
// audio, legacy function calls, custom tool calls).
func wireOf(m *openai.ChatCompletionMessageParamUnion) (wireMessage, bool) {
	switch {
	case m.OfSystem != nil:
		s := m.OfSystem
		if s.Name.Valid() || !s.Content.OfString.Valid() {
			return wireMessage{}, false
		}
		return wireMessage{Role: "system", Content: &s.Content.OfString.Value}, true
	case m.OfUser != nil:
		u := m.OfUser
		if u.Name.Valid() || !u.Content.OfString.Valid() {
			return wireMessage{}, false
		}
		return wireMessage{Role: "user", Content: &u.Content.OfString.Value}, true
	case m.OfTool != nil:
		t := m.OfTool
		if !t.Content.OfString.Valid() {
			return wireMessage{}, false
		}
		return wireMessage{Role: "tool", Content: &t.Content.OfString.Value, ToolCallID: t.ToolCallID}, true
	case m.OfAssistant != nil:
		a := m.OfAssistant
		if a.Name.Valid() || a.Refusal.Valid() || a.Audio.ID != "" || a.FunctionCall.Name != "" ||
			a.FunctionCall.Arguments != "" || len(a.Content.OfArrayOfContentParts) > 0 {
			return wireMessage{}, false
		}
		w := wireMessage{Role: "assistant"}
		if a.Content.OfString.Valid() {
			w.Content = &a.Content.OfString.Value
		}
		for _, c := range a.ToolCalls {
			f := c.OfFunction
			if f == nil {
				return wireMessage{}, false
			}
			tc := wireToolCall{ID: f.ID, Type: "function"}
			tc.Function.Name, tc.Function.Arguments = f.Function.Name, f.Function.Arguments
			w.ToolCalls = append(w.ToolCalls, tc)
		}
		return w, true
	}
	return wireMessage{}, false
}
