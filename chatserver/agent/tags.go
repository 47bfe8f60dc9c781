package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Tags: the composer's "@" inserts an input_tag part naming one of the
// user's tasks: {"id":"task_3","text":"Buy milk","data":{"kind":"task",
// "number":3}}. The model sees the tag as "@Buy milk" in the message's
// text and, after the message, a hidden note "task 3: Buy milk" for each
// tagged task, so that it acts on the number rather than on the name.
//
// A tag is only believed when the user's own MCP server confirms it: the
// task with that number exists and its title contains the tag's text.
// Anything else (a malformed tag, another user's task number, a task that
// was renamed or deleted) stays plain text, and the note says nothing
// about it.

// taskTagPrefix starts the id of a task tag: "task_3".
const taskTagPrefix = "task_"

// maxTagLookups bounds the tags confirmed for one model turn (each is a
// list_tasks call); further tags stay plain text.
const maxTagLookups = 10

// tagNote introduces the tagged tasks of a message.
const tagNote = "The user tagged these tasks in the message above (use these task numbers):\n%s"

// taskTag is a tag as the message sent it: the task number it claims and
// its text.
type taskTag struct {
	number int64
	text   string
}

// parseTaskTag reads the task tag of content part c: an input_tag whose
// id is "task_<number>" and whose data, if it has them, says kind "task"
// and the same number (a JSON number or a decimal string: ChatKit.js
// entity data are strings). ok is false for anything else.
func parseTaskTag(c chatkit.UserContent) (taskTag, bool) {
	if c.Type != chatkit.ContentInputTag {
		return taskTag{}, false
	}
	digits, ok := strings.CutPrefix(c.ID, taskTagPrefix)
	if !ok {
		return taskTag{}, false
	}
	n, ok := taskNumber(digits)
	if !ok {
		return taskTag{}, false
	}
	if kind, set := c.Data["kind"]; set && kind != "task" {
		return taskTag{}, false
	}
	if v, set := c.Data["number"]; set {
		var m int64
		switch v := v.(type) {
		case float64:
			m = int64(v)
			if float64(m) != v {
				return taskTag{}, false
			}
		case string:
			if m, ok = taskNumber(v); !ok {
				return taskTag{}, false
			}
		default:
			return taskTag{}, false
		}
		if m != n {
			return taskTag{}, false
		}
	}
	text := strings.TrimSpace(c.Text)
	if text == "" {
		return taskTag{}, false
	}
	return taskTag{number: n, text: text}, true
}

// taskNumber parses a task number: decimal digits only, 1 to 2^53.
func taskNumber(s string) (int64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > 1<<53 {
		return 0, false
	}
	return n, true
}

// messageTags returns the task tags of a user message, each once, in
// order.
func messageTags(m *chatkit.UserMessageItem) []taskTag {
	var tags []taskTag
	for _, c := range m.Content {
		if t, ok := parseTaskTag(c); ok && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// confirmTags looks up the task tags of the user messages in items as the
// turn's user and returns the confirmed ones with their tasks' titles. A
// lookup that fails (the tool refuses, the server is unreachable) leaves
// its tag unconfirmed; the turn goes on.
func (a *Agent) confirmTags(ctx context.Context, s *session, items []chatkit.ThreadItem) map[taskTag]string {
	var tags []taskTag
	for _, it := range items {
		if m, ok := it.(*chatkit.UserMessageItem); ok {
			for _, t := range messageTags(m) {
				if !slices.Contains(tags, t) {
					tags = append(tags, t)
				}
			}
		}
	}
	if len(tags) > maxTagLookups {
		tags = tags[len(tags)-maxTagLookups:] // the newest messages matter most
	}
	confirmed := map[taskTag]string{}
	for _, t := range tags {
		if title, ok := a.lookupTag(ctx, s, t); ok {
			confirmed[t] = title
		}
	}
	return confirmed
}

// lookupTag finds the task t names among the user's tasks whose title or
// description contains t's text, and returns its title.
func (a *Agent) lookupTag(ctx context.Context, s *session, t taskTag) (string, bool) {
	args, err := json.Marshal(map[string]any{"status": "all", "query": t.text, "limit": 100})
	if err != nil {
		return "", false
	}
	// A lookup, not shown: like undoDelete's, it is not the turn's tool call.
	rec, _, err := s.call(ctx, "list_tasks", args)
	if err != nil || rec.Status != StatusOK {
		if err != nil {
			a.log.WarnContext(ctx, "tag lookup failed", "err", err)
		}
		return "", false
	}
	list, err := decodeTaskList(rec.Result)
	if err != nil {
		return "", false
	}
	for _, task := range list.Tasks {
		if task.TaskID == t.number {
			return task.Title, true
		}
	}
	return "", false
}

// tagText is the hidden note for the confirmed tags of m, or "" when it
// has none.
func tagText(m *chatkit.UserMessageItem, confirmed map[taskTag]string) string {
	var lines []string
	for _, t := range messageTags(m) {
		if title, ok := confirmed[t]; ok {
			lines = append(lines, fmt.Sprintf("task %d: %s", t.number, title))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprintf(hiddenNote, fmt.Sprintf(tagNote, strings.Join(lines, "\n")))
}
