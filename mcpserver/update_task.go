package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// updateTaskIn is update_task's input; nil fields are left alone.
type updateTaskIn struct {
	TaskID      int64     `json:"task_id" jsonschema:"the user's task number (from list_tasks, add_task or find_task_by_name)"`
	Title       *string   `json:"title,omitempty" jsonschema:"new one-line title"`
	Description *string   `json:"description,omitempty" jsonschema:"new description; empty to remove it"`
	Priority    *string   `json:"priority,omitempty" jsonschema:"new priority: low, medium or high"`
	Due         *string   `json:"due,omitempty" jsonschema:"new due date: YYYY-MM-DD, or an RFC 3339 date-time such as 2026-05-01T17:00:00Z"`
	Tags        *[]string `json:"tags,omitempty" jsonschema:"the new full list of tags, replacing the old one; [] removes all tags"`
	ClearDue    bool      `json:"clear_due,omitempty" jsonschema:"true to remove the due date (do not give due as well)"`
}

// updateTaskOut is update_task's structured result.
type updateTaskOut struct {
	TaskID int64    `json:"task_id"`
	Status string   `json:"status"`
	Title  string   `json:"title"`
	Task   taskJSON `json:"task" jsonschema:"the task after the update"`
}

// updateTaskTool defines update_task.
func updateTaskTool() *mcp.Tool {
	in := schemaFor[updateTaskIn]()
	taskIDSchema(in)
	constrainTaskFields(in)
	out := schemaFor[updateTaskOut]()
	prop(out, "status").Enum = enum("updated")
	return &mcp.Tool{
		Name:  "update_task",
		Title: "Update task",
		Description: "Change one of the user's tasks: its title, description, priority, due date or tags. Give " +
			"task_id and only the fields to change (at least one). tags replaces the whole list; clear_due " +
			"removes the due date. To mark a task done, use complete_task. " + taskIDHelp + " If the user names " +
			"the task, call find_task_by_name first to get its task_id. " + dateHelp,
		Annotations:  annotations(false, true, true),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// updateTask applies a validated patch to one task.
func (s *server) updateTask(ctx context.Context, user string, in updateTaskIn) (updateTaskOut, string, error) {
	p, changed, err := taskPatch(in)
	if err != nil {
		return updateTaskOut{}, "", err
	}
	t, err := s.st.UpdateTask(ctx, user, in.TaskID, p)
	if errors.Is(err, models.ErrNotFound) {
		return updateTaskOut{}, "", notFound(in.TaskID)
	}
	if err != nil {
		return updateTaskOut{}, "", fmt.Errorf("update task: %w", err)
	}
	s.changed(ctx, user, models.ChangeUpdated, t.Number)
	tj := toTaskJSON(t, s.now())
	out := updateTaskOut{TaskID: tj.TaskID, Status: "updated", Title: tj.Title, Task: tj}
	return out, fmt.Sprintf("Updated task %d: %s (changed %s)", tj.TaskID, tj.Title, strings.Join(changed, ", ")), nil
}

// taskPatch validates update_task's input and names the changed fields.
func taskPatch(in updateTaskIn) (models.TaskPatch, []string, error) {
	var p models.TaskPatch
	var changed []string
	if in.Due != nil && in.ClearDue {
		return p, nil, userErrorf("Give either due (to set a new due date) or clear_due (to remove it), not both.")
	}
	if in.Title != nil {
		t, err := models.ValidateTitle(*in.Title)
		if err != nil {
			return p, nil, err
		}
		p.Title = &t
		changed = append(changed, "title")
	}
	if in.Description != nil {
		d, err := models.ValidateDescription(*in.Description)
		if err != nil {
			return p, nil, err
		}
		p.Description = &d
		changed = append(changed, "description")
	}
	if in.Priority != nil {
		pr, err := models.ParsePriority(*in.Priority)
		if err != nil {
			return p, nil, err
		}
		p.Priority = &pr
		changed = append(changed, "priority")
	}
	if in.Due != nil {
		d, err := models.ParseDue("due", *in.Due)
		if err != nil {
			return p, nil, err
		}
		p.Due = &d
		changed = append(changed, "due date")
	}
	if in.ClearDue {
		p.ClearDue = true
		changed = append(changed, "due date")
	}
	if in.Tags != nil {
		tags, err := models.NormalizeTags(*in.Tags)
		if err != nil {
			return p, nil, err
		}
		p.Tags = &tags
		changed = append(changed, "tags")
	}
	if p.Empty() {
		return p, nil, userErrorf("Nothing to update: give at least one of title, description, priority, due, tags or clear_due.")
	}
	return p, changed, nil
}
