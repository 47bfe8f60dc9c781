package chatkit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
)

func TestParseRequest(t *testing.T) {
	t.Parallel()
	s := chatkittest.Schemas(t)
	input := func(text string) chatkit.UserMessageInput {
		return chatkit.UserMessageInput{Content: []chatkit.UserContent{chatkit.TextContent(text)}, Attachments: []string{}}
	}
	tests := []struct {
		name      string
		body      string
		streaming bool
		want      any // the decoded params
	}{
		{"threads.create", `{"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "quoted_text": "some quote", "inference_options": {"model": "gpt-4.1", "tool_choice": {"id": "summarize"}}}}}`,
			true, &chatkit.ThreadCreateParams{Input: chatkit.UserMessageInput{
				Content: []chatkit.UserContent{chatkit.TextContent("hi")}, Attachments: []string{}, QuotedText: "some quote",
				InferenceOptions: chatkit.InferenceOptions{Model: "gpt-4.1", ToolChoice: &chatkit.ToolChoice{ID: "summarize"}}}}},
		{"threads.create with tag and metadata", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"look "},{"type":"input_tag","id":"task_1","text":"Buy milk","data":{"kind":"task"},"group":null,"interactive":true}],"attachments":[],"inference_options":{}}},"metadata":{"page":"home"},"extra":1}`,
			true, &chatkit.ThreadCreateParams{Input: chatkit.UserMessageInput{Attachments: []string{}, Content: []chatkit.UserContent{
				chatkit.TextContent("look "), {Type: chatkit.ContentInputTag, ID: "task_1", Text: "Buy milk", Data: map[string]any{"kind": "task"}, Interactive: true}}}}},
		{"threads.add_user_message", `{"type": "threads.add_user_message", "params": {"thread_id": "thr_1", "input": {"content": [{"type": "input_text", "text": "show tasks"}], "attachments": [], "inference_options": {}}}}`,
			true, &chatkit.ThreadAddUserMessageParams{ThreadID: "thr_1", Input: input("show tasks")}},
		{"threads.add_client_tool_output", `{"type": "threads.add_client_tool_output", "params": {"thread_id": "thr_1", "result": {"selection": [1, 2]}}}`,
			true, &chatkit.ThreadAddClientToolOutputParams{ThreadID: "thr_1", Result: map[string]any{"selection": []any{1.0, 2.0}}}},
		{"threads.add_client_tool_output null result", `{"type":"threads.add_client_tool_output","params":{"thread_id":"thr_1","result":null}}`,
			true, &chatkit.ThreadAddClientToolOutputParams{ThreadID: "thr_1"}},
		{"threads.add_structured_input", `{"type":"threads.add_structured_input","params":{"thread_id":"thr_1","item_id":"si_1","input":{"status":"answered","answers":{"priority":{"values":["High"],"skipped":false}}}}}`,
			true, &chatkit.ThreadAddStructuredInputParams{ThreadID: "thr_1", ItemID: "si_1", Input: chatkit.StructuredInputSubmission{
				Status: "answered", Answers: map[string]chatkit.StructuredInputAnswer{"priority": {Values: []string{"High"}}}}}},
		{"threads.add_structured_input default status", `{"type":"threads.add_structured_input","params":{"thread_id":"thr_1","item_id":"si_1","input":{}}}`,
			true, &chatkit.ThreadAddStructuredInputParams{ThreadID: "thr_1", ItemID: "si_1", Input: chatkit.StructuredInputSubmission{Status: "answered"}}},
		{"threads.retry_after_item", `{"type": "threads.retry_after_item", "params": {"thread_id": "thr_1", "item_id": "msg_2"}}`,
			true, &chatkit.ThreadRetryAfterItemParams{ThreadID: "thr_1", ItemID: "msg_2"}},
		{"threads.custom_action", `{"type": "threads.custom_action", "params": {"thread_id": "thr_1", "item_id": "msg_widget1", "action": {"type": "todo.complete", "payload": {"id": "t1"}}}}`,
			true, &chatkit.ThreadCustomActionParams{ThreadID: "thr_1", ItemID: "msg_widget1", Action: chatkit.Action{Type: "todo.complete", Payload: map[string]any{"id": "t1"}}}},
		{"threads.custom_action without item", `{"type": "threads.custom_action", "params": {"thread_id": "thr_1", "item_id": null, "action": {"type": "refresh"}}}`,
			true, &chatkit.ThreadCustomActionParams{ThreadID: "thr_1", Action: chatkit.Action{Type: "refresh"}}},
		{"threads.sync_custom_action", `{"type": "threads.sync_custom_action", "params": {"thread_id": "thr_1", "item_id": "msg_widget1", "action": {"type": "todo.complete", "payload": {"id": "t1"}}}}`,
			false, &chatkit.ThreadCustomActionParams{ThreadID: "thr_1", ItemID: "msg_widget1", Action: chatkit.Action{Type: "todo.complete", Payload: map[string]any{"id": "t1"}}}},
		{"threads.get_by_id", `{"type": "threads.get_by_id", "params": {"thread_id": "thr_1"}}`,
			false, &chatkit.ThreadGetByIDParams{ThreadID: "thr_1"}},
		{"threads.list", `{"type": "threads.list", "params": {"limit": 10, "order": "desc"}}`,
			false, &chatkit.ListParams{Limit: 10, Order: chatkit.OrderDesc}},
		{"threads.list defaults", `{"type":"threads.list","params":{"limit":null,"after":null}}`,
			false, &chatkit.ListParams{Order: chatkit.OrderDesc}},
		{"threads.list playground", `{"type":"threads.list","params":{"limit":9999,"order":"desc"}}`,
			false, &chatkit.ListParams{Limit: 9999, Order: chatkit.OrderDesc}},
		{"threads.update", `{"type": "threads.update", "params": {"thread_id": "thr_1", "title": "Renamed"}}`,
			false, &chatkit.ThreadUpdateParams{ThreadID: "thr_1", Title: "Renamed"}},
		{"threads.delete", `{"type": "threads.delete", "params": {"thread_id": "thr_1"}}`,
			false, &chatkit.ThreadDeleteParams{ThreadID: "thr_1"}},
		{"items.list", `{"type": "items.list", "params": {"thread_id": "thr_1", "limit": 1, "order": "asc", "after": "msg_2"}}`,
			false, &chatkit.ItemsListParams{ThreadID: "thr_1", ListParams: chatkit.ListParams{Limit: 1, Order: chatkit.OrderAsc, After: "msg_2"}}},
		{"items.feedback", `{"type": "items.feedback", "params": {"thread_id": "thr_1", "item_ids": ["msg_asst1"], "kind": "positive"}}`,
			false, &chatkit.ItemFeedbackParams{ThreadID: "thr_1", ItemIDs: []string{"msg_asst1"}, Kind: "positive"}},
		{"attachments.create", `{"type":"attachments.create","params":{"name":"cat.png","size":1024,"mime_type":"image/png"}}`,
			false, &chatkit.AttachmentCreateParams{Name: "cat.png", Size: 1024, MimeType: "image/png"}},
		{"attachments.delete", `{"type":"attachments.delete","params":{"attachment_id":"atc_1"}}`,
			false, &chatkit.AttachmentDeleteParams{AttachmentID: "atc_1"}},
		{"input.transcribe", `{"type":"input.transcribe","params":{"audio_base64":"aGVsbG8=","mime_type":"audio/webm;codecs=opus"}}`,
			false, &chatkit.InputTranscribeParams{AudioBase64: "aGVsbG8=", MimeType: "audio/webm;codecs=opus"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := chatkit.ParseRequest([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			if req.IsStreaming() != tc.streaming {
				t.Errorf("IsStreaming() = %v, want %v", req.IsStreaming(), tc.streaming)
			}
			if diff := cmp.Diff(tc.want, req.Params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
			s.Validate(t, "request.schema.json", []byte(tc.body))
		})
	}
}

// answers is n structured input answers, as JSON object members.
func answers(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"q%d":{"values":["x"],"skipped":false}`, i)
	}
	return strings.Join(parts, ",")
}

// TestParseRequestCleansText: the text a person typed loses NUL and the
// other control characters (tab and newlines stay); a title is trimmed.
func TestParseRequestCleansText(t *testing.T) {
	t.Parallel()
	req, err := chatkit.ParseRequest([]byte(`{"type":"threads.add_user_message","params":{"thread_id":"thr_1","input":{"content":[{"type":"input_text","text":"buy\u0000 milk\u001b\n\tnow\u007f"}],"attachments":[],"quoted_text":"q\u0007","inference_options":{}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	in := req.Params.(*chatkit.ThreadAddUserMessageParams).Input
	if got := in.Content[0].Text; got != "buy milk\n\tnow" {
		t.Errorf("text = %q, want the control characters removed", got)
	}
	if in.QuotedText != "q" {
		t.Errorf("quoted text = %q, want %q", in.QuotedText, "q")
	}
	req, err = chatkit.ParseRequest([]byte(`{"type":"threads.update","params":{"thread_id":"thr_1","title":"  Groceries "}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Params.(*chatkit.ThreadUpdateParams).Title; got != "Groceries" {
		t.Errorf("title = %q, want it trimmed", got)
	}
}

func TestParseRequestRejects(t *testing.T) {
	t.Parallel()
	s := chatkittest.Schemas(t)
	tests := []struct {
		name, body, wantErr string
		stricter            bool // rejected by us, accepted by the reference
	}{
		{"empty body", ``, "must be a JSON object", false},
		{"not an object", `[]`, "must be a JSON object", false},
		{"no type", `{}`, "type: required", false},
		{"unknown type", `{"type": "nope"}`, `unknown request type "nope"`, false},
		{"no params", `{"type":"threads.get_by_id"}`, "params: required", false},
		{"null params", `{"type":"threads.list","params":null}`, "params: required", false},
		{"missing thread_id", `{"type":"threads.get_by_id","params":{}}`, "params.thread_id: required", false},
		{"null thread_id", `{"type":"threads.get_by_id","params":{"thread_id":null}}`, "params.thread_id: required", false},
		{"thread_id not a string", `{"type":"threads.get_by_id","params":{"thread_id":5}}`, "params.thread_id: must be a string", false},
		{"metadata not an object", `{"type":"threads.list","params":{},"metadata":[]}`, "metadata: must be an object", false},
		{"input without inference_options", `{"type":"threads.create","params":{"input":{"content":[],"attachments":[]}}}`, "input.inference_options: required", false},
		{"input without content", `{"type":"threads.create","params":{"input":{"attachments":[],"inference_options":{}}}}`, "input.content: required", false},
		{"null content", `{"type":"threads.create","params":{"input":{"content":null,"attachments":[],"inference_options":{}}}}`, "input.content: required", false},
		{"unknown content type", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_image","text":"x"}],"attachments":[],"inference_options":{}}}}`, `unknown type "input_image"`, false},
		{"text part without text", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text"}],"attachments":[],"inference_options":{}}}}`, "content part.text: required", false},
		{"tag without data", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"t","text":"x"}],"attachments":[],"inference_options":{}}}}`, "content part.data: required", false},
		{"tool choice without id", `{"type":"threads.create","params":{"input":{"content":[],"attachments":[],"inference_options":{"tool_choice":{}}}}}`, "tool_choice.id: required", false},
		{"action without type", `{"type":"threads.custom_action","params":{"thread_id":"t","action":{"payload":1}}}`, "action.type: required", true},
		{"bad order", `{"type":"threads.list","params":{"order":"up"}}`, `params.order: must be "asc" or "desc"`, false},
		{"limit not an integer", `{"type":"items.list","params":{"thread_id":"t","limit":"ten"}}`, "params.limit: must be an integer", false},
		{"negative limit", `{"type":"items.list","params":{"thread_id":"t","limit":-1}}`, "params.limit: must not be negative", true},
		{"bad feedback kind", `{"type":"items.feedback","params":{"thread_id":"t","item_ids":["a"],"kind":"meh"}}`, `params.kind: must be "positive" or "negative"`, false},
		{"item_ids not strings", `{"type":"items.feedback","params":{"thread_id":"t","item_ids":[1],"kind":"positive"}}`, "must be a string", false},
		{"bad structured status", `{"type":"threads.add_structured_input","params":{"thread_id":"t","item_id":"i","input":{"status":"maybe"}}}`, `params.input.status: must be "answered" or "skipped"`, false},
		{"missing result", `{"type":"threads.add_client_tool_output","params":{"thread_id":"t"}}`, "params.result: required", false},
		{"trailing garbage", `{"type":"threads.list","params":{}} x`, "must be a JSON object", false},
		// Bounds and text rules (models.ValidateID and friends), the same
		// on every database; the reference has none of them.
		{"NUL in thread_id", `{"type":"threads.get_by_id","params":{"thread_id":"thr_\u0000"}}`, "params.thread_id: must not contain control characters (found U+0000)", true},
		{"empty thread_id", `{"type":"threads.delete","params":{"thread_id":""}}`, "params.thread_id: must not be empty", true},
		{"overlong thread_id", `{"type":"threads.delete","params":{"thread_id":"` + strings.Repeat("t", 256) + `"}}`, "params.thread_id: is 256 bytes; the limit is 255", true},
		{"NUL in after", `{"type":"threads.list","params":{"after":"\u0000"}}`, "params.after: must not contain control characters", true},
		{"NUL in item_id", `{"type":"threads.retry_after_item","params":{"thread_id":"t","item_id":"\u0000"}}`, "params.item_id: ", true},
		{"empty action type", `{"type":"threads.custom_action","params":{"thread_id":"t","action":{"type":""}}}`, "params.action.type: must not be empty", true},
		{"NUL in title", `{"type":"threads.update","params":{"thread_id":"t","title":"a\u0000"}}`, "params.title: must be a single line without control characters", true},
		{"newline in title", `{"type":"threads.update","params":{"thread_id":"t","title":"a\nb"}}`, "params.title: must be a single line", true},
		{"201-character title", `{"type":"threads.update","params":{"thread_id":"t","title":"` + strings.Repeat("é", 201) + `"}}`, "params.title: is 201 characters; the limit is 200", true},
		{"1001 feedback ids", `{"type":"items.feedback","params":{"thread_id":"t","item_ids":[` + strings.Repeat(`"a",`, 1000) + `"a"],"kind":"positive"}}`, "params.item_ids: 1001 item ids; the limit is 1000", true},
		{"NUL feedback id", `{"type":"items.feedback","params":{"thread_id":"t","item_ids":["a","\u0000"],"kind":"positive"}}`, "params.item_ids[1]: must not contain control characters", true},
		{"101 content parts", `{"type":"threads.create","params":{"input":{"content":[` + strings.Repeat(`{"type":"input_text","text":"a"},`, 100) + `{"type":"input_text","text":"a"}],"attachments":[],"inference_options":{}}}}`, "params.input.content: 101 parts; the limit is 100", true},
		{"NUL in model", `{"type":"threads.create","params":{"input":{"content":[],"attachments":[],"inference_options":{"model":"\u0000"}}}}`, "params.input.inference_options.model: ", true},
		{"101 answers", `{"type":"threads.add_structured_input","params":{"thread_id":"t","item_id":"i","input":{"answers":{` + answers(101) + `}}}}`, "params.input.answers: 101 answers; the limit is 100", true},
		{"metadata over 16 KiB", `{"type":"threads.list","params":{},"metadata":{"m":"` + strings.Repeat("m", 16<<10) + `"}}`, "metadata: is 16392 bytes; the limit is 16384", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chatkit.ParseRequest([]byte(tc.body))
			if _, ok := errors.AsType[*chatkit.RequestError](err); !ok {
				t.Fatalf("ParseRequest error = %v, want a *RequestError", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
			if s == nil {
				return
			}
			if got := s.Check("request.schema.json", []byte(tc.body)) != nil; got != !tc.stricter {
				t.Errorf("reference schema rejects = %v, want %v", got, !tc.stricter)
			}
		})
	}
}
