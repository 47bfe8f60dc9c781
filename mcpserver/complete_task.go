package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// completeTaskIn is complete_task's input.
type completeTaskIn struct {
	TaskID    int64 `json:"task_id" jsonschema:"the user's task number (from list_tasks, add_task or find_task_by_name)"`
	Completed bool  `json:"completed,omitempty" jsonschema:"true to mark the task done, false to make it pending again"`
}

// completeTaskOut is complete_task's structured result.
type completeTaskOut struct {
	TaskID int64  `json:"task_id"`
	Status string `json:"status" jsonschema:"completed, or reopened when completed was false"`
	Title  string `json:"title"`
}

// completeTaskTool defines complete_task.
func completeTaskTool() *mcp.Tool {
	in := schemaFor[completeTaskIn]()
	taskIDSchema(in)
	prop(in, "completed").Default = json.RawMessage(`true`)
	out := schemaFor[completeTaskOut]()
	prop(out, "status").Enum = enum("completed", "reopened")
	return &mcp.Tool{
		Name:  "complete_task",
		Title: "Complete task",
		Description: "Mark one of the user's tasks as done, or as not done again with completed=false. It sets " +
			"the state and never toggles it, so repeating a call is harmless. " + taskIDHelp + " If the user " +
			"names the task, call find_task_by_name first to get its task_id.",
		Annotations:  annotations(false, false, true),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// completeTask sets a task's completed state; it writes only when the
// state changes.
func (s *server) completeTask(ctx context.Context, user string, in completeTaskIn) (completeTaskOut, string, error) {
	status, verb := "completed", "Completed"
	if !in.Completed {
		status, verb = "reopened", "Reopened"
	}
	t, err := s.st.GetTask(ctx, user, in.TaskID)
	if errors.Is(err, models.ErrNotFound) {
		return completeTaskOut{}, "", notFound(in.TaskID)
	}
	if err != nil {
		return completeTaskOut{}, "", fmt.Errorf("get task: %w", err)
	}
	if t.Completed == in.Completed {
		// Nothing to change; say so, so the model can tell the user.
		out := completeTaskOut{TaskID: t.Number, Status: status, Title: t.Title}
		state := "completed"
		if !t.Completed {
			state = "pending"
		}
		return out, fmt.Sprintf("Task %d was already %s: %s", t.Number, state, t.Title), nil
	}
	t, err = s.st.SetTaskCompleted(ctx, user, in.TaskID, in.Completed)
	if errors.Is(err, models.ErrNotFound) {
		return completeTaskOut{}, "", notFound(in.TaskID)
	}
	if err != nil {
		return completeTaskOut{}, "", fmt.Errorf("set task completed: %w", err)
	}
	kind := models.ChangeCompleted
	if !in.Completed {
		kind = models.ChangeReopened
	}
	s.changed(ctx, user, kind, t.Number)
	out := completeTaskOut{TaskID: t.Number, Status: status, Title: t.Title}
	return out, fmt.Sprintf("%s task %d: %s", verb, t.Number, t.Title), nil
}
