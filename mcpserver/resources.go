package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// Resources.
//
// task://{number} is one of the user's tasks; tasks://today,
// tasks://overdue and tasks://pending are views of the user's pending tasks.
// Reading any of them returns two contents with the same URI: JSON first
// (application/json, the shape the tools return) and then a short Markdown
// rendering (text/markdown) for a person or a model to read. One URI per
// resource keeps subscriptions and completions simple; a host that shows
// only one representation picks it by MIME type.
//
// resources/list lists the three views and then the user's pending tasks,
// paginated by the store's keyset cursor.

// Resource URIs and MIME types.
const (
	taskURIPrefix = "task://"
	viewURIPrefix = "tasks://"
	taskURITmpl   = "task://{number}"
	mimeJSON      = "application/json"
	mimeMarkdown  = "text/markdown"
	listPageSize  = 50
	viewLimit     = models.MaxListLimit
	viewToday     = "today"
	viewOverdue   = "overdue"
	viewPending   = "pending"
)

// views are the fixed resources, in listing order.
var views = []*mcp.Resource{
	{URI: viewURIPrefix + viewToday, Name: "today", Title: "Today's tasks", MIMEType: mimeJSON,
		Description: "The user's pending tasks due today."},
	{URI: viewURIPrefix + viewOverdue, Name: "overdue", Title: "Overdue tasks", MIMEType: mimeJSON,
		Description: "The user's pending tasks whose due date has passed, oldest first."},
	{URI: viewURIPrefix + viewPending, Name: "pending", Title: "Pending tasks", MIMEType: mimeJSON,
		Description: "The user's pending tasks, soonest due first (at most 100)."},
}

// taskTemplate is the resource template of one task.
func taskTemplate() *mcp.ResourceTemplate {
	return &mcp.ResourceTemplate{
		URITemplate: taskURITmpl,
		Name:        "task",
		Title:       "Task",
		Description: "One of the user's tasks by its task number (task_id), e.g. task://3.",
		MIMEType:    mimeJSON,
	}
}

// perUser is the cache hint of every resource result: it is one user's
// data and changes at any time, so only that user's client may cache it
// and it is stale at once (the SDK's default would be "public").
var perUser = mcp.Cacheable{TTLMs: 0, CacheScope: "private"}

// resourceRef is a parsed resource URI: a task number or a view name.
type resourceRef struct {
	number int64
	view   string
}

// parseResourceURI parses task://N (N a positive decimal without sign or
// leading zeros) and tasks://today|overdue|pending.
func parseResourceURI(uri string) (resourceRef, bool) {
	if rest, ok := strings.CutPrefix(uri, taskURIPrefix); ok {
		if rest == "" || rest[0] < '1' || rest[0] > '9' {
			return resourceRef{}, false
		}
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != rest {
			return resourceRef{}, false
		}
		return resourceRef{number: n}, true
	}
	if rest, ok := strings.CutPrefix(uri, viewURIPrefix); ok {
		switch rest {
		case viewToday, viewOverdue, viewPending:
			return resourceRef{view: rest}, true
		}
	}
	return resourceRef{}, false
}

// addResources registers the views, the task template and the
// resources/list override on srv.
func (s *server) addResources(srv *mcp.Server) {
	for _, v := range views {
		srv.AddResource(v, s.readResource)
	}
	srv.AddResourceTemplate(taskTemplate(), s.readResource)
	srv.AddReceivingMiddleware(s.listResourcesMiddleware)
}

// checkResource resolves uri for user: a view, or one of the user's tasks;
// anything else, including another user's task, is "resource not found".
func (s *server) checkResource(ctx context.Context, user, uri string) (resourceRef, error) {
	r, ok := parseResourceURI(uri)
	if !ok {
		return r, mcp.ResourceNotFoundError(uri)
	}
	if r.view != "" {
		return r, nil
	}
	if _, err := s.st.GetTask(ctx, user, r.number); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return r, mcp.ResourceNotFoundError(uri)
		}
		return r, s.internal(ctx, "get task", err)
	}
	return r, nil
}

// internal logs err and returns what the client may see.
func (s *server) internal(ctx context.Context, what string, err error) error {
	if ctx.Err() == nil {
		s.log.ErrorContext(ctx, "request failed", "op", what, "err", err)
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error; try again"}
}

// readResource reads a task or a view for the requesting user.
func (s *server) readResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	user, err := s.userOf(ctx, req.Extra)
	if err != nil {
		return nil, err
	}
	uri := req.Params.URI
	r, ok := parseResourceURI(uri)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	now := s.clock(ctx)
	var v any
	var md string
	if r.view == "" {
		t, err := s.st.GetTask(ctx, user, r.number)
		if errors.Is(err, models.ErrNotFound) {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		if err != nil {
			return nil, s.internal(ctx, "get task", err)
		}
		tj := toTaskJSON(t, now)
		v, md = tj, taskMarkdown(tj)
	} else {
		view, err := s.view(ctx, user, r.view, now, "")
		if err != nil {
			return nil, s.internal(ctx, "read view", err)
		}
		v, md = view, view.markdown()
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, s.internal(ctx, "encode resource", err)
	}
	return &mcp.ReadResourceResult{
		Cacheable: perUser,
		Contents: []*mcp.ResourceContents{
			{URI: uri, MIMEType: mimeJSON, Text: string(b)},
			{URI: uri, MIMEType: mimeMarkdown, Text: md},
		},
	}, nil
}

// viewJSON is a view as its resource returns it.
type viewJSON struct {
	View      string     `json:"view"`
	Title     string     `json:"title"`
	Date      string     `json:"date"`
	Tasks     []taskJSON `json:"tasks"`
	Truncated bool       `json:"truncated,omitempty"`
	Counts    taskCounts `json:"counts"`
}

// view reads one of the fixed views of user's tasks at now, only those
// with tag if it is not empty.
func (s *server) view(ctx context.Context, user, name string, now time.Time, tag string) (viewJSON, error) {
	out := viewJSON{View: name, Date: now.Format(time.DateOnly), Tasks: []taskJSON{}}
	f := models.TaskFilter{Status: models.StatusPending, Tag: tag, Sort: models.SortDue, Limit: viewLimit, Now: now}
	var keep func(models.Task) bool
	switch name {
	case viewToday:
		out.Title = "Today's tasks"
		f.DueAfter, f.DueBefore, keep = todayBounds(now)
	case viewOverdue:
		out.Title = "Overdue tasks"
		f.Overdue = true
	default:
		out.Title = "Pending tasks"
	}
	page, err := s.st.ListTasks(ctx, user, f)
	if err != nil {
		return out, fmt.Errorf("list tasks: %w", err)
	}
	for _, t := range page.Tasks {
		if keep == nil || keep(t) {
			out.Tasks = append(out.Tasks, toTaskJSON(t, now))
		}
	}
	out.Truncated = page.NextCursor != ""
	out.Counts = taskCounts(page.Counts)
	return out, nil
}

// todayBounds returns a due window that holds every task due on now's
// date (date-only dues are that date at midnight UTC; date-times are
// compared in now's time zone) and the exact test for "due today".
func todayBounds(now time.Time) (after, before *time.Time, keep func(models.Task) bool) {
	y, m, d := now.Date()
	startLocal := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	startUTC := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	lo := startLocal
	if startUTC.Before(lo) {
		lo = startUTC
	}
	hi := startLocal.AddDate(0, 0, 1)
	if e := startUTC.AddDate(0, 0, 1); e.After(hi) {
		hi = e
	}
	lo = lo.Add(-time.Second)
	keep = func(t models.Task) bool { return dueOn(t, now) }
	return &lo, &hi, keep
}

// dueOn reports whether t is due on now's date (in now's time zone).
func dueOn(t models.Task, now time.Time) bool {
	if t.DueAt == nil {
		return false
	}
	y, m, d := now.Date()
	at := t.DueAt.UTC()
	if t.DueHasTime {
		at = t.DueAt.In(now.Location())
	}
	ty, tm, td := at.Date()
	return ty == y && tm == m && td == d
}

// markdown renders a view as a short Markdown list.
func (v viewJSON) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s (%s)\n\n", v.Title, v.Date)
	if len(v.Tasks) == 0 {
		b.WriteString("Nothing here.\n")
	}
	for _, t := range v.Tasks {
		b.WriteString("- " + taskLine(t) + "\n")
	}
	if v.Truncated {
		fmt.Fprintf(&b, "- … and more (showing the first %d)\n", len(v.Tasks))
	}
	fmt.Fprintf(&b, "\n%d pending, %d completed in all.\n", v.Counts.Pending, v.Counts.Completed)
	return b.String()
}

// taskMarkdown renders one task.
func taskMarkdown(t taskJSON) string {
	var b strings.Builder
	state := "pending"
	if t.Completed {
		state = "completed"
	}
	fmt.Fprintf(&b, "# Task %d: %s\n\n", t.TaskID, t.Title)
	fmt.Fprintf(&b, "- Status: %s\n- Priority: %s\n", state, t.Priority)
	if t.Due != "" {
		due := t.Due
		if t.Overdue {
			due += " (overdue)"
		}
		fmt.Fprintf(&b, "- Due: %s\n", due)
	}
	if len(t.Tags) > 0 {
		fmt.Fprintf(&b, "- Tags: %s\n", strings.Join(t.Tags, ", "))
	}
	if t.Description != "" {
		fmt.Fprintf(&b, "\n%s\n", t.Description)
	}
	return b.String()
}

// listResourcesMiddleware answers resources/list per user: the views on
// the first page, then the user's pending tasks, listPageSize per page.
// The SDK's own listing knows only the fixed resources.
func (s *server) listResourcesMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		lr, ok := req.(*mcp.ListResourcesRequest)
		if method != "resources/list" || !ok {
			return next(ctx, method, req)
		}
		user, err := s.userOf(ctx, lr.Extra)
		if err != nil {
			return nil, err
		}
		cursor := ""
		if lr.Params != nil {
			cursor = lr.Params.Cursor
		}
		res := &mcp.ListResourcesResult{Cacheable: perUser, Resources: []*mcp.Resource{}}
		if cursor == "" {
			for _, v := range views {
				c := *v
				res.Resources = append(res.Resources, &c)
			}
		}
		page, err := s.st.ListTasks(ctx, user, models.TaskFilter{
			Status: models.StatusPending, Limit: listPageSize, Cursor: cursor, Now: s.clock(ctx),
		})
		if _, bad := errors.AsType[*models.ValidationError](err); bad {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid cursor"}
		}
		if err != nil {
			return nil, s.internal(ctx, "list tasks", err)
		}
		now := s.clock(ctx)
		for _, t := range page.Tasks {
			tj := toTaskJSON(t, now)
			res.Resources = append(res.Resources, &mcp.Resource{
				URI:         taskURIPrefix + strconv.FormatInt(t.Number, 10),
				Name:        "task-" + strconv.FormatInt(t.Number, 10),
				Title:       fmt.Sprintf("#%d %s", t.Number, t.Title),
				Description: taskLine(tj),
				MIMEType:    mimeJSON,
			})
		}
		res.NextCursor = page.NextCursor
		return res, nil
	}
}
