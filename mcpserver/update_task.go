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
	TaskID      int64     `json:"task_id,omitempty" jsonschema:"the user's task number (from list_tasks, add_task or find_task_by_name)"`
	TaskIDs     []int64   `json:"task_ids,omitempty" jsonschema:"several task numbers at once, instead of task_id: the same change for each"`
	Title       *string   `json:"title,omitempty" jsonschema:"new one-line title"`
	Description *string   `json:"description,omitempty" jsonschema:"new description; empty to remove it"`
	Priority    *string   `json:"priority,omitempty" jsonschema:"new priority: low, medium or high"`
	Due         *string   `json:"due,omitempty" jsonschema:"new due date: YYYY-MM-DD, or an RFC 3339 date-time such as 2026-05-01T17:00:00Z"`
	Tags        *[]string `json:"tags,omitempty" jsonschema:"the new full list of tags, replacing the old one; [] removes all tags"`
	ClearDue    bool      `json:"clear_due,omitempty" jsonschema:"true to remove the due date (do not give due as well)"`
	Repeat      *repeatIn `json:"repeat,omitempty" jsonschema:"new repeat rule, replacing the old one; {\"every\":\"none\"} stops repeating"`
	Restore     bool      `json:"restore,omitempty" jsonschema:"true to bring the tasks back from the trash"`
}

// updateTaskOut is update_task's structured result.
type updateTaskOut struct {
	TaskID    int64        `json:"task_id,omitempty"`
	Status    string       `json:"status,omitempty" jsonschema:"updated, or restored when restore was given"`
	Title     string       `json:"title,omitempty"`
	Task      *taskJSON    `json:"task,omitempty" jsonschema:"the task after the update"`
	Results   []itemResult `json:"results,omitempty" jsonschema:"with task_ids: one result per task, in order"`
	Succeeded int          `json:"succeeded,omitempty" jsonschema:"with task_ids: how many succeeded"`
}

// updateTaskTool defines update_task.
func updateTaskTool() *mcp.Tool {
	in := schemaFor[updateTaskIn]()
	taskIDsSchema(in)
	constrainTaskFields(in)
	constrainRepeat(in, true)
	out := schemaFor[updateTaskOut]()
	prop(out, "status").Enum = enum("updated", "restored")
	return &mcp.Tool{
		Name:  "update_task",
		Title: "Update task",
		Description: "Change one of the user's tasks: its title, description, priority, due date, tags or repeat " +
			"rule. Give task_id and only the fields to change (at least one). tags replaces the whole list; clear_due " +
			"removes the due date; repeat {\"every\":\"none\"} stops repeating. restore=true brings deleted tasks " +
			"back from the trash. task_ids applies the same change to several tasks. To mark a task done, use " +
			"complete_task. " + taskIDHelp + " If the user names " +
			"the task, call find_task_by_name first to get its task_id. " + dateHelp,
		Annotations:  annotations(false, true, true),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// updateTask applies a validated patch to tasks, after bringing them back
// from the trash when restore is given.
func (s *server) updateTask(ctx context.Context, user string, in updateTaskIn) (updateTaskOut, string, error) {
	ns, bulk, err := targets(in.TaskID, in.TaskIDs)
	if err != nil {
		return updateTaskOut{}, "", err
	}
	p, changed, err := s.taskPatch(ctx, in)
	if err != nil {
		return updateTaskOut{}, "", err
	}
	// res holds each task's result so far; a failed restore skips the
	// update.
	res := make([]models.TaskResult, len(ns))
	for i, n := range ns {
		res[i] = models.TaskResult{Number: n}
	}
	if in.Restore {
		if res, err = s.st.RestoreTasks(ctx, user, ns); err != nil {
			return updateTaskOut{}, "", fmt.Errorf("restore tasks: %w", err)
		}
		for i := range res {
			if errors.Is(res[i].Err, models.ErrNotFound) {
				res[i].Err = userErrorf("Task %d is not in the trash.", res[i].Number)
			}
		}
	}
	if !p.Empty() {
		var todo []int64
		for _, r := range res {
			if r.Err == nil {
				todo = append(todo, r.Number)
			}
		}
		if len(todo) > 0 {
			upd, err := s.st.UpdateTasks(ctx, user, todo, p)
			if err != nil {
				return updateTaskOut{}, "", fmt.Errorf("update tasks: %w", err)
			}
			j := 0
			for i := range res {
				if res[i].Err == nil {
					change := res[i].Change
					res[i] = upd[j]
					if change == models.ChangeRestored && upd[j].Err == nil {
						res[i].Change = change
					}
					j++
				}
			}
		}
	}
	s.changedResults(ctx, user, res)
	status := "updated"
	if in.Restore {
		status = "restored"
	}
	now := s.clock(ctx)
	if !bulk {
		r := res[0]
		if ue, ok := errors.AsType[*userError](r.Err); ok {
			return updateTaskOut{}, "", ue
		}
		if errors.Is(r.Err, models.ErrNotFound) {
			return updateTaskOut{}, "", notFound(r.Number)
		}
		if r.Err != nil {
			return updateTaskOut{}, "", r.Err
		}
		tj := toTaskJSON(r.Task, now)
		out := updateTaskOut{TaskID: tj.TaskID, Status: status, Title: tj.Title, Task: &tj}
		if in.Restore && len(changed) == 0 {
			return out, fmt.Sprintf("Restored task %d from the trash: %s", tj.TaskID, tj.Title), nil
		}
		verb := "Updated"
		if in.Restore {
			verb = "Restored and updated"
		}
		return out, fmt.Sprintf("%s task %d: %s (changed %s)", verb, tj.TaskID, tj.Title, strings.Join(changed, ", ")), nil
	}
	out := updateTaskOut{Results: make([]itemResult, len(res))}
	for i, r := range res {
		if ue, ok := errors.AsType[*userError](r.Err); ok {
			out.Results[i] = itemResult{TaskID: r.Number, Error: ue.msg}
			continue
		}
		if r.Err != nil {
			item, ok := itemError(r.Number, r.Err)
			if !ok {
				return updateTaskOut{}, "", r.Err
			}
			out.Results[i] = item
			continue
		}
		out.Results[i] = itemResult{TaskID: r.Task.Number, Status: status, Title: r.Task.Title}
		out.Succeeded++
	}
	return out, bulkText(status, out.Results), nil
}

// taskPatch validates update_task's input and names the changed fields.
func (s *server) taskPatch(ctx context.Context, in updateTaskIn) (models.TaskPatch, []string, error) {
	p := models.TaskPatch{Location: s.zone(ctx)}
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
	if in.Repeat != nil {
		if in.Repeat.Every == everyNone {
			if in.Repeat.Interval != 0 || in.Repeat.Weekdays != nil || in.Repeat.Until != "" || in.Repeat.Count != 0 {
				return p, nil, userErrorf("repeat {\"every\":\"none\"} stops repeating and takes no other fields.")
			}
			p.ClearRepeat = true
		} else {
			rule, err := repeatRule(*in.Repeat)
			if err != nil {
				return p, nil, err
			}
			p.Repeat = &rule
			p.DefaultDue = &models.Due{At: models.Today(s.clock(ctx), s.zone(ctx))}
		}
		changed = append(changed, "repeat")
	}
	if p.Empty() && !in.Restore {
		return p, nil, userErrorf("Nothing to update: give at least one of title, description, priority, due, tags, clear_due, repeat or restore.")
	}
	return p, changed, nil
}
