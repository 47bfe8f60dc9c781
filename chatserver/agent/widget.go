package agent

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// Widget action types of the task list.
const (
	ActionComplete = "task.complete"
	ActionReopen   = "task.reopen"
	ActionDelete   = "task.delete"
	ActionRestore  = "task.restore" // Undo after a delete, Restore in the trash
	// ActionAdd adds a task from the list's inline form (title, priority,
	// due merged into the payload by the client).
	ActionAdd = "task.add"
	// ActionMore shows the next page of the list.
	ActionMore = "task.more"
	// ActionDueTomorrow makes the task of a task card due tomorrow.
	ActionDueTomorrow = "task.due_tomorrow"
	// ActionPriority sets the priority of a task card's task (the select's
	// value, payload.priority).
	ActionPriority = "task.priority"
)

// maxPages bounds how many pages "Show more" puts in one list.
const maxPages = 20

// syncAction is an action the client sends with threads.sync_custom_action
// (streaming false), so that it works while an answer streams.
func syncAction(typ string, payload map[string]any) *widget.Action {
	streaming := false
	return &widget.Action{Type: typ, Payload: payload, Streaming: &streaming}
}

// listView is what a task list widget shows: the list_tasks filter and
// how many pages of it.
type listView struct {
	filter map[string]any
	pages  int
}

// payload returns an action payload carrying the view, plus extra.
func (v listView) payload(extra map[string]any) map[string]any {
	p := map[string]any{}
	for k, val := range extra {
		p[k] = val
	}
	if len(v.filter) > 0 {
		p["filter"] = v.filter
	}
	if v.pages > 1 {
		p["pages"] = v.pages
	}
	return p
}

// taskView is a task as list_tasks returns it (the fields the widget
// shows).
type taskView struct {
	TaskID    int64    `json:"task_id"`
	Title     string   `json:"title"`
	Completed bool     `json:"completed"`
	Priority  string   `json:"priority"`
	Due       string   `json:"due"`
	Overdue   bool     `json:"overdue"`
	Tags      []string `json:"tags"`
	Repeat    string   `json:"repeat_text"`
	DeletedAt string   `json:"deleted_at"` // RFC 3339; "" outside the trash
}

// taskListView is list_tasks' structured result.
type taskListView struct {
	Tasks  []taskView `json:"tasks"`
	Counts struct {
		Total     int64 `json:"total"`
		Pending   int64 `json:"pending"`
		Completed int64 `json:"completed"`
	} `json:"counts"`
	NextCursor string `json:"next_cursor"`
}

// decodeTaskList reads a list_tasks result.
func decodeTaskList(result any) (taskListView, error) {
	var l taskListView
	b, err := json.Marshal(result)
	if err != nil {
		return l, fmt.Errorf("encode list_tasks result: %w", err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("decode list_tasks result: %w", err)
	}
	return l, nil
}

// listFilter returns the list_tasks arguments to repeat when the list is
// refreshed: params without the page cursor.
func listFilter(params json.RawMessage) map[string]any {
	f := map[string]any{}
	_ = json.Unmarshal(params, &f) // a bad filter means all tasks
	if f == nil {
		f = map[string]any{}
	}
	delete(f, "cursor")
	return f
}

// taskListItem returns a new widget item showing the list_tasks result
// of rec.
func taskListItem(turn *chatkit.Turn, rec ToolCallRecord) (*chatkit.WidgetItem, error) {
	list, err := decodeTaskList(rec.Result)
	if err != nil {
		return nil, err
	}
	w, copyText := taskListWidget(list, listView{filter: listFilter(rec.Parameters), pages: 1})
	return &chatkit.WidgetItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(chatkit.MessageIDPrefix), ThreadID: turn.Thread.ID},
		Widget:   w,
		CopyText: copyText,
	}, nil
}

// taskCardItem returns a new widget item showing the task a successful
// add_task or update_task (of one task) returned, or nil for any other
// call.
func taskCardItem(turn *chatkit.Turn, rec ToolCallRecord) *chatkit.WidgetItem {
	if rec.Status != StatusOK || rec.Tool != "add_task" && rec.Tool != "update_task" {
		return nil
	}
	var out struct {
		Status string    `json:"status"`
		Task   *taskView `json:"task"`
	}
	b, err := json.Marshal(rec.Result)
	if err != nil || json.Unmarshal(b, &out) != nil || out.Task == nil || out.Task.TaskID == 0 {
		return nil
	}
	headline := fmt.Sprintf("Updated task %d", out.Task.TaskID)
	switch {
	case rec.Tool == "add_task":
		headline = fmt.Sprintf("Added task %d", out.Task.TaskID)
	case out.Status == "restored":
		headline = fmt.Sprintf("Restored task %d", out.Task.TaskID)
	}
	w, copyText := taskCard(*out.Task, headline)
	return &chatkit.WidgetItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(chatkit.MessageIDPrefix), ThreadID: turn.Thread.ID},
		Widget:   w,
		CopyText: copyText,
	}
}

// taskListWidget renders a task list as a ListView, one row per task
// with a checkbox that completes or reopens it and a delete button, then
// "Show more" when more tasks match and an inline form that adds a task;
// and its plain text for copying. Each action's payload carries the
// task_id and the view that produced the list, so that the list can be
// refreshed alike. Every action is synchronous (streaming false).
func taskListWidget(list taskListView, view listView) (*widget.ListView, string) {
	lv := &widget.ListView{
		Status: &widget.Status{
			Text: fmt.Sprintf("Tasks · %d pending, %d completed", list.Counts.Pending, list.Counts.Completed),
			Icon: "check-circle",
		},
		Children: []widget.ListViewItem{},
	}
	var lines []string
	for _, t := range list.Tasks {
		lv.Children = append(lv.Children, taskRow(t, view))
		lines = append(lines, taskLine(t))
	}
	trash := view.filter["status"] == "deleted"
	if len(list.Tasks) == 0 {
		msg := "No tasks match."
		if trash {
			msg = "The trash is empty."
		} else if list.Counts.Total == 0 {
			msg = "No tasks yet. Add one below, with /add or just tell me."
		}
		lv.Children = append(lv.Children, widget.ListViewItem{Children: []widget.Component{
			&widget.Text{Value: msg, Color: "secondary", Size: "sm"},
		}})
		lines = append(lines, msg)
	}
	if list.NextCursor != "" {
		more := fmt.Sprintf("Showing the first %d matching tasks.", len(list.Tasks))
		row := []widget.Component{&widget.Col{
			Children: []widget.Component{&widget.Caption{Value: more}},
			Layout:   widget.Layout{Flex: 1},
		}}
		if view.pages < maxPages {
			row = append(row, &widget.Button{Label: "Show more", Variant: "outline", Color: "secondary", Size: "sm",
				OnClickAction: syncAction(ActionMore, view.payload(nil))})
		}
		lv.Children = append(lv.Children, widget.ListViewItem{Key: "more", Gap: 2, Align: "center", Children: row})
		lines = append(lines, more)
	}
	if !trash {
		lv.Children = append(lv.Children, addTaskRow(view))
	}
	return lv, strings.Join(lines, "\n")
}

// addTaskRow is the list's inline form: title, priority and due date.
func addTaskRow(view listView) widget.ListViewItem {
	form := &widget.Form{
		OnSubmitAction: syncAction(ActionAdd, view.payload(nil)),
		Direction:      "row",
		Layout:         widget.Layout{Gap: 2, Wrap: "wrap", Align: "center", Flex: 1},
		Children: []widget.Component{
			&widget.Input{Name: "title", Placeholder: "Add a task", Required: true, Size: "sm"},
			&widget.Select{Name: "priority", DefaultValue: "medium", Size: "sm", Options: priorityOptions()},
			&widget.DatePicker{Name: "due", Placeholder: "Due date", Size: "sm", Clearable: true},
			&widget.Button{Label: "Add", Submit: true, Style: "primary", Size: "sm", IconStart: "plus"},
		},
	}
	return widget.ListViewItem{Key: "add", Children: []widget.Component{form}}
}

// priorityOptions are the choices of a priority select.
func priorityOptions() []widget.SelectOption {
	return []widget.SelectOption{
		{Value: "high", Label: "High priority"},
		{Value: "medium", Label: "Medium priority"},
		{Value: "low", Label: "Low priority"},
	}
}

// doneBox is the checkbox that completes (or reopens) task t.
func doneBox(t taskView, payload map[string]any) *widget.Checkbox {
	typ := ActionComplete
	if t.Completed {
		typ = ActionReopen
	}
	return &widget.Checkbox{
		Name:           fmt.Sprintf("done_%d", t.TaskID),
		DefaultChecked: t.Completed,
		OnChangeAction: syncAction(typ, payload),
	}
}

// priorityBadge is the badge of a high or low priority, nil for medium.
func priorityBadge(p string) widget.Component {
	switch p {
	case "high":
		return &widget.Badge{Label: "high", Color: "danger", Variant: "soft"}
	case "low":
		return &widget.Badge{Label: "low", Color: "secondary", Variant: "soft"}
	}
	return nil
}

// taskRow is one task of the list.
func taskRow(t taskView, view listView) widget.ListViewItem {
	payload := func() map[string]any { return view.payload(map[string]any{"task_id": t.TaskID}) }
	if t.DeletedAt != "" {
		return widget.ListViewItem{Key: fmt.Sprint(t.TaskID), Gap: 2, Align: "center", Children: []widget.Component{
			&widget.Col{
				Children: []widget.Component{
					&widget.Text{Value: t.Title, Size: "sm", Weight: "medium", Color: "secondary"},
					&widget.Caption{Value: taskDetails(t), Size: "sm"},
				},
				Layout: widget.Layout{Flex: 1},
			},
			&widget.Button{Label: "Restore", Variant: "ghost", Color: "secondary", Size: "sm",
				OnClickAction: syncAction(ActionRestore, payload())},
		}}
	}
	title := &widget.Text{Value: t.Title, Size: "sm", Weight: "medium", LineThrough: t.Completed}
	if t.Completed {
		title.Color = "secondary"
	}
	row := []widget.Component{
		doneBox(t, payload()),
		&widget.Col{
			Children: []widget.Component{title, &widget.Caption{Value: taskDetails(t), Size: "sm"}},
			Layout:   widget.Layout{Flex: 1},
		},
	}
	if b := priorityBadge(t.Priority); b != nil {
		row = append(row, b)
	}
	row = append(row, &widget.Button{
		Label:         "Delete",
		Variant:       "ghost",
		Color:         "danger",
		Size:          "sm",
		OnClickAction: syncAction(ActionDelete, payload()),
	})
	return widget.ListViewItem{Key: fmt.Sprint(t.TaskID), Children: row, Gap: 2, Align: "center"}
}

// taskCard renders one task as a Card with quick actions: a done
// checkbox, "Due tomorrow" and a priority select; headline says what
// happened ("Added task 3"). Its actions are synchronous.
func taskCard(t taskView, headline string) (*widget.Card, string) {
	payload := func() map[string]any { return map[string]any{"task_id": t.TaskID} }
	title := &widget.Text{Value: t.Title, Weight: "medium", LineThrough: t.Completed}
	if t.Completed {
		title.Color = "secondary"
	}
	box := doneBox(t, payload())
	box.Label = "Done" // no list row names it here
	top := []widget.Component{
		box,
		&widget.Col{
			Children: []widget.Component{title, &widget.Caption{Value: taskDetails(t), Size: "sm"}},
			Layout:   widget.Layout{Flex: 1},
		},
	}
	if b := priorityBadge(t.Priority); b != nil {
		top = append(top, b)
	}
	quick := []widget.Component{}
	if !t.Completed {
		quick = append(quick, &widget.Button{Label: "Due tomorrow", IconStart: "calendar", Variant: "outline", Color: "secondary", Size: "sm",
			OnClickAction: syncAction(ActionDueTomorrow, payload())})
	}
	prio := t.Priority
	if prio == "" {
		prio = "medium"
	}
	quick = append(quick, &widget.Select{Name: "priority", DefaultValue: prio, Size: "sm", Options: priorityOptions(),
		OnChangeAction: syncAction(ActionPriority, payload())})
	card := &widget.Card{
		Size:   "sm",
		Status: &widget.Status{Text: headline, Icon: "check-circle"},
		Children: []widget.Component{
			&widget.Row{Children: top, Layout: widget.Layout{Gap: 2, Align: "center"}},
			&widget.Row{Children: quick, Layout: widget.Layout{Gap: 2, Align: "center", Wrap: "wrap"}},
		},
	}
	return card, headline + "\n" + taskLine(t)
}

// taskDetails is the caption under a task's title:
// "#3 · due 2026-05-01 · overdue · tags: home, errands".
func taskDetails(t taskView) string {
	parts := []string{fmt.Sprintf("#%d", t.TaskID)}
	if t.Due != "" {
		parts = append(parts, "due "+t.Due)
	}
	if t.Overdue {
		parts = append(parts, "overdue")
	}
	if len(t.Tags) > 0 {
		parts = append(parts, "tags: "+strings.Join(t.Tags, ", "))
	}
	if t.Repeat != "" {
		parts = append(parts, "↻ "+t.Repeat)
	}
	if t.DeletedAt != "" && len(t.DeletedAt) >= 10 {
		parts = append(parts, "deleted "+t.DeletedAt[:10])
	}
	return strings.Join(parts, " · ")
}

// taskLine is a task as plain text: "#3 [ ] Buy milk (due 2026-05-01,
// high, tags: home)".
func taskLine(t taskView) string {
	box := "[ ]"
	if t.Completed {
		box = "[x]"
	}
	var details []string
	if t.Due != "" {
		details = append(details, "due "+t.Due)
	}
	if t.Overdue {
		details = append(details, "overdue")
	}
	if t.Priority != "" && t.Priority != "medium" {
		details = append(details, t.Priority)
	}
	if len(t.Tags) > 0 {
		details = append(details, "tags: "+strings.Join(t.Tags, ", "))
	}
	if t.Repeat != "" {
		details = append(details, "repeats "+t.Repeat)
	}
	line := fmt.Sprintf("#%d %s %s", t.TaskID, box, t.Title)
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line
}

// widgetView returns the view kept in the action payloads of a stored
// task list widget: its filter (or an empty one) and its page count (at
// least 1).
func widgetView(w widget.Root) listView {
	v := listView{filter: map[string]any{}, pages: 1}
	b, err := json.Marshal(w)
	if err != nil {
		return v
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return v
	}
	if f, ok := findPayload(tree, "filter").(map[string]any); ok {
		v.filter = f
	}
	if n, ok := positiveInt(findPayload(tree, "pages")); ok {
		v.pages = int(min(n, maxPages))
	}
	return v
}

// widgetType returns the type of a widget root ("ListView", "Card"...).
func widgetType(w widget.Root) string {
	b, err := json.Marshal(w)
	if err != nil {
		return ""
	}
	var head struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(b, &head)
	return head.Type
}

// findPayload returns the value of key in the first action payload of
// the widget tree node that has it, or nil.
func findPayload(node any, key string) any {
	switch n := node.(type) {
	case map[string]any:
		if p, ok := n["payload"].(map[string]any); ok {
			if v, ok := p[key]; ok {
				return v
			}
		}
		for _, v := range n {
			if f := findPayload(v, key); f != nil {
				return f
			}
		}
	case []any:
		for _, v := range n {
			if f := findPayload(v, key); f != nil {
				return f
			}
		}
	}
	return nil
}

// withUndo puts an Undo row for the tasks just deleted at the top of lv:
// its button restores them (ActionRestore) and refreshes the list with
// view. It adds the row's text to copyText.
func withUndo(lv *widget.ListView, copyText string, deleted taskView, view listView) (*widget.ListView, string) {
	payload := view.payload(map[string]any{"task_id": deleted.TaskID})
	msg := fmt.Sprintf("Deleted #%d %s", deleted.TaskID, deleted.Title)
	row := widget.ListViewItem{Key: "undo", Gap: 2, Align: "center", Children: []widget.Component{
		&widget.Col{Children: []widget.Component{&widget.Text{Value: msg, Size: "sm", Color: "secondary"}}, Layout: widget.Layout{Flex: 1}},
		&widget.Button{Label: "Undo", Variant: "outline", Color: "secondary", Size: "sm",
			OnClickAction: syncAction(ActionRestore, payload)},
	}}
	lv.Children = append([]widget.ListViewItem{row}, lv.Children...)
	return lv, msg + "\n" + copyText
}
