package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// listTasksIn is list_tasks' input.
type listTasksIn struct {
	Status    string `json:"status,omitempty" jsonschema:"which tasks: all, pending (not done) or completed"`
	Priority  string `json:"priority,omitempty" jsonschema:"only tasks with this priority"`
	Tag       string `json:"tag,omitempty" jsonschema:"only tasks with this tag"`
	Query     string `json:"query,omitempty" jsonschema:"only tasks whose title or description contains this text (ignoring case)"`
	DueBefore string `json:"due_before,omitempty" jsonschema:"only tasks due before this date (YYYY-MM-DD) or moment (RFC 3339)"`
	DueAfter  string `json:"due_after,omitempty" jsonschema:"only tasks due after this date (YYYY-MM-DD, the whole day excluded) or moment (RFC 3339)"`
	Overdue   bool   `json:"overdue,omitempty" jsonschema:"only pending tasks whose due date has passed"`
	Sort      string `json:"sort,omitempty" jsonschema:"order: created (oldest first), due (soonest first, undated last), priority (high first) or title (A-Z)"`
	Limit     int    `json:"limit,omitempty" jsonschema:"page size"`
	Cursor    string `json:"cursor,omitempty" jsonschema:"next_cursor from the previous page; keep the other arguments the same"`
}

// taskCounts are the user's task totals.
type taskCounts struct {
	Total     int64 `json:"total"`
	Pending   int64 `json:"pending"`
	Completed int64 `json:"completed"`
}

// listTasksOut is list_tasks' structured result.
type listTasksOut struct {
	Tasks      []taskJSON `json:"tasks" jsonschema:"the tasks on this page"`
	Counts     taskCounts `json:"counts" jsonschema:"totals over all of the user's tasks, whatever the filters"`
	NextCursor string     `json:"next_cursor,omitempty" jsonschema:"present when more tasks match: pass it as cursor to get the next page"`
}

// listTasksTool defines list_tasks.
func listTasksTool() *mcp.Tool {
	in := schemaFor[listTasksIn]()
	status := prop(in, "status")
	status.Enum = enum(models.StatusAll, models.StatusPending, models.StatusCompleted)
	status.Default = json.RawMessage(`"all"`)
	prop(in, "priority").Enum = enum(models.Priorities...)
	prop(in, "tag").MaxLength = jsonschema.Ptr(models.MaxTagLen)
	prop(in, "query").MaxLength = jsonschema.Ptr(models.MaxTitleLen)
	prop(in, "due_before").MaxLength = new(40)
	prop(in, "due_after").MaxLength = new(40)
	sort := prop(in, "sort")
	sort.Enum = enum(models.SortCreated, models.SortDue, models.SortPriority, models.SortTitle)
	sort.Default = json.RawMessage(`"created"`)
	limit := prop(in, "limit")
	limit.Minimum = new(1.0)
	limit.Maximum = jsonschema.Ptr(float64(models.MaxListLimit))
	limit.Default = json.RawMessage(fmt.Sprint(models.DefaultListLimit))
	prop(in, "cursor").MaxLength = new(1000)
	return &mcp.Tool{
		Name:  "list_tasks",
		Title: "List tasks",
		Description: "List the user's tasks, optionally filtered and sorted, one page at a time. Use it to show " +
			"the user their tasks, to answer questions about them, or to look up task_ids. Each task's task_id " +
			"is the user's task number, not its position in this list. counts covers all of the user's tasks. " +
			"When next_cursor is present, more tasks match: call again with the same arguments and " +
			"cursor=next_cursor. " + dateHelp,
		Annotations:  annotations(true, false, true),
		InputSchema:  in,
		OutputSchema: schemaFor[listTasksOut](),
	}
}

// listTasks returns one page of the user's tasks.
func (s *server) listTasks(ctx context.Context, user string, in listTasksIn) (listTasksOut, string, error) {
	now := s.now()
	f, err := taskFilter(in, now)
	if err != nil {
		return listTasksOut{}, "", err
	}
	page, err := s.st.ListTasks(ctx, user, f)
	if err != nil {
		return listTasksOut{}, "", fmt.Errorf("list tasks: %w", err)
	}
	out := listTasksOut{
		Tasks:      make([]taskJSON, len(page.Tasks)),
		Counts:     taskCounts(page.Counts),
		NextCursor: page.NextCursor,
	}
	for i, t := range page.Tasks {
		out.Tasks[i] = toTaskJSON(t, now)
	}
	return out, listText(out), nil
}

// taskFilter validates list_tasks' input. The schema has already checked
// the enums and the limit.
func taskFilter(in listTasksIn, now time.Time) (models.TaskFilter, error) {
	query, err := models.ValidateLine("query", in.Query, models.MaxTitleLen)
	if err != nil {
		return models.TaskFilter{}, err
	}
	f := models.TaskFilter{
		Status:  models.Status(in.Status),
		Query:   query,
		Overdue: in.Overdue,
		Now:     now,
		Sort:    models.Sort(in.Sort),
		Limit:   in.Limit,
		Cursor:  in.Cursor,
	}
	if in.Priority != "" {
		if f.Priority, err = models.ParsePriority(in.Priority); err != nil {
			return f, err
		}
	}
	if in.Tag != "" {
		if f.Tag, err = models.NormalizeTag(in.Tag); err != nil {
			if ve, ok := errors.AsType[*models.ValidationError](err); ok {
				return f, &models.ValidationError{Field: "tag", Reason: ve.Reason}
			}
			return f, err
		}
	}
	if in.DueBefore != "" {
		d, err := models.ParseDue("due_before", in.DueBefore)
		if err != nil {
			return f, err
		}
		f.DueBefore = &d.At
	}
	if in.DueAfter != "" {
		d, err := models.ParseDue("due_after", in.DueAfter)
		if err != nil {
			return f, err
		}
		at := d.At
		if !d.HasTime {
			// After a date means from the next day on. Due times are whole
			// seconds, so the day's last second is a safe bound on both
			// databases.
			at = at.AddDate(0, 0, 1).Add(-time.Second)
		}
		f.DueAfter = &at
	}
	return f, nil
}

// listText is the human summary of a page:
//
//	3 tasks (2 pending, 1 completed):
//	#1 [ ] Buy milk (due 2026-11-28, high)
func listText(out listTasksOut) string {
	c := out.Counts
	counts := fmt.Sprintf("%s (%d pending, %d completed)", plural(c.Total, "task"), c.Pending, c.Completed)
	var b strings.Builder
	switch {
	case c.Total == 0:
		return "The user has no tasks yet."
	case len(out.Tasks) == 0:
		return "No tasks match. The user has " + counts + "."
	case int64(len(out.Tasks)) == c.Total:
		b.WriteString(counts + ":")
	default:
		fmt.Fprintf(&b, "Showing %d of the user's %s:", len(out.Tasks), counts)
	}
	for _, t := range out.Tasks {
		b.WriteString("\n" + taskLine(t))
	}
	if out.NextCursor != "" {
		fmt.Fprintf(&b, "\nMore tasks match: call list_tasks again with cursor %q.", out.NextCursor)
	}
	return b.String()
}

// plural formats n with noun, adding an "s" unless n is 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
