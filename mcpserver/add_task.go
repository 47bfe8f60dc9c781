package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// maxAddTasks is how many tasks one add_task call takes.
const maxAddTasks = 25

// addTaskIn is add_task's input: one task (title and its fields) or
// several (tasks).
type addTaskIn struct {
	Title       string        `json:"title,omitempty" jsonschema:"short one-line title, e.g. Buy milk"`
	Description string        `json:"description,omitempty" jsonschema:"optional details"`
	Priority    string        `json:"priority,omitempty" jsonschema:"low, medium or high"`
	Due         string        `json:"due,omitempty" jsonschema:"optional due date: YYYY-MM-DD, or an RFC 3339 date-time such as 2026-05-01T17:00:00Z"`
	Tags        []string      `json:"tags,omitempty" jsonschema:"optional labels such as work or home: letters, digits, - and _ (stored lowercase)"`
	Repeat      *repeatIn     `json:"repeat,omitempty" jsonschema:"optional repeat rule, e.g. {\"every\":\"month\"}; the due date defaults to today"`
	Tasks       []addTaskItem `json:"tasks,omitempty" jsonschema:"several tasks at once, instead of title and the fields above"`
}

// addTaskItem is one task of add_task's tasks.
type addTaskItem struct {
	Title       string    `json:"title" jsonschema:"short one-line title"`
	Description string    `json:"description,omitempty"`
	Priority    string    `json:"priority,omitempty" jsonschema:"low, medium or high"`
	Due         string    `json:"due,omitempty" jsonschema:"YYYY-MM-DD or an RFC 3339 date-time"`
	Tags        []string  `json:"tags,omitempty"`
	Repeat      *repeatIn `json:"repeat,omitempty" jsonschema:"optional repeat rule"`
}

// addTaskOut is add_task's structured result: the task for one, the
// results for several.
type addTaskOut struct {
	TaskID    int64        `json:"task_id,omitempty" jsonschema:"the new task's number; use it as task_id in other tools"`
	Status    string       `json:"status,omitempty"`
	Title     string       `json:"title,omitempty"`
	Task      *taskJSON    `json:"task,omitempty"`
	Results   []itemResult `json:"results,omitempty" jsonschema:"with tasks: one result per item, in order"`
	Succeeded int          `json:"succeeded,omitempty" jsonschema:"with tasks: how many were added"`
}

// addTaskTool defines add_task.
func addTaskTool() *mcp.Tool {
	in := schemaFor[addTaskIn]()
	constrainTaskFields(in)
	constrainRepeat(in, false)
	prop(in, "priority").Default = json.RawMessage(`"medium"`)
	items := prop(in, "tasks")
	items.MinItems, items.MaxItems = new(1), jsonschema.Ptr(maxAddTasks)
	constrainTaskFields(items.Items)
	constrainRepeat(items.Items, false)
	out := schemaFor[addTaskOut]()
	prop(out, "status").Enum = enum("created")
	return &mcp.Tool{
		Name:  "add_task",
		Title: "Add task",
		Description: "Add a new task to the user's task list. Use it when the user asks to add, remember or " +
			"schedule something to do. Returns the new task and its task_id, the user's task number that " +
			"list_tasks shows and the other tools take. " + dateHelp + " Work out relative dates such as " +
			"\"tomorrow\" before calling. repeat makes a repeating task (e.g. every month). To add several " +
			"tasks, give tasks (up to 25) instead of title: each is added or fails on its own.",
		Annotations:  annotations(false, false, false),
		InputSchema:  in,
		OutputSchema: out,
	}
}

// addTask creates one task, or several from tasks.
func (s *server) addTask(ctx context.Context, user string, in addTaskIn) (addTaskOut, string, error) {
	if in.Tasks != nil {
		// priority "medium" may be the schema default the SDK filled in.
		if in.Title != "" || in.Description != "" || (in.Priority != "" && in.Priority != string(models.PriorityMedium)) || in.Due != "" || in.Tags != nil || in.Repeat != nil {
			return addTaskOut{}, "", userErrorf("Give either title (and its fields) for one task or tasks for several, not both.")
		}
		return s.addTasks(ctx, user, in.Tasks)
	}
	if in.Title == "" {
		return addTaskOut{}, "", userErrorf("Invalid arguments: missing required argument \"title\" (or \"tasks\" for several tasks).")
	}
	nt, err := s.newTask(ctx, addTaskItem{Title: in.Title, Description: in.Description, Priority: in.Priority,
		Due: in.Due, Tags: in.Tags, Repeat: in.Repeat})
	if err != nil {
		return addTaskOut{}, "", err
	}
	t, err := s.st.CreateTask(ctx, user, nt)
	if err != nil {
		return addTaskOut{}, "", fmt.Errorf("create task: %w", err)
	}
	s.changed(ctx, user, models.TaskCreated, t.Number)
	tj := toTaskJSON(t, s.clock(ctx))
	out := addTaskOut{TaskID: tj.TaskID, Status: "created", Title: tj.Title, Task: &tj}
	text := fmt.Sprintf("Added task %d: %s", tj.TaskID, tj.Title)
	if tj.RepeatText != "" {
		text += fmt.Sprintf(" (repeats %s, first due %s)", tj.RepeatText, dayText(t.DueValue(), s.clock(ctx), s.zone(ctx)))
	}
	return out, text, nil
}

// addTasks creates the valid items in one transaction and reports the
// others' errors.
func (s *server) addTasks(ctx context.Context, user string, items []addTaskItem) (addTaskOut, string, error) {
	results := make([]itemResult, len(items))
	var good []models.NewTask
	var at []int
	for i, it := range items {
		nt, err := s.newTask(ctx, it)
		if err != nil {
			msg := err.Error()
			if ve, ok := err.(*models.ValidationError); ok {
				msg = fmt.Sprintf("Item %d: invalid %s: %s.", i+1, ve.Field, ve.Reason)
			}
			results[i] = itemResult{Item: i + 1, Error: msg}
			continue
		}
		good = append(good, nt)
		at = append(at, i)
	}
	out := addTaskOut{Results: results}
	if len(good) > 0 {
		created, err := s.st.CreateTasks(ctx, user, good)
		if err != nil {
			return addTaskOut{}, "", fmt.Errorf("create tasks: %w", err)
		}
		numbers := make([]int64, len(created))
		for j, t := range created {
			results[at[j]] = itemResult{Item: at[j] + 1, TaskID: t.Number, Status: "created", Title: t.Title}
			numbers[j] = t.Number
		}
		out.Succeeded = len(created)
		s.changed(ctx, user, models.TaskCreated, numbers...)
	}
	return out, bulkText("added", results), nil
}

// newTask validates one task of add_task's input. A repeating task without
// a due date is due today in the user's time zone (or on the rule's first
// weekday from today).
func (s *server) newTask(ctx context.Context, in addTaskItem) (models.NewTask, error) {
	nt := models.NewTask{Location: s.zone(ctx)}
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
	if in.Repeat != nil {
		rule, err := repeatRule(*in.Repeat)
		if err != nil {
			return nt, err
		}
		nt.Repeat = &rule
		if nt.Due == nil {
			nt.Due = &models.Due{At: rule.FirstDate(models.Today(s.clock(ctx), s.zone(ctx)))}
		}
	}
	return nt, nil
}
