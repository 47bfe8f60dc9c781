package mcpserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/models"
)

// taskJSON is a task as every tool returns it.
type taskJSON struct {
	TaskID      int64      `json:"task_id" jsonschema:"the user's task number; use it as task_id in other tools"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Completed   bool       `json:"completed"`
	CompletedAt *time.Time `json:"completed_at,omitempty" jsonschema:"when the task was completed (RFC 3339); absent while pending"`
	Priority    string     `json:"priority" jsonschema:"low, medium or high"`
	Due         string     `json:"due,omitempty" jsonschema:"due date (YYYY-MM-DD) or date-time (RFC 3339, UTC); absent when there is none"`
	Overdue     bool       `json:"overdue" jsonschema:"true if the task is pending and its due date has passed"`
	Tags        []string   `json:"tags"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// toTaskJSON converts a stored task; now decides whether it is overdue.
func toTaskJSON(t models.Task, now time.Time) taskJSON {
	tags := []string(t.Tags)
	if tags == nil {
		tags = []string{}
	}
	var completedAt *time.Time
	if t.CompletedAt != nil {
		c := t.CompletedAt.UTC()
		completedAt = &c
	}
	return taskJSON{
		TaskID:      t.Number,
		Title:       t.Title,
		Description: t.Description,
		Completed:   t.Completed,
		CompletedAt: completedAt,
		Priority:    string(t.Priority),
		Due:         t.Due(),
		Overdue:     t.Overdue(now),
		Tags:        tags,
		CreatedAt:   t.CreatedAt.UTC(),
		UpdatedAt:   t.UpdatedAt.UTC(),
	}
}

// taskLine is a compact one-line summary of a task:
// `#3 [ ] Buy milk (due 2026-11-28, overdue, high, tags: home, errands)`.
func taskLine(t taskJSON) string {
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
	if t.Priority != string(models.PriorityMedium) {
		details = append(details, t.Priority)
	}
	if len(t.Tags) > 0 {
		details = append(details, "tags: "+strings.Join(t.Tags, ", "))
	}
	line := fmt.Sprintf("#%d %s %s", t.TaskID, box, t.Title)
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line
}
