package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// command runs a slash command: text starts with "/". Commands work with
// or without a model; each runs one MCP tool as the turn's user and
// answers in text, or with the task list widget for /list.
func (a *Agent) command(ctx context.Context, turn *chatkit.Turn, text string) error {
	name, rest, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	name = strings.ToLower(name)
	rest = strings.TrimSpace(rest)
	var (
		tool string
		args any
	)
	switch name {
	case "help", "":
		return say(turn, helpText)
	case "add":
		title, priority := parseAdd(rest)
		if title == "" {
			return say(turn, "What should I add? For example: `/add Buy milk !high`")
		}
		in := map[string]any{"title": title}
		if priority != "" {
			in["priority"] = priority
		}
		tool, args = "add_task", in
	case "list":
		tool, args = "list_tasks", map[string]any{}
	case "done", "undo", "delete":
		n, err := strconv.ParseInt(strings.TrimPrefix(rest, "#"), 10, 64)
		if err != nil || n < 1 {
			return say(turn, fmt.Sprintf("Which task? Give its number, for example: `/%s 3`. Type /list to see the numbers.", name))
		}
		switch name {
		case "done":
			tool, args = "complete_task", map[string]any{"task_id": n, "completed": true}
		case "undo":
			tool, args = "complete_task", map[string]any{"task_id": n, "completed": false}
		default:
			tool, args = "delete_task", map[string]any{"task_id": n}
		}
	default:
		return say(turn, fmt.Sprintf("I don't know the command /%s.\n\n%s", name, helpText))
	}

	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode %s arguments: %w", tool, err)
	}
	s, err := a.connect(ctx, turn.User)
	if err != nil {
		return err
	}
	defer s.close()
	callID := "call_" + turn.NewID("cmd")
	rec, out, err := a.runTool(ctx, turn, s, callID, tool, raw)
	if err != nil {
		return err
	}
	if rec.Status != StatusOK {
		return say(turn, commandFailure(rec))
	}
	if tool == "list_tasks" {
		return nil // the widget is the answer
	}
	return say(turn, sentence(out))
}

// parseAdd splits "/add" arguments into a title and an optional priority
// given as a "!high", "!medium" or "!low" word.
func parseAdd(s string) (title, priority string) {
	var words []string
	for w := range strings.FieldsSeq(s) {
		switch p := strings.ToLower(w); p {
		case "!high", "!medium", "!low":
			priority = p[1:]
		default:
			words = append(words, w)
		}
	}
	return strings.Join(words, " "), priority
}

// commandFailure explains a failed command's tool error to the user.
func commandFailure(rec ToolCallRecord) string {
	var in struct {
		TaskID int64 `json:"task_id"`
	}
	_ = json.Unmarshal(rec.Parameters, &in)
	if in.TaskID > 0 && strings.Contains(strings.ToLower(rec.Error), "not found") {
		return fmt.Sprintf("I couldn't find task %d. Type /list to see your tasks.", in.TaskID)
	}
	msg := strings.TrimSpace(rec.Error)
	if msg == "" {
		msg = "something went wrong"
	}
	return "That didn't work: " + msg
}

// sentence ends s with a period unless it already ends with punctuation.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Done."
	}
	if strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	return s + "."
}
