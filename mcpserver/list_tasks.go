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
	Status    string `json:"status,omitempty" jsonschema:"which tasks: all, pending (not done), completed, or deleted (the trash)"`
	Priority  string `json:"priority,omitempty" jsonschema:"only tasks with this priority"`
	Tag       string `json:"tag,omitempty" jsonschema:"only tasks with this tag"`
	Query     string `json:"query,omitempty" jsonschema:"only tasks whose title or description contains this text (ignoring case)"`
	DueBefore string `json:"due_before,omitempty" jsonschema:"only tasks due before this date (YYYY-MM-DD) or moment (RFC 3339)"`
	DueAfter  string `json:"due_after,omitempty" jsonschema:"only tasks due after this date (YYYY-MM-DD, the whole day excluded) or moment (RFC 3339)"`
	Overdue   bool   `json:"overdue,omitempty" jsonschema:"only pending tasks whose due date has passed"`
	Repeating bool   `json:"repeating,omitempty" jsonschema:"only repeating tasks"`
	Sort      string `json:"sort,omitempty" jsonschema:"order: created (oldest first), due (soonest first, undated last), priority (high first), title (A-Z) or deleted (the trash, most recently deleted first)"`
	Limit     int    `json:"limit,omitempty" jsonschema:"page size: up to 100 (default 50), or with ids_only up to 1000 (default 1000)"`
	IDsOnly   bool   `json:"ids_only,omitempty" jsonschema:"return only the matching task numbers (task_ids), for a bulk action"`
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
	Tasks      []taskJSON `json:"tasks" jsonschema:"the tasks on this page; empty with ids_only"`
	TaskIDs    []int64    `json:"task_ids,omitempty" jsonschema:"with ids_only: the numbers of the matching tasks on this page"`
	Counts     taskCounts `json:"counts" jsonschema:"totals over all of the user's tasks, whatever the filters"`
	NextCursor string     `json:"next_cursor,omitempty" jsonschema:"present when more tasks match: pass it as cursor to get the next page"`
}

// listTasksTool defines list_tasks.
func listTasksTool() *mcp.Tool {
	in := schemaFor[listTasksIn]()
	status := prop(in, "status")
	status.Enum = enum(models.StatusAll, models.StatusPending, models.StatusCompleted, models.StatusDeleted)
	status.Default = json.RawMessage(`"all"`)
	prop(in, "priority").Enum = enum(models.Priorities...)
	prop(in, "tag").MaxLength = jsonschema.Ptr(models.MaxTagLen)
	prop(in, "query").MaxLength = jsonschema.Ptr(models.MaxTitleLen)
	prop(in, "due_before").MaxLength = new(40)
	prop(in, "due_after").MaxLength = new(40)
	sort := prop(in, "sort")
	sort.Enum = enum(models.SortCreated, models.SortDue, models.SortPriority, models.SortTitle, models.SortDeleted)
	sort.Default = json.RawMessage(`"created"`)
	limit := prop(in, "limit")
	limit.Minimum = new(1.0)
	limit.Maximum = jsonschema.Ptr(float64(models.MaxNumbersLimit))
	// No "default": the SDK would apply it, and ids_only has its own (1000).
	prop(in, "cursor").MaxLength = new(1000)
	return &mcp.Tool{
		Name:  "list_tasks",
		Title: "List tasks",
		Description: "List the user's tasks, optionally filtered and sorted, one page at a time. Use it to show " +
			"the user their tasks, to answer questions about them, or to look up task_ids. Each task's task_id " +
			"is the user's task number, not its position in this list. counts covers all of the user's tasks. " +
			"When next_cursor is present, more tasks match: call again with the same arguments and " +
			"cursor=next_cursor. status=deleted shows the trash. repeating=true selects repeating tasks. " +
			"ids_only=true returns just the matching task_ids (up to 1000), to pass to a bulk call. " + dateHelp,
		Annotations:  annotations(true, false, true),
		InputSchema:  in,
		OutputSchema: schemaFor[listTasksOut](),
	}
}

// listTasks returns one page of the user's tasks.
func (s *server) listTasks(ctx context.Context, user string, in listTasksIn) (listTasksOut, string, error) {
	now := s.clock(ctx)
	f, err := taskFilter(in, now)
	if err != nil {
		return listTasksOut{}, "", err
	}
	page, err := s.st.ListTasks(ctx, user, f)
	if err != nil {
		return listTasksOut{}, "", fmt.Errorf("list tasks: %w", err)
	}
	out := listTasksOut{
		Tasks:      make([]taskJSON, 0, len(page.Tasks)),
		Counts:     taskCounts(page.Counts),
		NextCursor: page.NextCursor,
	}
	if in.IDsOnly {
		out.TaskIDs = make([]int64, len(page.Tasks))
		for i, t := range page.Tasks {
			out.TaskIDs[i] = t.Number
		}
		return out, idsText(out), nil
	}
	for _, t := range page.Tasks {
		out.Tasks = append(out.Tasks, toTaskJSON(t, now))
	}
	if f.Status == models.StatusDeleted {
		return out, trashText(out, s.trashFor()), nil
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

		NumbersOnly: in.IDsOnly,
	}
	if in.Repeating {
		f.Repeating = new(true)
	}
	switch {
	case in.IDsOnly && in.Limit == 0:
		f.Limit = models.MaxNumbersLimit
	case !in.IDsOnly && in.Limit > models.MaxListLimit:
		return f, userErrorf("Invalid arguments: \"limit\" must be at most %d, not %d (only ids_only=true lists up to %d).", models.MaxListLimit, in.Limit, models.MaxNumbersLimit)
	}
	if f.Sort == models.SortDeleted && f.Status != models.StatusDeleted {
		return f, userErrorf("Invalid sort: deleted orders the trash; give status=\"deleted\" as well.")
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
	b.Grow(64 * (len(out.Tasks) + 1)) // a line per task, most of them short
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
		b.WriteByte('\n')
		writeTaskLine(&b, t)
	}
	if out.NextCursor != "" {
		fmt.Fprintf(&b, "\nMore tasks match: call list_tasks again with cursor %q.", out.NextCursor)
	}
	return b.String()
}

// idsText is the summary of an ids_only page: "3 matching task ids: 1, 4, 9".
func idsText(out listTasksOut) string {
	if len(out.TaskIDs) == 0 {
		return "No tasks match."
	}
	ids := make([]string, len(out.TaskIDs))
	for i, n := range out.TaskIDs {
		ids[i] = fmt.Sprint(n)
	}
	text := fmt.Sprintf("%s: %s", plural(int64(len(ids)), "matching task id"), strings.Join(ids, ", "))
	if out.NextCursor != "" {
		text += fmt.Sprintf("\nMore tasks match: call list_tasks again with cursor %q.", out.NextCursor)
	}
	return text
}

// trashText is the summary of a page of the trash.
func trashText(out listTasksOut, keep string) string {
	if len(out.Tasks) == 0 {
		return "The trash is empty."
	}
	var b strings.Builder
	b.WriteString("In the trash (restore with update_task(restore=true)")
	if keep != "" {
		b.WriteString("; kept " + keep + " after deletion")
	}
	b.WriteString("):")
	for _, t := range out.Tasks {
		b.WriteByte('\n')
		writeTaskLine(&b, t)
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
