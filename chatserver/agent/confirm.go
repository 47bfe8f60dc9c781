package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Icons of the confirmation steps.
const (
	iconDone   = "check-circle"
	iconFailed = "lucide:circle-alert"
)

// confirmer writes the server's confirmation of every tool call of a
// turn: a ChatKit workflow item with one custom task per call, added
// ("loading") when the call starts and updated from the tool's result when
// it returns, with the friendly message of a failure. The workflow is done
// (stored) before the next visible item and at the end of the turn, so a
// reload or items.list shows it where it happened. The model's own text
// is never part of it.
type confirmer struct {
	emit     func(chatkit.Event) error               // the engine's Emit
	emitDone func(items ...chatkit.ThreadItem) error // the engine's EmitDone; nil in some tests
	newID    func(prefix string) string
	item     *chatkit.WorkflowItem // the open workflow, nil when none
	start    time.Time
}

// confirmKey is the context key of a turn's confirmer.
type confirmKey struct{}

// confirmerFrom returns the confirmer of the turn ctx belongs to, or nil
// (a widget action, which confirms with confirmationItem).
func confirmerFrom(ctx context.Context) *confirmer {
	c, _ := ctx.Value(confirmKey{}).(*confirmer)
	return c
}

// confirmTurn returns a copy of turn whose Emit closes the open workflow
// before any other visible item, and the confirmer that writes the
// workflow. Call end when the turn's work is over.
func confirmTurn(ctx context.Context, turn *chatkit.Turn) (context.Context, *chatkit.Turn, *confirmer) {
	c := &confirmer{emit: turn.Emit, emitDone: turn.EmitDone, newID: turn.NewID}
	t := *turn
	t.Emit = c.through
	if turn.EmitDone != nil {
		t.EmitDone = c.throughDone
	}
	return context.WithValue(ctx, confirmKey{}, c), &t, c
}

// through is the wrapped turn's Emit. An item done right after the open
// workflow (a tool's result card) is stored with it, in one write.
func (c *confirmer) through(ev chatkit.Event) error {
	if done, ok := ev.(*chatkit.ThreadItemDoneEvent); ok && c.item != nil && c.emitDone != nil && visible(ev) {
		return c.throughDone(done.Item)
	}
	if c.item != nil && visible(ev) {
		if err := c.end(); err != nil {
			return err
		}
	}
	return c.emit(ev)
}

// throughDone is the wrapped turn's EmitDone: the open workflow, if any
// of items is shown, is done first, in the same write.
func (c *confirmer) throughDone(items ...chatkit.ThreadItem) error {
	if c.item != nil && slices.ContainsFunc(items, func(it chatkit.ThreadItem) bool { return visible(&chatkit.ThreadItemDoneEvent{Item: it}) }) {
		w := c.item
		c.item = nil
		closeWorkflow(w)
		items = append([]chatkit.ThreadItem{w}, items...)
	}
	return c.emitDone(items...)
}

// visible reports whether ev shows a new or changed item to the user.
func visible(ev chatkit.Event) bool {
	var item chatkit.ThreadItem
	switch e := ev.(type) {
	case *chatkit.ThreadItemAddedEvent:
		item = e.Item
	case *chatkit.ThreadItemDoneEvent:
		item = e.Item
	case *chatkit.ThreadItemReplacedEvent:
		item = e.Item
	default:
		return false
	}
	switch item.(type) {
	case *chatkit.HiddenContextItem, *chatkit.SDKHiddenContextItem:
		return false
	}
	return true
}

// begin shows a loading step for a call of tool with args and returns its
// index in the workflow.
func (c *confirmer) begin(tool string, args json.RawMessage) (int, error) {
	icon, text := progressFor(tool, args)
	task := chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "loading", Title: text, Icon: icon}
	if c.item == nil {
		c.start = time.Now()
		c.item = &chatkit.WorkflowItem{
			ItemBase: chatkit.ItemBase{ID: c.newID(chatkit.WorkflowIDPrefix)},
			Workflow: chatkit.Workflow{Type: "custom", Tasks: []chatkit.Task{task}},
		}
		return 0, c.emit(&chatkit.ThreadItemAddedEvent{Item: c.item})
	}
	c.item.Workflow.Tasks = append(c.item.Workflow.Tasks, task)
	i := len(c.item.Workflow.Tasks) - 1
	return i, c.emit(&chatkit.ThreadItemUpdatedEvent{ItemID: c.item.ID,
		Update: &chatkit.WorkflowTaskAdded{TaskIndex: i, Task: task}})
}

// finish replaces step i with the confirmation of rec.
func (c *confirmer) finish(i int, rec ToolCallRecord) error {
	if c.item == nil || i < 0 || i >= len(c.item.Workflow.Tasks) {
		return nil
	}
	task := confirmation(rec)
	c.item.Workflow.Tasks[i] = task
	return c.emit(&chatkit.ThreadItemUpdatedEvent{ItemID: c.item.ID,
		Update: &chatkit.WorkflowTaskUpdated{TaskIndex: i, Task: task}})
}

// fail replaces step i with a failed step saying msg, for a call that
// never got an answer from the tool.
func (c *confirmer) fail(i int, tool, msg string) error {
	if c.item == nil || i < 0 || i >= len(c.item.Workflow.Tasks) {
		return nil
	}
	task := failedStep(tool, msg)
	c.item.Workflow.Tasks[i] = task
	return c.emit(&chatkit.ThreadItemUpdatedEvent{ItemID: c.item.ID,
		Update: &chatkit.WorkflowTaskUpdated{TaskIndex: i, Task: task}})
}

// end stores the open workflow, if any, with its summary.
func (c *confirmer) end() error {
	if c.item == nil {
		return nil
	}
	w := c.item
	c.item = nil
	closeWorkflow(w)
	return c.emit(&chatkit.ThreadItemDoneEvent{Item: w})
}

// closeWorkflow gives a finished workflow its summary, and expands it
// when a step failed.
func closeWorkflow(w *chatkit.WorkflowItem) {
	w.Workflow.Summary = summary(w.Workflow.Tasks)
	for _, t := range w.Workflow.Tasks {
		if t.Icon == iconFailed {
			w.Workflow.Expanded = true // a failure is not hidden behind a summary
		}
	}
}

// confirmationItem is the finished workflow of one step, with id: how a
// widget action, which is not part of a turn, confirms its tool call.
func confirmationItem(id, threadID string, step chatkit.Task) *chatkit.WorkflowItem {
	w := &chatkit.WorkflowItem{
		ItemBase: chatkit.ItemBase{ID: id, ThreadID: threadID},
		Workflow: chatkit.Workflow{Type: "custom", Tasks: []chatkit.Task{step}},
	}
	closeWorkflow(w)
	return w
}

// summary closes a workflow: the single step's title, or how many steps
// it had and how many failed.
func summary(tasks []chatkit.Task) *chatkit.WorkflowSummary {
	failed := 0
	for _, t := range tasks {
		if t.Icon == iconFailed {
			failed++
		}
	}
	icon := iconDone
	if failed > 0 {
		icon = iconFailed
	}
	if len(tasks) == 1 {
		return &chatkit.WorkflowSummary{Title: tasks[0].Title, Icon: icon}
	}
	title := fmt.Sprintf("%d steps", len(tasks))
	if failed > 0 {
		title += fmt.Sprintf(", %d failed", failed)
	}
	return &chatkit.WorkflowSummary{Title: title, Icon: icon}
}

// toolResult is the union of the MCP tools' structured results, as far as
// a confirmation needs it.
type toolResult struct {
	TaskID     int64      `json:"task_id"`
	Status     string     `json:"status"`
	Title      string     `json:"title"`
	NextDue    string     `json:"next_due"`
	Task       *stepTask  `json:"task"`
	Results    []bulkItem `json:"results"`
	Succeeded  int        `json:"succeeded"`
	Tasks      []struct{} `json:"tasks"`
	TaskIDs    []int64    `json:"task_ids"`
	NextCursor string     `json:"next_cursor"`
}

// stepTask is the task in a tool's result, as far as a confirmation
// shows it.
type stepTask struct {
	Priority string   `json:"priority"`
	Due      string   `json:"due"`
	Tags     []string `json:"tags"`
	Repeat   string   `json:"repeat_text"`
}

// details is a short line on t: "due 2026-05-01 · high priority · tags:
// home · every week".
func (t stepTask) details() string {
	var parts []string
	if t.Due != "" {
		parts = append(parts, "due "+t.Due)
	}
	if t.Priority != "" && t.Priority != "medium" {
		parts = append(parts, t.Priority+" priority")
	}
	if len(t.Tags) > 0 {
		parts = append(parts, "tags: "+strings.Join(t.Tags, ", "))
	}
	if t.Repeat != "" {
		parts = append(parts, t.Repeat)
	}
	return strings.Join(parts, " · ")
}

// bulkItem is one item of a bulk tool call's results.
type bulkItem struct {
	Item    int    `json:"item"`
	TaskID  int64  `json:"task_id"`
	Status  string `json:"status"`
	Title   string `json:"title"`
	NextDue string `json:"next_due"`
	Error   string `json:"error"`
}

// toolArgs are the arguments a confirmation names.
type toolArgs struct {
	TaskID    int64   `json:"task_id"`
	TaskIDs   []int64 `json:"task_ids"`
	Name      string  `json:"name"`
	Title     string  `json:"title"`
	Status    string  `json:"status"`
	Completed *bool   `json:"completed"`
	Restore   bool    `json:"restore"`
}

// confirmation is the finished step of a tool call: what it did, from its
// result, or why it failed, for people.
func confirmation(rec ToolCallRecord) chatkit.Task {
	var args toolArgs
	_ = json.Unmarshal(rec.Parameters, &args) // best effort: names only
	if rec.Status != StatusOK {
		return failedStep(rec.Tool, friendlyError(rec.Tool, args, rec.Error))
	}
	var res toolResult
	if b, err := json.Marshal(rec.Result); err == nil {
		_ = json.Unmarshal(b, &res) // a text result confirms generically
	}
	if res.Results != nil {
		return bulkStep(rec.Tool, args, res)
	}
	title, content := "", ""
	switch rec.Tool {
	case "add_task":
		title = fmt.Sprintf("Added task %d: %s", res.TaskID, res.Title)
		if res.Task != nil {
			content = res.Task.details()
		}
	case "complete_task":
		title = fmt.Sprintf("Completed task %d: %s", res.TaskID, res.Title)
		if res.Status == "reopened" {
			title = fmt.Sprintf("Reopened task %d: %s", res.TaskID, res.Title)
		}
		if res.NextDue != "" {
			content = "Repeats: next due " + res.NextDue + "."
		}
	case "delete_task":
		title = fmt.Sprintf("Moved to trash: %s (task %d)", res.Title, res.TaskID)
		content = "Type /undo to restore it."
	case "update_task":
		title = fmt.Sprintf("Updated task %d: %s", res.TaskID, res.Title)
		if res.Status == "restored" {
			title = fmt.Sprintf("Restored task %d: %s", res.TaskID, res.Title)
		}
		if res.Task != nil {
			content = res.Task.details()
		}
	case "find_task_by_name":
		title = fmt.Sprintf("Found task %d: %s", res.TaskID, res.Title)
	case "list_tasks":
		title = listTitle(args, res)
	default:
		title = "Ran " + rec.Tool
	}
	return chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "complete", Title: title, Icon: iconDone, Content: content}
}

// failedStep is a step that failed with msg.
func failedStep(tool, msg string) chatkit.Task {
	return chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "none", Title: failedTitle(tool), Icon: iconFailed, Content: msg}
}

// failedTitle says which action failed.
func failedTitle(tool string) string {
	switch tool {
	case "add_task":
		return "Couldn't add the task"
	case "complete_task":
		return "Couldn't update the task's status"
	case "delete_task":
		return "Couldn't delete the task"
	case "update_task":
		return "Couldn't update the task"
	case "find_task_by_name":
		return "Couldn't find the task"
	case "list_tasks":
		return "Couldn't list your tasks"
	}
	return "That didn't work"
}

// listTitle confirms a list_tasks call.
func listTitle(args toolArgs, res toolResult) string {
	if res.TaskIDs != nil {
		return fmt.Sprintf("Selected %s", plural(len(res.TaskIDs), "task"))
	}
	where := ""
	if args.Status == "deleted" {
		where = " in the trash"
	}
	n := len(res.Tasks)
	if n == 0 {
		return "No tasks found" + where
	}
	if res.NextCursor != "" {
		return fmt.Sprintf("Showing the first %s%s", plural(n, "task"), where)
	}
	return fmt.Sprintf("Showing %s%s", plural(n, "task"), where)
}

// bulkStep confirms a call on several tasks: how many succeeded, a line
// per task, and why the others failed.
func bulkStep(tool string, args toolArgs, res toolResult) chatkit.Task {
	verb := map[string]string{"add_task": "Added", "complete_task": "Completed", "delete_task": "Moved to trash",
		"update_task": "Updated"}[tool]
	if tool == "complete_task" && args.Completed != nil && !*args.Completed {
		verb = "Reopened"
	}
	if tool == "update_task" && args.Restore {
		verb = "Restored"
	}
	if verb == "" {
		verb = "Done"
	}
	var lines []string
	for _, r := range res.Results {
		if r.Error != "" {
			lines = append(lines, "✗ "+friendlyItemError(tool, r))
			continue
		}
		line := fmt.Sprintf("✓ #%d %s", r.TaskID, r.Title)
		if r.NextDue != "" {
			line += " (next due " + r.NextDue + ")"
		}
		lines = append(lines, line)
	}
	n, total := res.Succeeded, len(res.Results)
	if tool == "delete_task" && n > 0 {
		lines = append(lines, "Type /undo to restore them.")
	}
	content := strings.Join(lines, "\n")
	if n == 0 {
		t := failedStep(tool, content)
		t.Title = fmt.Sprintf("%s none of %s", verb, plural(total, "task"))
		if tool == "delete_task" {
			t.Title = fmt.Sprintf("Moved none of %s to the trash", plural(total, "task"))
		}
		return t
	}
	title := fmt.Sprintf("%s %s", verb, plural(n, "task"))
	if n < total {
		title = fmt.Sprintf("%s %d of %s", verb, n, plural(total, "task"))
	}
	if tool == "delete_task" {
		title = fmt.Sprintf("Moved to trash: %s", plural(n, "task"))
		if n < total {
			title = fmt.Sprintf("Moved to trash: %d of %s", n, plural(total, "task"))
		}
	}
	icon := iconDone
	if n < total {
		icon = iconFailed
	}
	return chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "complete", Title: title, Icon: icon, Content: content}
}

// friendlyItemError explains why one item of a bulk call failed.
func friendlyItemError(tool string, r bulkItem) string {
	args := toolArgs{TaskID: r.TaskID}
	msg := friendlyError(tool, args, r.Error)
	if r.Item > 0 && r.TaskID == 0 {
		return fmt.Sprintf("Item %d: %s", r.Item, msg)
	}
	return msg
}

// Patterns of the tools' error texts (written for the model).
var (
	reNoMatch  = regexp.MustCompile(`^No task matches (".*?")`)
	reSeveral  = regexp.MustCompile(`^Several tasks match (".*?")`)
	reTaskNum  = regexp.MustCompile(`^Task (\d+) `)
	reTooLong  = regexp.MustCompile(`^Invalid arguments: "(title|description)" (has \d+ characters; the limit is \d+)`)
	reForModel = regexp.MustCompile(`(?i)\b(call|use|give|ask the user)\b|[a-z]+_[a-z_]+|[{}"=]`)
)

// friendlyError turns a tool's error text, written for the model, into a
// message for people: it never tells them to call a tool, nor names
// arguments.
func friendlyError(tool string, args toolArgs, msg string) string {
	msg = strings.TrimSpace(msg)
	lower := strings.ToLower(msg)
	task := "That task"
	if m := reTaskNum.FindStringSubmatch(msg); m != nil {
		task = "Task " + m[1]
	} else if args.TaskID > 0 {
		task = fmt.Sprintf("Task %d", args.TaskID)
	}
	switch {
	case strings.Contains(lower, "temporarily unavailable"):
		return "Your task list is unavailable right now. Please try again in a moment."
	case strings.HasPrefix(lower, "internal error"):
		return "Something went wrong on the server. Please try again."
	case reTooLong.MatchString(msg):
		m := reTooLong.FindStringSubmatch(msg)
		return fmt.Sprintf("The %s %s.", m[1], m[2])
	case reNoMatch.MatchString(msg):
		return fmt.Sprintf("No task matches %s.", unquote(reNoMatch.FindStringSubmatch(msg)[1]))
	case reSeveral.MatchString(msg):
		return fmt.Sprintf("Several tasks match %s. Say which one you mean, or give its number.", unquote(reSeveral.FindStringSubmatch(msg)[1]))
	case strings.Contains(lower, "not in the trash"):
		return task + " is not in the trash."
	case strings.Contains(lower, "not found"):
		return task + " wasn't found. Type /list to see your tasks."
	case strings.HasPrefix(lower, "there is no tool named"):
		return "That action isn't available on this server."
	case strings.HasPrefix(lower, "the arguments must be"):
		return "The assistant sent an unreadable request."
	}
	// Keep the first sentence when it speaks to people ("Invalid due:
	// use YYYY-MM-DD" does not: it names a format for the model).
	first, _, _ := strings.Cut(msg, ". ")
	first = strings.TrimSuffix(first, ".")
	if first != "" && !reForModel.MatchString(first) && len(first) <= 160 {
		return first + "."
	}
	return "The request wasn't valid, so nothing was changed."
}

// unquote writes a Go-quoted name in typographic quotes.
func unquote(q string) string {
	var s string
	if err := json.Unmarshal([]byte(q), &s); err != nil {
		s = strings.Trim(q, `"`)
	}
	return "“" + clip(s, 60) + "”"
}

// plural writes n and noun, adding an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// isConfirmation reports whether w is a confirmer's workflow: every step
// is a finished confirmation.
func isConfirmation(w *chatkit.WorkflowItem) bool {
	for _, t := range w.Workflow.Tasks {
		if t.Icon != iconDone && t.Icon != iconFailed {
			return false
		}
	}
	return len(w.Workflow.Tasks) > 0
}
