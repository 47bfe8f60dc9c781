package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// command runs a slash command: text starts with "/". Commands work with
// or without a model; each runs MCP tools as the turn's user and answers
// in text, or with the task list widget for /list and /trash.
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
		in, ok := parseAdd(rest)
		if !ok {
			return say(turn, "What should I add? For example: `/add Buy milk !high` or `/add Pay rent due:2026-12-10 every:month #bills`")
		}
		resolveDue(in, a.cfg.Now().In(a.location(ctx)))
		tool, args = "add_task", in
	case "list":
		tool, args = "list_tasks", map[string]any{}
	case "trash":
		tool, args = "list_tasks", map[string]any{"status": "deleted", "sort": "deleted"}
	case "undo":
		if rest == "" {
			return a.undoDelete(ctx, turn)
		}
		fallthrough
	case "done", "delete":
		ns, ok := parseNumbers(rest)
		if !ok {
			return say(turn, fmt.Sprintf("Which task? Give its number, for example: `/%s 3`. Type /list to see the numbers.", name))
		}
		target := map[string]any{"task_id": ns[0]}
		if len(ns) > 1 {
			target = map[string]any{"task_ids": ns}
		}
		switch name {
		case "done":
			target["completed"] = true
			tool = "complete_task"
		case "undo":
			target["completed"] = false
			tool = "complete_task"
		default:
			tool = "delete_task"
		}
		args = target
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
	switch tool {
	case "list_tasks":
		return nil // the widget is the answer
	case "delete_task":
		return say(turn, deletedText(rec))
	}
	return say(turn, sentence(out))
}

// undoDelete restores the tasks of the latest delete: the most recently
// deleted tasks in the trash, deleted together.
func (a *Agent) undoDelete(ctx context.Context, turn *chatkit.Turn) error {
	s, err := a.connect(ctx, turn.User)
	if err != nil {
		return err
	}
	defer s.close()
	// A lookup, not shown: the restore below is the command's tool call.
	list, _, err := s.call(ctx, "list_tasks", json.RawMessage(`{"status":"deleted","sort":"deleted","limit":50}`))
	if err != nil {
		a.log.ErrorContext(ctx, "mcp tool call failed", "tool", "list_tasks", "err", err)
		return turnError(ctx, msgToolsDown, err)
	}
	if list.Status != StatusOK {
		return say(turn, commandFailure(list))
	}
	trash, err := decodeTaskList(list.Result)
	if err != nil {
		return err
	}
	if len(trash.Tasks) == 0 {
		return say(turn, "Nothing to undo: the trash is empty. (`/undo 3` marks task 3 as not done.)")
	}
	var ids []int64
	for _, t := range trash.Tasks {
		if t.DeletedAt == trash.Tasks[0].DeletedAt {
			ids = append(ids, t.TaskID)
		}
	}
	args := map[string]any{"task_ids": ids, "restore": true}
	if len(ids) == 1 {
		args = map[string]any{"task_id": ids[0], "restore": true}
	}
	raw, _ := json.Marshal(args) // cannot fail: plain values
	rec, out, err := a.runTool(ctx, turn, s, "call_"+turn.NewID("cmd"), "update_task", raw)
	if err != nil {
		return err
	}
	if rec.Status != StatusOK {
		return say(turn, commandFailure(rec))
	}
	return say(turn, sentence(out))
}

// deletedText is the answer to /delete: what went to the trash and how to
// get it back (the tool's own text speaks to a model).
func deletedText(rec ToolCallRecord) string {
	var out struct {
		TaskID    int64  `json:"task_id"`
		Title     string `json:"title"`
		Succeeded int    `json:"succeeded"`
		Results   []struct {
			TaskID int64  `json:"task_id"`
			Title  string `json:"title"`
			Error  string `json:"error"`
		} `json:"results"`
	}
	b, _ := json.Marshal(rec.Result)
	_ = json.Unmarshal(b, &out)
	if out.Results == nil {
		return fmt.Sprintf("Deleted task %d: %s. Type /undo to restore it.", out.TaskID, out.Title)
	}
	var lines []string
	for _, r := range out.Results {
		if r.Error != "" {
			lines = append(lines, "- "+r.Error)
		} else {
			lines = append(lines, fmt.Sprintf("- #%d %s", r.TaskID, r.Title))
		}
	}
	head := fmt.Sprintf("Deleted %d of %d tasks. Type /undo to restore them.", out.Succeeded, len(out.Results))
	return head + "\n" + strings.Join(lines, "\n")
}

// parseNumbers reads task numbers separated by spaces or commas, each
// maybe with a leading "#".
func parseNumbers(s string) ([]int64, bool) {
	var ns []int64
	for w := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		n, err := strconv.ParseInt(strings.TrimPrefix(w, "#"), 10, 64)
		if err != nil || n < 1 {
			return nil, false
		}
		ns = append(ns, n)
	}
	return ns, len(ns) > 0
}

// everyPattern is an "every:" rule: an optional interval and a unit
// ("every:month", "every:2weeks", "every:daily").
var everyPattern = regexp.MustCompile(`^(\d+)?(day|week|month|year)s?$`)

// everyAliases are the adverbs /add understands for a unit.
var everyAliases = map[string]string{"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year", "annually": "year"}

// parseAdd turns "/add" arguments into add_task arguments: "!high",
// "!medium" or "!low" sets the priority, "due:DATE" the due date,
// "every:RULE" a repeat rule ("every:month", "every:2weeks",
// "every:mon,thu"), "#tag" a tag, and the other words are the title. It
// reports false when there is no title.
func parseAdd(s string) (map[string]any, bool) {
	in := map[string]any{}
	var words, tags []string
	for w := range strings.FieldsSeq(s) {
		lw := strings.ToLower(w)
		switch {
		case lw == "!high" || lw == "!medium" || lw == "!low":
			in["priority"] = lw[1:]
		case strings.HasPrefix(lw, "due:") && len(w) > 4:
			in["due"] = w[4:]
		case strings.HasPrefix(lw, "every:") && len(w) > 6:
			rule, ok := parseEvery(lw[6:])
			if !ok {
				words = append(words, w)
				continue
			}
			in["repeat"] = rule
		case strings.HasPrefix(w, "#") && len(w) > 1:
			tags = append(tags, w[1:])
		default:
			words = append(words, w)
		}
	}
	if len(tags) > 0 {
		in["tags"] = tags
	}
	title := strings.Join(words, " ")
	in["title"] = title
	return in, title != ""
}

// relativeDays are the due words /add understands, in days from today.
var relativeDays = map[string]int{"today": 0, "tomorrow": 1}

// resolveDue turns a relative due ("due:today", "due:tomorrow") of /add
// arguments into a date, counted from today, the user's local date.
func resolveDue(in map[string]any, today time.Time) {
	due, _ := in["due"].(string)
	if n, ok := relativeDays[strings.ToLower(due)]; ok {
		in["due"] = today.AddDate(0, 0, n).Format(time.DateOnly)
	}
}

// parseEvery reads the rule of an "every:" word.
func parseEvery(s string) (map[string]any, bool) {
	if unit, ok := everyAliases[s]; ok {
		return map[string]any{"every": unit}, true
	}
	if m := everyPattern.FindStringSubmatch(s); m != nil {
		rule := map[string]any{"every": m[2]}
		if m[1] != "" {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, false
			}
			rule["interval"] = n
		}
		return rule, true
	}
	days := strings.Split(s, ",")
	for _, d := range days {
		if !slices.Contains([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, d) {
			return nil, false
		}
	}
	return map[string]any{"every": "week", "weekdays": days}, true
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
