package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/openai/openai-go/v3"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// history loads the newest HistoryItems items of the turn's thread, oldest
// first: on a thread the request created, the user's message alone,
// without reading the store.
func (a *Agent) history(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) ([]chatkit.ThreadItem, error) {
	if turn.NewThread && input != nil {
		return []chatkit.ThreadItem{input}, nil // the thread's only item: nothing to read
	}
	page, err := turn.LoadItems(ctx, chatkit.ListOptions{Limit: a.cfg.HistoryItems, Order: chatkit.OrderDesc})
	if err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	items := slices.Clone(page.Data)
	slices.Reverse(items)
	return items, nil
}

// Notes that introduce items the model cannot see as they are.
const (
	quoteNote   = "The user is referring to this in particular: \n"
	widgetNote  = "The following graphical UI widget (id: %s) was displayed to the user:\n"
	hiddenNote  = "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n%s\n</HiddenContext>"
	taskNote    = "A message was displayed to the user that the following task was performed:\n<Task>\n%s\n</Task>"
	imageNote   = "An image was shown to the user (generated image %s)."
	inputNote   = "The user was asked the following questions (status: %s):\n%s"
	noTextReply = "(no text)"
)

// toMessages converts stored items, oldest first, to model input, as the
// reference ThreadItemConverter does, plus TaskPilot's tool call records:
// each becomes an assistant message calling the tool and the tool's
// answer, exactly as the model saw them when it made the call. A user
// message with task tags in confirmed (see confirmTags) is followed by a
// hidden note naming those tasks by number.
func toMessages(items []chatkit.ThreadItem, confirmed map[taskTag]string) []openai.ChatCompletionMessageParamUnion {
	var msgs []openai.ChatCompletionMessageParamUnion
	lastUser := -1
	for i, it := range items {
		if _, ok := it.(*chatkit.UserMessageItem); ok {
			lastUser = i
		}
	}
	for i, it := range items {
		switch it := it.(type) {
		case *chatkit.UserMessageItem:
			text := userText(it)
			if strings.TrimSpace(text) == "" {
				text = noTextReply
			}
			msgs = append(msgs, openai.UserMessage(text))
			if note := tagText(it, confirmed); note != "" {
				msgs = append(msgs, openai.UserMessage(note))
			}
			if i == lastUser && it.QuotedText != "" {
				msgs = append(msgs, openai.UserMessage(quoteNote+it.QuotedText))
			}
		case *chatkit.AssistantMessageItem:
			if text := it.Text(); text != "" {
				msgs = append(msgs, openai.AssistantMessage(text))
			}
		case *chatkit.HiddenContextItem:
			if tc, ok := decodeStoredToolCall(it); ok {
				msgs = append(msgs, toolCallMessages(tc.CallID, tc.Tool, tc.Parameters, modelResult(tc.ToolCallRecord))...)
				continue
			}
			msgs = append(msgs, openai.UserMessage(fmt.Sprintf(hiddenNote, contentText(it.Content))))
		case *chatkit.SDKHiddenContextItem:
			msgs = append(msgs, openai.UserMessage(fmt.Sprintf(hiddenNote, it.Content)))
		case *chatkit.WidgetItem:
			msgs = append(msgs, openai.UserMessage(fmt.Sprintf(widgetNote, it.ID)+widgetText(it)))
		case *chatkit.ClientToolCallItem:
			if it.Status != chatkit.ToolCallCompleted {
				continue
			}
			args, _ := json.Marshal(it.Arguments)
			out, _ := json.Marshal(it.Output)
			msgs = append(msgs, toolCallMessages(it.CallID, it.Name, args, string(out))...)
		case *chatkit.WorkflowItem:
			if isConfirmation(it) {
				continue // the model has these calls from their records
			}
			for _, t := range it.Workflow.Tasks {
				if note := taskText(t); note != "" {
					msgs = append(msgs, openai.UserMessage(note))
				}
			}
		case *chatkit.TaskItem:
			if note := taskText(it.Task); note != "" {
				msgs = append(msgs, openai.UserMessage(note))
			}
		case *chatkit.StructuredInputItem:
			msgs = append(msgs, openai.UserMessage(structuredText(it)))
		case *chatkit.GeneratedImageItem:
			msgs = append(msgs, openai.UserMessage(fmt.Sprintf(imageNote, it.ID)))
		}
	}
	return msgs
}

// toolCallMessages are an assistant message calling tool name with args
// (a JSON object) and the tool's answer result.
func toolCallMessages(callID, name string, args json.RawMessage, result string) []openai.ChatCompletionMessageParamUnion {
	call := openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
		ID:       callID,
		Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: name, Arguments: string(args)},
	}}
	return []openai.ChatCompletionMessageParamUnion{
		{OfAssistant: &openai.ChatCompletionAssistantMessageParam{ToolCalls: []openai.ChatCompletionMessageToolCallUnionParam{call}}},
		openai.ToolMessage(result, callID),
	}
}

// contentText renders hidden content: a string as is, anything else as
// JSON.
func contentText(c any) string {
	if s, ok := c.(string); ok {
		return s
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Sprint(c)
	}
	return string(b)
}

// widgetText is what the model learns about a widget: its copy text, or
// its JSON.
func widgetText(w *chatkit.WidgetItem) string {
	if w.CopyText != "" {
		return w.CopyText
	}
	b, err := json.Marshal(w.Widget)
	if err != nil {
		return "(unreadable widget)"
	}
	return string(b)
}

// taskText is the note for a custom workflow task, or "" for others.
func taskText(t chatkit.Task) string {
	if t.Type != "" && t.Type != chatkit.TaskCustom || t.Title == "" && t.Content == "" {
		return ""
	}
	return fmt.Sprintf(taskNote, strings.TrimSpace(t.Title+": "+t.Content))
}

// structuredText describes a structured input item and its answers.
func structuredText(s *chatkit.StructuredInputItem) string {
	status := s.Status
	if status == "" {
		status = chatkit.InputPending
	}
	var lines []string
	for _, in := range s.Inputs {
		answer := "unanswered"
		switch {
		case in.Answer != nil && in.Answer.Skipped:
			answer = "skipped"
		case in.Answer != nil:
			answer = strings.Join(in.Answer.Values, ", ")
		}
		lines = append(lines, fmt.Sprintf("- %s: %s", in.Question, answer))
	}
	return fmt.Sprintf(inputNote, status, strings.Join(lines, "\n"))
}
