package chatkit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

var t0 = time.Date(2026, 11, 27, 2, 16, 25, 966971000, time.UTC)

const ts = `"2026-11-27T02:16:25.966971Z"`

func base(id string) chatkit.ItemBase {
	return chatkit.ItemBase{ID: id, ThreadID: "thr_00000001", CreatedAt: t0}
}

// jsonEqual compares two JSON documents by value, ignoring key order.
func jsonEqual(t *testing.T, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v\n%s", err, want)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, got)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s\ngot: %s", diff, got)
	}
}

// todoList is the widget of the reference transcript (requests.txt).
func todoList(done bool) widget.ListView {
	badge := widget.Badge{Label: "open", Color: "secondary"}
	if done {
		badge = widget.Badge{Label: "done", Color: "success"}
	}
	return widget.ListView{Children: []widget.ListViewItem{{Children: []widget.Component{
		widget.Row{Children: []widget.Component{widget.Text{Value: "Buy milk", LineThrough: done}, badge}},
		widget.Button{Label: "Complete", OnClickAction: &widget.Action{Type: "todo.complete", Payload: map[string]any{"id": "t1"}}},
	}}}}
}

// The expected JSON is the reference server's output (transcripts in
// ../shared/chatkit/transcripts) with our timestamps, unless noted.
func TestWireEvents(t *testing.T) {
	t.Parallel()
	thread := chatkit.ThreadMetadata{ID: "thr_00000001", CreatedAt: t0}
	index := 4
	progress := 0.5
	tests := []struct {
		name string
		ev   chatkit.Event
		want string // "" when there is no reference output: schema only
	}{
		{"thread.created", &chatkit.ThreadCreatedEvent{Thread: threadOf(thread)},
			`{"type":"thread.created","thread":{"id":"thr_00000001","created_at":` + ts + `,"status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}}`},
		{"user message done", &chatkit.ThreadItemDoneEvent{Item: &chatkit.UserMessageItem{ItemBase: base("msg_00000002"),
			Content: []chatkit.UserContent{chatkit.TextContent("hi")}, QuotedText: "some quote",
			InferenceOptions: chatkit.InferenceOptions{ToolChoice: &chatkit.ToolChoice{ID: "summarize"}, Model: "gpt-4.1"}}},
			`{"type":"thread.item.done","item":{"id":"msg_00000002","thread_id":"thr_00000001","created_at":` + ts + `,"type":"user_message","content":[{"type":"input_text","text":"hi"}],"attachments":[],"quoted_text":"some quote","inference_options":{"tool_choice":{"id":"summarize"},"model":"gpt-4.1"}}}`},
		{"user message with tag", &chatkit.ThreadItemDoneEvent{Item: &chatkit.UserMessageItem{ItemBase: base("msg_1"),
			Content: []chatkit.UserContent{chatkit.TextContent("look "), {Type: chatkit.ContentInputTag, ID: "task_1", Text: "Buy milk", Data: map[string]any{"kind": "task"}, Interactive: true}}}},
			`{"type":"thread.item.done","item":{"id":"msg_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"user_message","content":[{"type":"input_text","text":"look "},{"type":"input_tag","id":"task_1","text":"Buy milk","data":{"kind":"task"},"interactive":true}],"attachments":[],"inference_options":{}}}`},
		{"stream_options", &chatkit.StreamOptionsEvent{StreamOptions: chatkit.StreamOptions{AllowCancel: true}},
			`{"type":"stream_options","stream_options":{"allow_cancel":true}}`},
		{"assistant added", &chatkit.ThreadItemAddedEvent{Item: &chatkit.AssistantMessageItem{ItemBase: base("msg_asst1")}},
			`{"type":"thread.item.added","item":{"id":"msg_asst1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"assistant_message","content":[]}}`},
		{"content part added", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_asst1", Update: &chatkit.AssistantMessageContentPartAdded{}},
			`{"type":"thread.item.updated","item_id":"msg_asst1","update":{"type":"assistant_message.content_part.added","content_index":0,"content":{"annotations":[],"text":"","type":"output_text"}}}`},
		{"text delta", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_asst1", Update: &chatkit.AssistantMessageContentPartTextDelta{Delta: "Hel"}},
			`{"type":"thread.item.updated","item_id":"msg_asst1","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":"Hel"}}`},
		{"content part done", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_asst1", Update: &chatkit.AssistantMessageContentPartDone{Content: chatkit.AssistantContent{Text: "Hello"}}},
			`{"type":"thread.item.updated","item_id":"msg_asst1","update":{"type":"assistant_message.content_part.done","content_index":0,"content":{"annotations":[],"text":"Hello","type":"output_text"}}}`},
		{"assistant done", &chatkit.ThreadItemDoneEvent{Item: &chatkit.AssistantMessageItem{ItemBase: base("msg_asst1"), Content: []chatkit.AssistantContent{{Text: "Hello"}}}},
			`{"type":"thread.item.done","item":{"id":"msg_asst1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"assistant_message","content":[{"annotations":[],"text":"Hello","type":"output_text"}]}}`},
		{"thread.updated with title", &chatkit.ThreadUpdatedEvent{Thread: threadOf(chatkit.ThreadMetadata{ID: "thr_00000001", CreatedAt: t0, Title: "Greeting", Metadata: map[string]any{"secret": 1}})},
			`{"type":"thread.updated","thread":{"title":"Greeting","id":"thr_00000001","created_at":` + ts + `,"status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}}`},
		{"thread.updated locked", &chatkit.ThreadUpdatedEvent{Thread: threadOf(chatkit.ThreadMetadata{ID: "thr_00000001", CreatedAt: t0, Status: chatkit.ThreadStatus{Type: chatkit.StatusLocked, Reason: "maintenance"}})},
			`{"type":"thread.updated","thread":{"id":"thr_00000001","created_at":` + ts + `,"status":{"type":"locked","reason":"maintenance"},"metadata":{},"items":{"data":[],"has_more":false}}}`},
		{"thread.updated allowed image domains", &chatkit.ThreadUpdatedEvent{Thread: threadOf(chatkit.ThreadMetadata{ID: "thr_00000001", CreatedAt: t0, AllowedImageDomains: []string{"example.com"}})},
			`{"type":"thread.updated","thread":{"id":"thr_00000001","created_at":` + ts + `,"status":{"type":"active"},"allowed_image_domains":["example.com"],"metadata":{},"items":{"data":[],"has_more":false}}}`},
		{"progress", &chatkit.ProgressUpdateEvent{Icon: "search", Text: "Loading tasks..."},
			`{"type":"progress_update","icon":"search","text":"Loading tasks..."}`},
		{"widget done", &chatkit.ThreadItemDoneEvent{Item: &chatkit.WidgetItem{ItemBase: base("msg_widget1"), Widget: todoList(true), CopyText: "Buy milk (open)"}},
			// the reference's replaced widget; with done=false it also sends "lineThrough":false
			`{"type":"thread.item.done","item":{"id":"msg_widget1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"widget","widget":{"type":"ListView","children":[{"type":"ListViewItem","children":[{"children":[{"type":"Text","value":"Buy milk","lineThrough":true},{"type":"Badge","label":"done","color":"success"}],"type":"Row"},{"type":"Button","label":"Complete","onClickAction":{"type":"todo.complete","payload":{"id":"t1"},"handler":"server","loadingBehavior":"auto","streaming":true}}]}]},"copy_text":"Buy milk (open)"}}`},
		{"widget replaced", &chatkit.ThreadItemReplacedEvent{Item: &chatkit.WidgetItem{ItemBase: base("msg_widget1"), Widget: todoList(false)}}, ""},
		{"stream error", &chatkit.ErrorEvent{Code: chatkit.ErrorCodeStream, AllowRetry: true},
			`{"type":"error","code":"stream.error","allow_retry":true}`},
		{"custom error", &chatkit.ErrorEvent{Code: chatkit.ErrorCodeCustom, Message: "Model quota exceeded", AllowRetry: true},
			`{"type":"error","code":"custom","message":"Model quota exceeded","allow_retry":true}`},
		{"client tool call", &chatkit.ThreadItemDoneEvent{Item: &chatkit.ClientToolCallItem{ItemBase: base("tc_1"), CallID: "call_abc", Name: "get_selection", Arguments: map[string]any{"a": 1}}},
			`{"type":"thread.item.done","item":{"id":"tc_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"client_tool_call","status":"pending","call_id":"call_abc","name":"get_selection","arguments":{"a":1}}}`},
		{"client tool call without arguments", &chatkit.ThreadItemDoneEvent{Item: &chatkit.ClientToolCallItem{ItemBase: base("tc_2"), Status: chatkit.ToolCallCompleted, CallID: "c", Name: "n", Output: []any{1}}},
			`{"type":"thread.item.done","item":{"id":"tc_2","thread_id":"thr_00000001","created_at":` + ts + `,"type":"client_tool_call","status":"completed","call_id":"c","name":"n","arguments":{},"output":[1]}}`},
		{"notice", &chatkit.NoticeEvent{Level: "warning", Message: "Heads up", Title: "Note"},
			`{"type":"notice","level":"warning","message":"Heads up","title":"Note"}`},
		{"client effect", &chatkit.ClientEffectEvent{Name: "refresh_tasks", Data: map[string]any{"n": 1}},
			`{"type":"client_effect","name":"refresh_tasks","data":{"n":1}}`},
		{"client effect without data", &chatkit.ClientEffectEvent{Name: "refresh_tasks"},
			`{"type":"client_effect","name":"refresh_tasks","data":{}}`},
		{"widget streaming added", &chatkit.ThreadItemAddedEvent{Item: &chatkit.WidgetItem{ItemBase: base("msg_w2"),
			Widget: widget.Card{Children: []widget.Component{widget.Title{Value: "Draft"}, widget.Text{ID: "body", Value: "", Streaming: true}}}}},
			`{"type":"thread.item.added","item":{"id":"msg_w2","thread_id":"thr_00000001","created_at":` + ts + `,"type":"widget","widget":{"type":"Card","children":[{"type":"Title","value":"Draft"},{"id":"body","type":"Text","value":"","streaming":true}]}}}`},
		{"widget value delta", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_w2", Update: &chatkit.WidgetStreamingTextValueDelta{ComponentID: "body", Delta: "Dear "}},
			`{"type":"thread.item.updated","item_id":"msg_w2","update":{"type":"widget.streaming_text.value_delta","component_id":"body","delta":"Dear ","done":false}}`},
		{"widget root updated", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_w2", Update: &chatkit.WidgetRootUpdated{
			Widget: widget.Card{Children: []widget.Component{widget.Title{Value: "Final"}, widget.Text{ID: "body", Value: "Dear Harry"}}}}},
			// the reference also sends "streaming":false
			`{"type":"thread.item.updated","item_id":"msg_w2","update":{"type":"widget.root.updated","widget":{"type":"Card","children":[{"type":"Title","value":"Final"},{"id":"body","type":"Text","value":"Dear Harry"}]}}}`},
		{"widget component updated", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_w2", Update: &chatkit.WidgetComponentUpdated{ComponentID: "body", Component: widget.Text{ID: "body", Value: "x"}}}, ""},
		{"end of turn", &chatkit.ThreadItemDoneEvent{Item: &chatkit.EndOfTurnItem{ItemBase: base("eot_1")}},
			`{"type":"thread.item.done","item":{"id":"eot_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"end_of_turn"}}`},
		{"structured input pending", &chatkit.ThreadItemDoneEvent{Item: structuredInput(nil, nil, "")},
			`{"type":"thread.item.done","item":{"id":"si_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"structured_input","status":"pending","inputs":[{"id":"priority","question":"Priority?","type":"multiple_choice","options":[{"value":"Low"},{"value":"High"}],"multiple":false},{"id":"notes","question":"Notes?","type":"freeform","description":"optional"}]}}`},
		{"structured input answered", &chatkit.ThreadItemReplacedEvent{Item: structuredInput(
			&chatkit.StructuredInputAnswer{Values: []string{"High"}}, &chatkit.StructuredInputAnswer{Skipped: true}, chatkit.InputAnswered)},
			`{"type":"thread.item.replaced","item":{"id":"si_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"structured_input","status":"answered","inputs":[{"id":"priority","question":"Priority?","answer":{"values":["High"],"skipped":false},"type":"multiple_choice","options":[{"value":"Low"},{"value":"High"}],"multiple":false},{"id":"notes","question":"Notes?","answer":{"values":[],"skipped":true},"type":"freeform","description":"optional"}]}}`},
		{"workflow added", &chatkit.ThreadItemAddedEvent{Item: &chatkit.WorkflowItem{ItemBase: base("wf_1"), Workflow: chatkit.Workflow{Type: "custom"}}},
			`{"type":"thread.item.added","item":{"id":"wf_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"workflow","workflow":{"type":"custom","tasks":[],"expanded":false}}}`},
		{"workflow task added", &chatkit.ThreadItemUpdatedEvent{ItemID: "wf_1", Update: &chatkit.WorkflowTaskAdded{Task: chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "loading", Title: "Calling list_tasks", Icon: "search"}}},
			`{"type":"thread.item.updated","item_id":"wf_1","update":{"type":"workflow.task.added","task_index":0,"task":{"status_indicator":"loading","type":"custom","title":"Calling list_tasks","icon":"search"}}}`},
		{"workflow task updated", &chatkit.ThreadItemUpdatedEvent{ItemID: "wf_1", Update: &chatkit.WorkflowTaskUpdated{Task: chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "complete", Title: "Calling list_tasks", Icon: "search", Content: "3 tasks"}}},
			`{"type":"thread.item.updated","item_id":"wf_1","update":{"type":"workflow.task.updated","task_index":0,"task":{"status_indicator":"complete","type":"custom","title":"Calling list_tasks","icon":"search","content":"3 tasks"}}}`},
		{"workflow done", &chatkit.ThreadItemDoneEvent{Item: &chatkit.WorkflowItem{ItemBase: base("wf_1"), Workflow: chatkit.Workflow{Type: "custom",
			Tasks:   []chatkit.Task{{StatusIndicator: "complete", Title: "Calling list_tasks", Icon: "search", Content: "3 tasks"}},
			Summary: &chatkit.WorkflowSummary{Duration: 2}}}},
			`{"type":"thread.item.done","item":{"id":"wf_1","thread_id":"thr_00000001","created_at":` + ts + `,"type":"workflow","workflow":{"type":"custom","tasks":[{"status_indicator":"complete","type":"custom","title":"Calling list_tasks","icon":"search","content":"3 tasks"}],"summary":{"duration":2},"expanded":false}}}`},
		{"reasoning workflow", &chatkit.ThreadItemDoneEvent{Item: &chatkit.WorkflowItem{ItemBase: base("wf_2"), Workflow: chatkit.Workflow{Type: "reasoning", Expanded: true,
			Summary: &chatkit.WorkflowSummary{Title: "Thought it through", Icon: "lightbulb"},
			Tasks: []chatkit.Task{
				{Type: chatkit.TaskThought, Content: "hmm"},
				{Type: chatkit.TaskWebSearch, TitleQuery: "go", Queries: []string{"go generics"}, Sources: []chatkit.Source{{Type: "url", Title: "Go", URL: "https://go.dev"}}},
				{Type: chatkit.TaskFile, Sources: []chatkit.Source{{Type: "file", Title: "Notes", Filename: "notes.md"}}},
				{Type: chatkit.TaskImage, Title: "Drawing"},
			}}}}, ""},
		{"task item", &chatkit.ThreadItemDoneEvent{Item: &chatkit.TaskItem{ItemBase: base("tsk_1"), Task: chatkit.Task{Title: "Added task", Icon: "check"}}}, ""},
		{"annotations", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_1", Update: &chatkit.AssistantMessageContentPartAnnotationAdded{AnnotationIndex: 1,
			Annotation: chatkit.Annotation{Index: &index, Source: chatkit.Source{Type: "entity", Title: "Buy milk", ID: "task_1", Icon: "check"}}}},
			`{"type":"thread.item.updated","item_id":"msg_1","update":{"type":"assistant_message.content_part.annotation_added","content_index":0,"annotation_index":1,"annotation":{"type":"annotation","source":{"type":"entity","title":"Buy milk","id":"task_1","icon":"check","interactive":false,"data":{}},"index":4}}}`},
		{"generated image", &chatkit.ThreadItemUpdatedEvent{ItemID: "msg_i", Update: &chatkit.GeneratedImageUpdated{Image: chatkit.GeneratedImage{ID: "img", URL: "data:image/png;base64,AA=="}, Progress: &progress}}, ""},
		{"generated image item", &chatkit.ThreadItemDoneEvent{Item: &chatkit.GeneratedImageItem{ItemBase: base("msg_i")}}, ""},
		{"removed", &chatkit.ThreadItemRemovedEvent{ItemID: "msg_1"}, `{"type":"thread.item.removed","item_id":"msg_1"}`},
	}
	s := chatkittest.Schemas(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.ev)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !strings.HasPrefix(string(got), `{"type":"`+tc.ev.Type()+`"`) {
				t.Errorf("event does not start with its type: %s", got)
			}
			if tc.want != "" {
				jsonEqual(t, tc.want, string(got))
			}
			s.ValidateEvent(t, got)
		})
	}
}

func threadOf(m chatkit.ThreadMetadata) chatkit.Thread {
	return chatkit.Thread{ID: m.ID, Title: m.Title, CreatedAt: m.CreatedAt, Status: m.Status, AllowedImageDomains: m.AllowedImageDomains}
}

func structuredInput(priority, notes *chatkit.StructuredInputAnswer, status string) *chatkit.StructuredInputItem {
	return &chatkit.StructuredInputItem{ItemBase: base("si_1"), Status: status, Inputs: []chatkit.StructuredInput{
		{Type: chatkit.InputMultipleChoice, ID: "priority", Question: "Priority?", Options: []chatkit.StructuredInputOption{{Value: "Low"}, {Value: "High"}}, Answer: priority},
		{Type: chatkit.InputFreeform, ID: "notes", Question: "Notes?", Description: "optional", Answer: notes},
	}}
}

func TestThreadAndPageJSON(t *testing.T) {
	t.Parallel()
	s := chatkittest.Schemas(t)
	user := &chatkit.UserMessageItem{ItemBase: base("msg_00000002"), Content: []chatkit.UserContent{chatkit.TextContent("hi")}}
	hidden := &chatkit.HiddenContextItem{ItemBase: base("msg_h"), Content: "tool said 3 tasks"}
	page := chatkit.Page[chatkit.ThreadItem]{Data: []chatkit.ThreadItem{user, hidden}, HasMore: true, After: "msg_h"}

	b, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	s.Validate(t, "page-thread-item.schema.json", b)
	jsonEqual(t, `{"data":[{"id":"msg_00000002","thread_id":"thr_00000001","created_at":`+ts+`,"type":"user_message","content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}},
		{"id":"msg_h","thread_id":"thr_00000001","created_at":`+ts+`,"type":"hidden_context_item","content":"tool said 3 tasks"}],"has_more":true,"after":"msg_h"}`, string(b))

	b, err = json.Marshal(chatkit.Page[chatkit.Thread]{})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, `{"data":[],"has_more":false}`, string(b))
	s.Validate(t, "page-thread.schema.json", b)
}

func TestUnmarshalItemRoundTrip(t *testing.T) {
	t.Parallel()
	items := []chatkit.ThreadItem{
		&chatkit.UserMessageItem{ItemBase: base("msg_1"), Content: []chatkit.UserContent{chatkit.TextContent("hi")}},
		&chatkit.WidgetItem{ItemBase: base("msg_w"), Widget: todoList(false), CopyText: "Buy milk"},
		&chatkit.ClientToolCallItem{ItemBase: base("tc_1"), CallID: "c", Name: "n", Arguments: map[string]any{"x": "y"}},
		&chatkit.SDKHiddenContextItem{ItemBase: base("shcx_1"), Content: "note"},
	}
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		got, err := chatkit.UnmarshalItem(b)
		if err != nil {
			t.Fatalf("UnmarshalItem(%s): %v", b, err)
		}
		if got.Type() != it.Type() {
			t.Errorf("type %s became %s", it.Type(), got.Type())
		}
		again, _ := json.Marshal(got)
		if diff := cmp.Diff(string(b), string(again)); diff != "" {
			t.Errorf("round trip changed %s (-before +after):\n%s", it.Type(), diff)
		}
	}
	for _, bad := range []string{`{"type":"nope","id":"x"}`, `{"id":"x"}`, `[]`, `{"type":"widget","id":"w","widget":null}`} {
		if _, err := chatkit.UnmarshalItem([]byte(bad)); err == nil {
			t.Errorf("UnmarshalItem(%s) succeeded", bad)
		}
	}
}
