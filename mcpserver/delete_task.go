package mcpserver

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// deleteTaskIn is delete_task's input.
type deleteTaskIn struct {
	TaskID  int64   `json:"task_id,omitempty" jsonschema:"the user's task number (from list_tasks, add_task or find_task_by_name)"`
	TaskIDs []int64 `json:"task_ids,omitempty" jsonschema:"several task numbers at once, instead of task_id"`
}

// deleteTaskOut is delete_task's structured result.
type deleteTaskOut struct {
	TaskID    int64        `json:"task_id,omitempty"`
	Status    string       `json:"status,omitempty"`
	Title     string       `json:"title,omitempty" jsonschema:"the title of the deleted task"`
	Results   []itemResult `json:"results,omitempty" jsonschema:"with task_ids: one result per task, in order"`
	Succeeded int          `json:"succeeded,omitempty" jsonschema:"with task_ids: how many were deleted"`
}

// deleteTaskTool defines delete_task.
func deleteTaskTool() *mcp.Tool {
	in := schemaFor[deleteTaskIn]()
	taskIDsSchema(in)
	out := schemaFor[deleteTaskOut]()
	prop(out, "status").Enum = enum("deleted")
	return &mcp.Tool{
		Name:  "delete_task",
		Title: "Delete task",
		Description: "Move one of the user's tasks to the trash. Use it only when the user asks to delete or remove " +
			"a task; to mark a task as done, use complete_task instead. The trash keeps tasks for a while (the result says how long): " +
			"update_task(restore=true) brings them back. task_ids deletes several at once. " + taskIDHelp +
			" If the user names the task, call find_task_by_name first to get its task_id.",
		Annotations:  annotations(false, true, true),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// deleteTask moves tasks of user to the trash.
func (s *server) deleteTask(ctx context.Context, user string, in deleteTaskIn) (deleteTaskOut, string, error) {
	ns, bulk, err := targets(in.TaskID, in.TaskIDs)
	if err != nil {
		return deleteTaskOut{}, "", err
	}
	res, err := s.st.DeleteTasks(ctx, user, ns)
	if err != nil {
		return deleteTaskOut{}, "", fmt.Errorf("delete tasks: %w", err)
	}
	s.changedResults(ctx, user, res)
	keep := s.trashFor()
	if keep != "" {
		keep = " " + keep
	}
	if !bulk {
		r := res[0]
		if errors.Is(r.Err, models.ErrNotFound) {
			return deleteTaskOut{}, "", notFound(r.Number)
		}
		if r.Err != nil {
			return deleteTaskOut{}, "", r.Err
		}
		out := deleteTaskOut{TaskID: r.Task.Number, Status: "deleted", Title: r.Task.Title}
		return out, fmt.Sprintf("Deleted task %d: %s. It is in the trash%s: update_task(task_id=%d, restore=true) restores it.",
			r.Task.Number, r.Task.Title, keep, r.Task.Number), nil
	}
	out := deleteTaskOut{Results: make([]itemResult, len(res))}
	for i, r := range res {
		if r.Err != nil {
			item, ok := itemError(r.Number, r.Err)
			if !ok {
				return deleteTaskOut{}, "", r.Err
			}
			out.Results[i] = item
			continue
		}
		out.Results[i] = itemResult{TaskID: r.Task.Number, Status: "deleted", Title: r.Task.Title}
		out.Succeeded++
	}
	text := bulkText("deleted", out.Results)
	if out.Succeeded > 0 {
		text += fmt.Sprintf("\nDeleted tasks stay in the trash%s: update_task(task_ids=[...], restore=true) restores them.", keep)
	}
	return out, text, nil
}
