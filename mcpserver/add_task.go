package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// addTaskIn is add_task's input.
type addTaskIn struct {
	Title       string   `json:"title" jsonschema:"short one-line title, e.g. Buy milk"`
	Description string   `json:"description,omitempty" jsonschema:"optional details"`
	Priority    string   `json:"priority,omitempty" jsonschema:"low, medium or high"`
	Due         string   `json:"due,omitempty" jsonschema:"optional due date: YYYY-MM-DD, or an RFC 3339 date-time such as 2026-05-01T17:00:00Z"`
	Tags        []string `json:"tags,omitempty" jsonschema:"optional labels such as work or home: letters, digits, - and _ (stored lowercase)"`
}

// addTaskOut is add_task's structured result.
type addTaskOut struct {
	TaskID int64    `json:"task_id" jsonschema:"the new task's number; use it as task_id in other tools"`
	Status string   `json:"status"`
	Title  string   `json:"title"`
	Task   taskJSON `json:"task"`
}

// addTaskTool defines add_task.
func addTaskTool() *mcp.Tool {
	in := schemaFor[addTaskIn]()
	constrainTaskFields(in)
	prop(in, "priority").Default = json.RawMessage(`"medium"`)
	out := schemaFor[addTaskOut]()
	prop(out, "status").Enum = enum("created")
	return &mcp.Tool{
		Name:  "add_task",
		Title: "Add task",
		Description: "Add a new task to the user's task list. Use it when the user asks to add, remember or " +
			"schedule something to do. Returns the new task and its task_id, the user's task number that " +
			"list_tasks shows and the other tools take. " + dateHelp + " Work out relative dates such as " +
			"\"tomorrow\" before calling.",
		Annotations:  annotations(false, false, false),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// addTask creates a task from validated input.
func (s *server) addTask(ctx context.Context, user string, in addTaskIn) (addTaskOut, string, error) {
	nt, err := newTask(in)
	if err != nil {
		return addTaskOut{}, "", err
	}
	t, err := s.st.CreateTask(ctx, user, nt)
	if err != nil {
		return addTaskOut{}, "", fmt.Errorf("create task: %w", err)
	}
	s.changed(ctx, user, models.ChangeCreated, t.Number)
	tj := toTaskJSON(t, s.now())
	out := addTaskOut{TaskID: tj.TaskID, Status: "created", Title: tj.Title, Task: tj}
	return out, fmt.Sprintf("Added task %d: %s", tj.TaskID, tj.Title), nil
}

// newTask validates add_task's input.
func newTask(in addTaskIn) (models.NewTask, error) {
	var nt models.NewTask
	var err error
	if nt.Title, err = models.ValidateTitle(in.Title); err != nil {
		return nt, err
	}
	if nt.Description, err = models.ValidateDescription(in.Description); err != nil {
		return nt, err
	}
	if nt.Priority, err = models.ParsePriority(in.Priority); err != nil {
		return nt, err
	}
	if in.Due != "" {
		d, err := models.ParseDue("due", in.Due)
		if err != nil {
			return nt, err
		}
		nt.Due = &d
	}
	if nt.Tags, err = models.NormalizeTags(in.Tags); err != nil {
		return nt, err
	}
	return nt, nil
}
