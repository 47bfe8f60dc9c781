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
	TaskID    int64   `json:"task_id,omitempty" jsonschema:"the user's task number (from list_tasks, add_task or find_task_by_name)"`
	TaskIDs   []int64 `json:"task_ids,omitempty" jsonschema:"several task numbers at once, instead of task_id"`
	Completed bool    `json:"completed,omitempty" jsonschema:"true to mark the task done, false to make it pending again (for a repeating task: undo its latest completion)"`
}

// completeTaskOut is complete_task's structured result.
type completeTaskOut struct {
	TaskID    int64        `json:"task_id,omitempty"`
	Status    string       `json:"status,omitempty" jsonschema:"completed, or reopened when completed was false"`
	Title     string       `json:"title,omitempty"`
	NextDue   string       `json:"next_due,omitempty" jsonschema:"for a repeating task: its next due date; the task is pending again"`
	Results   []itemResult `json:"results,omitempty" jsonschema:"with task_ids: one result per task, in order"`
	Succeeded int          `json:"succeeded,omitempty" jsonschema:"with task_ids: how many succeeded"`
}

// completeTaskTool defines complete_task.
func completeTaskTool() *mcp.Tool {
	in := schemaFor[completeTaskIn]()
	taskIDsSchema(in)
	prop(in, "completed").Default = json.RawMessage(`true`)
	out := schemaFor[completeTaskOut]()
	prop(out, "status").Enum = enum("completed", "reopened")
	return &mcp.Tool{
		Name:  "complete_task",
		Title: "Complete task",
		Description: "Mark one of the user's tasks as done, or as not done again with completed=false. It sets " +
			"the state and never toggles it, so repeating a call is harmless, except that each call on a repeating " +
			"task completes one occurrence: it moves to its next due date (next_due) and stays pending; " +
			"completed=false right after undoes that. " +
			"task_ids completes several at once. " + taskIDHelp + " If the user " +
			"names the task, call find_task_by_name first to get its task_id.",
		// Not idempotent: each call on a repeating task completes one more
		// occurrence.
		Annotations:  annotations(false, false, false),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// completeTask sets tasks' completed state; it writes only when the state
// changes.
func (s *server) completeTask(ctx context.Context, user string, in completeTaskIn) (completeTaskOut, string, error) {
	ns, bulk, err := targets(in.TaskID, in.TaskIDs)
	if err != nil {
		return completeTaskOut{}, "", err
	}
	res, err := s.st.CompleteTasks(ctx, user, ns, in.Completed, s.zone(ctx))
	if err != nil {
		return completeTaskOut{}, "", fmt.Errorf("complete tasks: %w", err)
	}
	s.changedResults(ctx, user, res)
	if !bulk {
		r := res[0]
		if errors.Is(r.Err, models.ErrNotFound) {
			return completeTaskOut{}, "", notFound(r.Number)
		}
		if r.Err != nil {
			return completeTaskOut{}, "", r.Err
		}
		item, text := s.completeResult(ctx, r, in.Completed)
		return completeTaskOut{TaskID: item.TaskID, Status: item.Status, Title: item.Title, NextDue: item.NextDue}, text, nil
	}
	out := completeTaskOut{Results: make([]itemResult, len(res))}
	for i, r := range res {
		if r.Err != nil {
			item, ok := itemError(r.Number, r.Err)
			if !ok {
				return completeTaskOut{}, "", r.Err
			}
			out.Results[i] = item
			continue
		}
		out.Results[i], _ = s.completeResult(ctx, r, in.Completed)
		out.Succeeded++
	}
	verb := "completed"
	if !in.Completed {
		verb = "reopened"
	}
	return out, bulkText(verb, out.Results), nil
}

// completeResult describes one task's successful result and its sentence.
func (s *server) completeResult(ctx context.Context, r models.TaskResult, completed bool) (itemResult, string) {
	t := r.Task
	item := itemResult{TaskID: t.Number, Status: "completed", Title: t.Title}
	if !completed {
		item.Status = "reopened"
	}
	now := s.clock(ctx)
	switch r.Change {
	case models.ChangeRolled:
		item.NextDue = t.Due()
		return item, fmt.Sprintf("Done. Next: %s. Task %d (%s) repeats %s and is pending again.",
			dayText(t.DueValue(), now, s.zone(ctx)), t.Number, t.Title, t.Repeat)
	case models.ChangeUnrolled:
		return item, fmt.Sprintf("Undid the last completion of task %d: %s is due %s again.",
			t.Number, t.Title, dayText(t.DueValue(), now, s.zone(ctx)))
	case models.ChangeCompleted:
		if t.Repeat != nil {
			return item, fmt.Sprintf("Completed task %d: %s. It repeated %s and has no more dates, so it is done for good.", t.Number, t.Title, t.Repeat)
		}
		return item, fmt.Sprintf("Completed task %d: %s", t.Number, t.Title)
	case models.ChangeReopened:
		return item, fmt.Sprintf("Reopened task %d: %s", t.Number, t.Title)
	}
	// Nothing to change; say so, so the model can tell the user.
	state := "completed"
	if !t.Completed {
		state = "pending"
	}
	return item, fmt.Sprintf("Task %d was already %s: %s", t.Number, state, t.Title)
}
