package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// Name is the MCP server name reported to clients.
const Name = "taskpilot"

// TaskStore is the storage the tools need. *store.Store implements it.
// Every method is scoped to userID; a task of another user is reported as
// models.ErrNotFound. Bad filters or cursors are *models.ValidationError.
type TaskStore interface {
	CreateTask(ctx context.Context, userID string, in models.NewTask) (models.Task, error)
	GetTask(ctx context.Context, userID string, n int64) (models.Task, error)
	ListTasks(ctx context.Context, userID string, f models.TaskFilter) (models.TaskPage, error)
	FindTasksByTitle(ctx context.Context, userID, name string, limit int) ([]models.Task, error)
	SetTaskCompleted(ctx context.Context, userID string, n int64, completed bool) (models.Task, error)
	UpdateTask(ctx context.Context, userID string, n int64, p models.TaskPatch) (models.Task, error)
	DeleteTask(ctx context.Context, userID string, n int64) (models.Task, error)
	// The bulk writes: one result per number, in order, each with its own
	// error (models.ErrNotFound, *models.ValidationError).
	CreateTasks(ctx context.Context, userID string, in []models.NewTask) ([]models.Task, error)
	CompleteTasks(ctx context.Context, userID string, ns []int64, completed bool, loc *time.Location) ([]models.TaskResult, error)
	UpdateTasks(ctx context.Context, userID string, ns []int64, p models.TaskPatch) ([]models.TaskResult, error)
	DeleteTasks(ctx context.Context, userID string, ns []int64) ([]models.TaskResult, error)
	RestoreTasks(ctx context.Context, userID string, ns []int64) ([]models.TaskResult, error)
}

// Options configures New.
type Options struct {
	// Logger receives internal errors and the SDK's own logs; nil discards.
	Logger *slog.Logger
	// DefaultUser is the user for requests without bearer token info
	// (stdio, or HTTP with auth disabled). Empty means such requests are
	// refused with "not authenticated".
	DefaultUser string
	// Now is the clock used for "overdue"; nil means time.Now.
	Now func() time.Time
	// Version is reported to clients as the server version.
	Version string
	// Metrics, if not nil, records every tool call.
	Metrics Metrics
	// Location is the users' time zone: "today" for repeating tasks, and
	// the wall-clock time a repeating date-time due keeps. nil means UTC.
	Location *time.Location
	// TrashRetention is how long deleted tasks can be restored, as the
	// tools tell the model; 0 means 30 days, a negative value that the
	// trash is never purged. (The purge itself runs in the process that
	// owns the database, see store.RunTrashPurge.)
	TrashRetention time.Duration
	// Changes, if not nil, is the task change feed: every task change a
	// tool makes is published to it, and resources/subscribe is offered,
	// notifying subscribers of changes made through any process.
	Changes ChangeFeed
}

// instructions tell the model how the tools fit together.
const instructions = `TaskPilot manages the user's personal task list.
Each task has a task_id: the user's own task number (1, 2, 3, ...), shown by add_task and list_tasks. It is not a position in a list and is never reused.
To act on a task the user names instead of numbering, call find_task_by_name first, then use its task_id with complete_task, update_task or delete_task.
Dates are YYYY-MM-DD or RFC 3339 date-times such as 2026-05-01T17:00:00Z.
Repeating tasks: give repeat (e.g. {"every":"week","weekdays":["mon","thu"]}) to add_task or update_task; completing one moves it to its next due date, and complete_task(completed=false) right after undoes that.
Several at once: complete_task, update_task and delete_task take task_ids (up to 50) instead of task_id, add_task takes tasks (up to 25) instead of title; each item succeeds or fails on its own. To act on everything matching a filter, call list_tasks(ids_only=true) first.
delete_task moves tasks to the trash: list_tasks(status="deleted") shows it, update_task(restore=true) brings tasks back.`

// server holds what the tool handlers share.
type server struct {
	st          TaskStore
	log         *slog.Logger
	defaultUser string
	now         func() time.Time
	loc         *time.Location
	retention   time.Duration
	changes     ChangeFeed
}

// New returns an MCP server named "taskpilot" with the six task tools.
// Connect it to any transport; it is safe for concurrent sessions.
func New(st TaskStore, opts Options) *mcp.Server {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "mcpserver")
	s := &server{st: st, log: log, defaultUser: opts.DefaultUser, now: opts.Now, loc: opts.Location,
		retention: opts.TrashRetention, changes: opts.Changes}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.retention == 0 {
		s.retention = 30 * 24 * time.Hour
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	srvOpts := &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       slog.New(sdkLogHandler{log.Handler()}),
		// Static lists: no list_changed notifications. Subscribe is added
		// with the handlers below, completions with CompletionHandler.
		Capabilities: &mcp.ServerCapabilities{
			Prompts:   &mcp.PromptCapabilities{},
			Resources: &mcp.ResourceCapabilities{},
		},
		CompletionHandler: s.complete,
	}
	var subs *subscriptions
	if s.changes != nil {
		subs = newSubscriptions(s)
		srvOpts.SubscribeHandler, srvOpts.UnsubscribeHandler = subs.subscribe, subs.unsubscribe
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "TaskPilot", Version: version}, srvOpts)
	addTool(s, srv, addTaskTool(), s.addTask)
	addTool(s, srv, listTasksTool(), s.listTasks)
	addTool(s, srv, findTaskByNameTool(), s.findTaskByName)
	addTool(s, srv, completeTaskTool(), s.completeTask)
	addTool(s, srv, updateTaskTool(), s.updateTask)
	addTool(s, srv, deleteTaskTool(), s.deleteTask)
	s.addPrompts(srv)
	s.addResources(srv)
	if subs != nil {
		subs.srv = srv
		srv.AddSendingMiddleware(subs.filter)
	}
	srv.AddReceivingMiddleware(scopesMiddleware, zoneMiddleware)
	if opts.Metrics != nil {
		srv.AddReceivingMiddleware(metricsMiddleware(opts.Metrics, Tools()))
	}
	return srv
}

// Tools returns the definitions of the tools New serves (name, title,
// description, annotations, input and output schemas), for goldens and for
// printing. Each call returns fresh values.
func Tools() []*mcp.Tool {
	return []*mcp.Tool{
		addTaskTool(),
		listTasksTool(),
		findTaskByNameTool(),
		completeTaskTool(),
		updateTaskTool(),
		deleteTaskTool(),
	}
}

// handlerFunc is a tool's logic: it gets the caller's user id and the
// validated input, and returns the structured output with one short
// sentence for humans, or an error.
type handlerFunc[In, Out any] func(ctx context.Context, user string, in In) (Out, string, error)

// addTool registers t with the handler that checks and decodes the
// arguments, resolves the user, runs h and turns its error into a tool
// error (see toolHandler and server.toolError). The SDK gets the schemas
// encoded once: it re-encodes a *jsonschema.Schema on every tools/list,
// and on every tools/call to look for parameter header annotations,
// which was a tenth of the CPU of an add-task chat turn.
func addTool[In, Out any](s *server, srv *mcp.Server, t *mcp.Tool, h handlerFunc[In, Out]) {
	handler := toolHandler(s, t, h) // checks against t's *jsonschema.Schema
	listed := *t
	listed.InputSchema = encodedSchema(t.Name, t.InputSchema)
	if t.OutputSchema != nil {
		listed.OutputSchema = encodedSchema(t.Name, t.OutputSchema)
	}
	srv.AddTool(&listed, handler)
}

// encodedSchema returns schema as JSON. It panics if the schema cannot be
// encoded: a bug in a tool definition, found when the server is built.
func encodedSchema(tool string, schema any) json.RawMessage {
	b, err := json.Marshal(schema)
	if err != nil {
		panic(fmt.Sprintf("tool %s: encode schema: %v", tool, err))
	}
	return b
}

// errNotAuthenticated is returned when no user can be determined.
var errNotAuthenticated = errors.New("not authenticated")

// userFrom returns the calling user: the bearer token's user when the
// request carries token info, else the default user.
func (s *server) userFrom(req *mcp.CallToolRequest) (string, error) {
	user := s.defaultUser
	if req.Extra != nil && req.Extra.TokenInfo != nil {
		// A token without a user id must not fall back to the default user.
		user = req.Extra.TokenInfo.UserID
	}
	if user == "" {
		return "", errNotAuthenticated
	}
	return user, nil
}

// trashFor is how long the trash keeps tasks, for the model: "for 30
// days", or "" when it is never purged.
func (s *server) trashFor() string {
	if s.retention < 0 {
		return ""
	}
	return fmt.Sprintf("for %d days", max(int(s.retention.Hours()/24), 1))
}

// userError is a message meant for the model, returned as a tool error as is.
type userError struct{ msg string }

// Error implements error.
func (e *userError) Error() string { return e.msg }

// userErrorf builds a *userError.
func userErrorf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}

// notFound is the error for a task number the user does not have.
func notFound(n int64) error {
	return userErrorf("Task %d not found. Call list_tasks to see the user's task ids.", n)
}

// errInternal is all the model learns about an internal failure.
var errInternal = errors.New("internal error; try again")

// errUnavailable is what the model learns when the database cannot be
// reached or used right now: the same call may work later.
// Slash commands show it to the user as is, so it reads well for both.
var errUnavailable = errors.New("The task database is temporarily unavailable; try again in a moment.")

// toolError maps a handler error to the error the model sees, the one
// place that does: user errors and validation errors as they are, not
// found as not found, an unavailable database as such (logged as a
// warning), anything else logged and generic.
func (s *server) toolError(ctx context.Context, tool string, err error) error {
	if ue, ok := errors.AsType[*userError](err); ok {
		return ue
	}
	if ve, ok := errors.AsType[*models.ValidationError](err); ok {
		if ve.Field == "" {
			return userErrorf("Invalid input: %s.", ve.Reason)
		}
		return userErrorf("Invalid %s: %s.", ve.Field, ve.Reason)
	}
	if errors.Is(err, models.ErrNotFound) {
		// Handlers translate not-found themselves; this is a fallback.
		return userErrorf("Task not found. Call list_tasks to see the user's task ids.")
	}
	if ctx.Err() == nil && errors.Is(err, models.ErrUnavailable) {
		s.log.WarnContext(ctx, "tool failed: database unavailable", "tool", tool, "err", err)
		return errUnavailable
	}
	if ctx.Err() != nil {
		// The client went away or gave up; not a server fault.
		s.log.InfoContext(ctx, "tool canceled", "tool", tool, "err", err)
		return errInternal
	}
	s.log.ErrorContext(ctx, "tool failed", "tool", tool, "err", err)
	return errInternal
}
