package agent

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
)

// TestChatRequestMatchesSDK: the request body the agent encodes itself
// means what openai-go's encoder of the same params (plus "stream":true)
// means, for every kind of message, the ones it leaves to the SDK too.
func TestChatRequestMatchesSDK(t *testing.T) {
	t.Parallel()
	call := func(id, name, args string) openai.ChatCompletionMessageToolCallUnionParam {
		return openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
			ID: id, Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: name, Arguments: args}}}
	}
	named := openai.UserMessage("from bob")
	named.OfUser.Name = openai.String("bob")
	tools := []*mcp.Tool{
		{Name: "add_task", Description: "Add a task.", InputSchema: &jsonschema.Schema{Type: "object",
			Properties: map[string]*jsonschema.Schema{"title": {Type: "string"}}, Required: []string{"title"}}},
		{Name: "list_tasks", InputSchema: &jsonschema.Schema{Type: "object"}},
	}
	tests := []struct {
		name  string
		msgs  []openai.ChatCompletionMessageParamUnion
		tools []*mcp.Tool
	}{
		{"text", []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are TaskPilot. <b>&</b> \u2028 \"quoted\""),
			openai.UserMessage("hello\nthere"),
			openai.AssistantMessage("Hi! ✓"),
			openai.UserMessage(""),
		}, nil},
		{"tool calls", []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("s"),
			openai.UserMessage("add milk and eggs"),
			{OfAssistant: &openai.ChatCompletionAssistantMessageParam{ToolCalls: []openai.ChatCompletionMessageToolCallUnionParam{
				call("call_1", "add_task", `{"title":"milk"}`), call("call_2", "add_task", `{"title":"eggs"}`)}}},
			openai.ToolMessage(`{"ok":true}`, "call_1"),
			openai.ToolMessage("", "call_2"),
			{OfAssistant: &openai.ChatCompletionAssistantMessageParam{
				Content:   openai.ChatCompletionAssistantMessageParamContentUnion{OfString: openai.String("Adding.")},
				ToolCalls: []openai.ChatCompletionMessageToolCallUnionParam{call("call_3", "list_tasks", `{}`)}}},
		}, tools},
		{"left to the SDK", []openai.ChatCompletionMessageParamUnion{
			named,
			openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{openai.TextContentPart("parts")}),
			openai.DeveloperMessage("dev"),
			{OfAssistant: &openai.ChatCompletionAssistantMessageParam{Refusal: openai.String("no")}},
		}, tools},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cache toolCache
			encTools, err := cache.get(tc.tools)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := encodeChatBody("fake-model", tc.msgs, encTools)
			if err != nil {
				t.Fatal(err)
			}
			sdkParams := openai.ChatCompletionNewParams{Model: "fake-model", Messages: tc.msgs}
			if len(tc.tools) > 0 {
				sdkParams.Tools = functionTools(tc.tools)
			}
			sdk, err := json.Marshal(sdkParams)
			if err != nil {
				t.Fatal(err)
			}
			var got, want map[string]any
			if err := json.Unmarshal(ours, &got); err != nil {
				t.Fatalf("our body is not JSON: %v\n%s", err, ours)
			}
			if err := json.Unmarshal(sdk, &want); err != nil {
				t.Fatal(err)
			}
			want["stream"] = true
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-sdk +ours):\n%s", diff)
			}
		})
	}
}

// TestToolCacheEncodesOnce: the tools are encoded again only for a new
// list.
func TestToolCacheEncodesOnce(t *testing.T) {
	t.Parallel()
	var c toolCache
	if b, err := c.get(nil); err != nil || b != nil {
		t.Fatalf("no tools: %s, %v; want nil", b, err)
	}
	list := []*mcp.Tool{{Name: "a", InputSchema: &jsonschema.Schema{Type: "object"}}}
	first, _ := c.get(list)
	again, _ := c.get(list)
	if &first[0] != &again[0] {
		t.Error("the same list was encoded again")
	}
	other, _ := c.get([]*mcp.Tool{{Name: "b", InputSchema: &jsonschema.Schema{Type: "object"}}})
	if string(other) == string(first) {
		t.Errorf("a new list kept the old encoding %s", other)
	}
}

// TestSSEDecoderMatchesSDK: the agent's SSE decoder gives the events (and
// the end) openai-go's decoder gives, whatever the lines and however the
// bytes arrive.
func TestSSEDecoderMatchesSDK(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 3000)
	streams := map[string]string{
		"chunks":      "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
		"crlf":        "data: one\r\n\r\ndata: two\r\n\r\n",
		"multi data":  "data: a\ndata: b\n\n",
		"fields":      ": comment\nevent: error\nid: 7\nretry: 10\ndata: {\"error\":{}}\n\n\n\n",
		"no space":    "data:tight\n\n",
		"long line":   "data: " + long + "\n\ndata: after\n\n",
		"longer":      "data: " + strings.Repeat("y", 70000) + "\n\n",
		"no end":      "data: one\n\ndata: cut",
		"blank first": "\n\ndata: x\n\n",
		"empty":       "",
	}
	decode := func(d ssestream.Decoder) []string {
		var out []string
		for d.Next() {
			out = append(out, d.Event().Type+"|"+string(d.Event().Data))
		}
		if err := d.Err(); err != nil {
			out = append(out, "err: "+err.Error())
		}
		return out
	}
	for name, body := range streams {
		for _, chunked := range []bool{false, true} {
			res := func() *http.Response {
				var r io.Reader = strings.NewReader(body)
				if chunked {
					r = iotest.OneByteReader(r)
				}
				return &http.Response{Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(r)}
			}
			want := decode(ssestream.NewDecoder(res()))
			got := decode(newSSEDecoder(res()))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (one byte at a time: %v) (-sdk +ours):\n%s", name, chunked, diff)
			}
		}
	}
	if newSSEDecoder(nil) != nil {
		t.Error("no response: want a nil decoder, as the SDK's")
	}
}
