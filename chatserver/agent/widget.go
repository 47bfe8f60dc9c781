package agent

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Widget action types of the task list.
const (
	ActionComplete = "task.complete"
	ActionReopen   = "task.reopen"
	ActionDelete   = "task.delete"
	ActionRestore  = "task.restore" // Undo after a delete, Restore in the trash
)

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
	w, copyText := taskListWidget(list, listFilter(rec.Parameters))
	return &chatkit.WidgetItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(chatkit.MessageIDPrefix), ThreadID: turn.Thread.ID},
		Widget:   w,
		CopyText: copyText,
	}, nil
}

// taskListWidget renders a task list as a ListView, one row per task
// with a complete/reopen button and a delete button, and its plain text
// for copying. Each action's payload carries the task_id and the filter
// that produced the list, so that the list can be refreshed alike.
func taskListWidget(list taskListView, filter map[string]any) (*chatkit.ListView, string) {
	lv := &chatkit.ListView{
		Status: &chatkit.WidgetStatus{
			Text: fmt.Sprintf("Tasks · %d pending, %d completed", list.Counts.Pending, list.Counts.Completed),
			Icon: "check-circle",
		},
		Children: []chatkit.ListViewItem{},
	}
	var lines []string
	for _, t := range list.Tasks {
		lv.Children = append(lv.Children, taskRow(t, filter))
		lines = append(lines, taskLine(t))
	}
	if len(list.Tasks) == 0 {
		msg := "No tasks match."
		if filter["status"] == "deleted" {
			msg = "The trash is empty."
		} else if list.Counts.Total == 0 {
			msg = "No tasks yet. Add one with /add or just tell me."
		}
		lv.Children = append(lv.Children, chatkit.ListViewItem{Children: []chatkit.WidgetComponent{
			&chatkit.Text{Value: msg, Color: "secondary", Size: "sm"},
		}})
		lines = append(lines, msg)
	}
	if list.NextCursor != "" {
		more := fmt.Sprintf("Showing the first %d matching tasks; ask me for more.", len(list.Tasks))
		lv.Children = append(lv.Children, chatkit.ListViewItem{Children: []chatkit.WidgetComponent{
			&chatkit.Caption{Value: more},
		}})
		lines = append(lines, more)
	}
	return lv, strings.Join(lines, "\n")
}

// taskRow is one task of the list.
func taskRow(t taskView, filter map[string]any) chatkit.ListViewItem {
	payload := func() map[string]any {
		p := map[string]any{"task_id": t.TaskID}
		if len(filter) > 0 {
			p["filter"] = filter
		}
		return p
	}
	if t.DeletedAt != "" {
		return chatkit.ListViewItem{Key: fmt.Sprint(t.TaskID), Gap: 2, Align: "center", Children: []chatkit.WidgetComponent{
			&chatkit.Col{
				Children: []chatkit.WidgetComponent{
					&chatkit.Text{Value: t.Title, Size: "sm", Weight: "medium", Color: "secondary"},
					&chatkit.Caption{Value: taskDetails(t), Size: "sm"},
				},
				Layout: chatkit.Layout{Flex: 1},
			},
			&chatkit.Button{Label: "Restore", Variant: "ghost", Color: "secondary", Size: "sm",
				OnClickAction: &chatkit.ActionConfig{Type: ActionRestore, Payload: payload()}},
		}}
	}
	toggle := &chatkit.Button{
		IconStart: "empty-circle",
		Variant:   "ghost",
		Color:     "secondary",
		Size:      "sm",
		Uniform:   true,
		OnClickAction: &chatkit.ActionConfig{
			Type:    ActionComplete,
			Payload: payload(),
		},
	}
	if t.Completed {
		toggle.IconStart = "check-circle-filled"
		toggle.Color = "success"
		toggle.OnClickAction.Type = ActionReopen
	}
	title := &chatkit.Text{Value: t.Title, Size: "sm", Weight: "medium", LineThrough: t.Completed}
	if t.Completed {
		title.Color = "secondary"
	}
	row := []chatkit.WidgetComponent{
		toggle,
		&chatkit.Col{
			Children: []chatkit.WidgetComponent{title, &chatkit.Caption{Value: taskDetails(t), Size: "sm"}},
			Layout:   chatkit.Layout{Flex: 1},
		},
	}
	switch t.Priority {
	case "high":
		row = append(row, &chatkit.Badge{Label: "high", Color: "danger", Variant: "soft"})
	case "low":
		row = append(row, &chatkit.Badge{Label: "low", Color: "secondary", Variant: "soft"})
	}
	row = append(row, &chatkit.Button{
		Label:         "Delete",
		Variant:       "ghost",
		Color:         "danger",
		Size:          "sm",
		OnClickAction: &chatkit.ActionConfig{Type: ActionDelete, Payload: payload()},
	})
	return chatkit.ListViewItem{Key: fmt.Sprint(t.TaskID), Children: row, Gap: 2, Align: "center"}
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

// widgetFilter returns the list filter kept in the action payloads of a
// stored task list widget, or an empty filter.
func widgetFilter(w chatkit.WidgetRoot) map[string]any {
	b, err := json.Marshal(w)
	if err != nil {
		return map[string]any{}
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return map[string]any{}
	}
	if f := findFilter(tree); f != nil {
		return f
	}
	return map[string]any{}
}

func findFilter(node any) map[string]any {
	switch n := node.(type) {
	case map[string]any:
		if p, ok := n["payload"].(map[string]any); ok {
			if f, ok := p["filter"].(map[string]any); ok {
				return f
			}
		}
		for _, v := range n {
			if f := findFilter(v); f != nil {
				return f
			}
		}
	case []any:
		for _, v := range n {
			if f := findFilter(v); f != nil {
				return f
			}
		}
	}
	return nil
}

// withUndo puts an Undo row for the tasks just deleted at the top of lv:
// its button restores them (ActionRestore) and refreshes the list with
// filter. It adds the row's text to copyText.
func withUndo(lv *chatkit.ListView, copyText string, deleted taskView, filter map[string]any) (*chatkit.ListView, string) {
	payload := map[string]any{"task_id": deleted.TaskID}
	if len(filter) > 0 {
		payload["filter"] = filter
	}
	msg := fmt.Sprintf("Deleted #%d %s", deleted.TaskID, deleted.Title)
	row := chatkit.ListViewItem{Key: "undo", Gap: 2, Align: "center", Children: []chatkit.WidgetComponent{
		&chatkit.Col{Children: []chatkit.WidgetComponent{&chatkit.Text{Value: msg, Size: "sm", Color: "secondary"}}, Layout: chatkit.Layout{Flex: 1}},
		&chatkit.Button{Label: "Undo", Variant: "outline", Color: "secondary", Size: "sm",
			OnClickAction: &chatkit.ActionConfig{Type: ActionRestore, Payload: payload}},
	}}
	lv.Children = append([]chatkit.ListViewItem{row}, lv.Children...)
	return lv, msg + "\n" + copyText
}
