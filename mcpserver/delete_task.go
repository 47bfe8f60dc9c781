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
	TaskID int64 `json:"task_id" jsonschema:"the user's task number (from list_tasks, add_task or find_task_by_name)"`
}

// deleteTaskOut is delete_task's structured result.
type deleteTaskOut struct {
	TaskID int64  `json:"task_id"`
	Status string `json:"status"`
	Title  string `json:"title" jsonschema:"the title of the deleted task"`
}

// deleteTaskTool defines delete_task.
func deleteTaskTool() *mcp.Tool {
	in := schemaFor[deleteTaskIn]()
	taskIDSchema(in)
	out := schemaFor[deleteTaskOut]()
	prop(out, "status").Enum = enum("deleted")
	return &mcp.Tool{
		Name:  "delete_task",
		Title: "Delete task",
		Description: "Delete one of the user's tasks for good. Use it only when the user asks to delete or remove " +
			"a task; to mark a task as done, use complete_task instead. " + taskIDHelp + " If the user names " +
			"the task, call find_task_by_name first to get its task_id.",
		Annotations:  annotations(false, true, true),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// deleteTask deletes one task of user.
func (s *server) deleteTask(ctx context.Context, user string, in deleteTaskIn) (deleteTaskOut, string, error) {
	t, err := s.st.DeleteTask(ctx, user, in.TaskID)
	if errors.Is(err, models.ErrNotFound) {
		return deleteTaskOut{}, "", notFound(in.TaskID)
	}
	if err != nil {
		return deleteTaskOut{}, "", fmt.Errorf("delete task: %w", err)
	}
	s.changed(ctx, user, models.ChangeDeleted, t.Number)
	out := deleteTaskOut{TaskID: t.Number, Status: "deleted", Title: t.Title}
	return out, fmt.Sprintf("Deleted task %d: %s", t.Number, t.Title), nil
}
