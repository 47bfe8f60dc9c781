package agent

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openai/openai-go/v3"
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
