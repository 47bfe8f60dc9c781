package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/pane"
)

// The live task pane (chatserver's /api/v1/tasks routes) reads and changes
// the user's tasks through the same MCP server, as the user, as the chat
// does: ListTasks calls list_tasks and ChangeTask complete_task,
// delete_task or update_task. The pane never reads the database itself.

// paneLimit is the pane's page size.
const paneLimit = 50

// ListTasks returns a page of user's tasks for the pane and the
// composer's task search, by calling list_tasks as user (q.Search is its
// query). q.Location is the user's time zone for "today" and "overdue"
// (nil means the request's, see location). A tool error is a
// *pane.TaskError; an MCP server that cannot be reached another error.
func (a *Agent) ListTasks(ctx context.Context, user string, q pane.ListQuery) (pane.TaskPage, error) {
	loc, filter, cursor := q.Location, q.Filter, q.Cursor
	if loc == nil {
		loc = a.location(ctx)
	}
	ctx = chatkit.WithTimeZone(ctx, loc) // for the MCP server's "overdue" too
	args := map[string]any{"limit": paneLimit, "sort": "due"}
	if search := strings.TrimSpace(q.Search); search != "" {
		args["query"] = search
	}
	var keep func(pane.PaneTask) bool
	switch filter {
	case pane.FilterToday:
		lo, hi, day := todayWindow(a.cfg.Now().In(loc))
		args["status"], args["due_after"], args["due_before"] = "pending", lo, hi
		keep = func(t pane.PaneTask) bool { return dueDay(t.Due, loc) == day }
	case pane.FilterOverdue:
		args["status"], args["overdue"] = "pending", true
	case pane.FilterAll:
		args["status"] = "all"
	case pane.FilterCompleted:
		args["status"] = "completed"
		delete(args, "sort") // newest first is not offered; creation order
	default:
		return pane.TaskPage{}, pane.ErrBadFilter
	}
	if cursor != "" {
		args["cursor"] = cursor
	}
	b, err := json.Marshal(args)
	if err != nil {
		return pane.TaskPage{}, fmt.Errorf("encode list filter: %w", err)
	}
	s, err := a.connect(ctx, user)
	if err != nil {
		return pane.TaskPage{}, err
	}
	defer s.close()
	rec, _, err := s.call(ctx, "list_tasks", b)
	if err != nil {
		return pane.TaskPage{}, err
	}
	if rec.Status != StatusOK {
		return pane.TaskPage{}, &pane.TaskError{Message: paneFailure(rec), Err: errors.New(rec.Error)}
	}
	var page pane.TaskPage
	raw, err := json.Marshal(rec.Result)
	if err == nil {
		err = json.Unmarshal(raw, &page)
	}
	if err != nil {
		return pane.TaskPage{}, fmt.Errorf("decode list_tasks result: %w", err)
	}
	page.Filter = filter
	tasks := make([]pane.PaneTask, 0, len(page.Tasks))
	for _, t := range page.Tasks {
		if keep == nil || keep(t) {
			if t.Tags == nil {
				t.Tags = []string{}
			}
			tasks = append(tasks, t)
		}
	}
	page.Tasks = tasks
	return page, nil
}

// todayWindow returns list_tasks due bounds (RFC 3339) that hold every
// task due on now's date, and that date. Date-only due dates are stored
// as that date at midnight UTC, and due times are compared in now's zone,
// so the window covers both; the result is then filtered by dueDay.
func todayWindow(now time.Time) (after, before, day string) {
	y, m, d := now.Date()
	local := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	utc := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	lo, hi := local, local.AddDate(0, 0, 1)
	if utc.Before(lo) {
		lo = utc
	}
	if e := utc.AddDate(0, 0, 1); e.After(hi) {
		hi = e
	}
	return lo.Add(-time.Second).UTC().Format(time.RFC3339), hi.UTC().Format(time.RFC3339), utc.Format(time.DateOnly)
}

// dueDay returns the date (YYYY-MM-DD) of a due value in loc: a date as
// is, a moment converted to loc; "" for none.
func dueDay(due string, loc *time.Location) string {
	if len(due) == len(time.DateOnly) {
		return due
	}
	t, err := time.Parse(time.RFC3339, due)
	if err != nil {
		return ""
	}
	return t.In(loc).Format(time.DateOnly)
}

// ChangeTask completes, reopens, deletes (to the trash) or restores
// user's task taskID for the pane, by calling the tool as user. change is
// one of the Change constants. A tool error (no such task...) is a
// *pane.TaskError; an MCP server that cannot be reached another error.
func (a *Agent) ChangeTask(ctx context.Context, user string, taskID int64, change string) (pane.TaskChanged, error) {
	var tool, args string
	switch change {
	case pane.ChangeComplete:
		tool, args = "complete_task", fmt.Sprintf(`{"task_id":%d,"completed":true}`, taskID)
	case pane.ChangeReopen:
		tool, args = "complete_task", fmt.Sprintf(`{"task_id":%d,"completed":false}`, taskID)
	case pane.ChangeDelete:
		tool, args = "delete_task", fmt.Sprintf(`{"task_id":%d}`, taskID)
	case pane.ChangeRestore:
		tool, args = "update_task", fmt.Sprintf(`{"task_id":%d,"restore":true}`, taskID)
	default:
		return pane.TaskChanged{}, fmt.Errorf("unknown task change %q", change)
	}
	s, err := a.connect(ctx, user)
	if err != nil {
		return pane.TaskChanged{}, err
	}
	defer s.close()
	rec, _, err := s.call(ctx, tool, json.RawMessage(args))
	if err != nil {
		return pane.TaskChanged{}, err
	}
	if rec.Status != StatusOK {
		notFound := strings.Contains(strings.ToLower(rec.Error), "not found")
		msg := paneFailure(rec)
		if notFound {
			msg = fmt.Sprintf("Task %d no longer exists.", taskID)
		}
		return pane.TaskChanged{}, &pane.TaskError{NotFound: notFound, Message: msg, Err: errors.New(rec.Error)}
	}
	var res struct {
		Title string `json:"title"`
	}
	if raw, err := json.Marshal(rec.Result); err == nil {
		_ = json.Unmarshal(raw, &res)
	}
	done := pane.TaskChanged{TaskID: taskID, Title: res.Title}
	what := map[string]string{
		pane.ChangeComplete: "Completed", pane.ChangeReopen: "Reopened",
		pane.ChangeDelete: "Moved to the trash", pane.ChangeRestore: "Restored",
	}[change]
	name := res.Title
	if name == "" {
		name = fmt.Sprintf("task %d", taskID)
	}
	done.Message = sentence(what + ": " + name)
	return done, nil
}

// paneFailure is a tool error in words for the pane's user: the first
// sentence of the tool's message, never its advice to a model.
func paneFailure(rec ToolCallRecord) string {
	msg := strings.TrimSpace(rec.Error)
	if i := strings.Index(msg, ". "); i >= 0 {
		msg = msg[:i+1]
	}
	if msg == "" {
		return "That didn't work."
	}
	return "That didn't work: " + sentence(msg)
}
