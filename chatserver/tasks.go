package chatserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/pane"
	"github.com/taskpilot/taskpilot/models"
)

// The live task pane's routes (Options.Pane), authenticated, rate
// limited and checked like /chatkit:
//
//	GET  /api/v1/tasks?filter=today|overdue|all|completed[&q=][&cursor=][&tz=]
//	     a page of the user's tasks (pane.TaskPage), read through the MCP
//	     server as the user; tz is the browser's IANA time zone for "today";
//	     q keeps the tasks whose title or description contains it (the
//	     composer's "@" task search)
//	POST /api/v1/tasks/{task_id}/{complete|reopen|delete|restore}
//	     changes one task through the MCP server as the user
//	     (pane.TaskChanged)
//	GET  /api/v1/tasks/events
//	     an SSE stream of the user's task changes: one "data: <json>"
//	     event per change, whoever made it (the assistant, a widget, a
//	     command, another MCP client on the same account, another
//	     replica): {"type":"ready"} first, once subscribed, then
//	     {"type":"task.changed","kind":"completed","task_id":3} per change
//	     and {"type":"tasks.resync"} when changes may have been missed;
//	     a ": ping" comment every Heartbeat. It ends when the client goes,
//	     the server shuts down or after MaxAge (the client reconnects, with
//	     a token that is checked again).
//
// The pane reads tasks only through the MCP server (as the chat does);
// the change feed only says that something changed.

// Defaults of TaskPane.
const (
	DefaultHeartbeat   = 25 * time.Second
	DefaultEventMaxAge = 10 * time.Minute
)

// TaskLister lists and changes a user's tasks for the pane; *agent.Agent
// implements it through the MCP server.
type TaskLister interface {
	// ListTasks returns a page of user's tasks (see agent.Agent.ListTasks).
	ListTasks(ctx context.Context, user string, q pane.ListQuery) (pane.TaskPage, error)
	// ChangeTask changes one of user's tasks (see agent.Agent.ChangeTask).
	ChangeTask(ctx context.Context, user string, taskID int64, change string) (pane.TaskChanged, error)
}

// TaskEvents is the task change feed (models/store's Changes).
type TaskEvents interface {
	// Subscribe returns user's task changes and a function that ends the
	// subscription (and closes the channel).
	Subscribe(user string) (<-chan models.TaskChange, func())
}

// TaskPane configures the live task pane's routes.
type TaskPane struct {
	// Tasks lists and changes tasks. Required.
	Tasks TaskLister
	// Events feeds GET /api/v1/tasks/events; nil serves no event stream
	// (404).
	Events TaskEvents
	// Heartbeat is how often an idle event stream sends a comment, so
	// that proxies keep it open and a dead client is noticed; 0 means
	// DefaultHeartbeat.
	Heartbeat time.Duration
	// MaxAge ends an event stream after this long; the client reconnects
	// and its token is checked again, so a revoked account stops hearing
	// within MaxAge. 0 means DefaultEventMaxAge.
	MaxAge time.Duration
}

// taskRoutes mounts the pane's routes on api (authenticated and rate
// limited) when Options.Pane is set.
func (s *server) taskRoutes(r *gin.Engine, api *gin.RouterGroup) {
	p := s.opts.Pane
	if p == nil || p.Tasks == nil {
		return
	}
	r.OPTIONS("/api/v1/tasks", s.cors)
	r.OPTIONS("/api/v1/tasks/:task_id/:change", s.cors)
	api.GET("/api/v1/tasks", s.listTasks)
	api.POST("/api/v1/tasks/:task_id/:change", s.changeTask)
	if p.Events != nil {
		api.GET("/api/v1/tasks/events", s.taskEvents)
	}
}

// maxTZ bounds the tz parameter (IANA names are far shorter).
const maxTZ = 64

// listTasks answers GET /api/v1/tasks. "Today" and "overdue" are in the
// time zone of the tz parameter, else of the page's header
// (chatkit.TimeZoneHeader), else the server's.
func (s *server) listTasks(c *gin.Context) {
	withTimeZone(c)
	q := pane.ListQuery{Filter: c.DefaultQuery("filter", pane.FilterAll), Cursor: c.Query("cursor"), Search: c.Query("q")}
	if tz := c.Query("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if len(tz) > maxTZ || err != nil || tz == "Local" {
			writeError(c, http.StatusBadRequest, "invalid_request", "tz: not a time zone name such as Europe/Paris")
			return
		}
		q.Location = l
	}
	if len(q.Cursor) > 1000 {
		writeError(c, http.StatusBadRequest, "invalid_request", "cursor: too long")
		return
	}
	search, err := models.ValidateLine("q", q.Search, models.MaxTitleLen)
	if err != nil {
		writeError(c, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	q.Search = search
	page, err := s.opts.Pane.Tasks.ListTasks(c.Request.Context(), userOf(c), q)
	if err != nil {
		s.writeTaskError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, page)
}

// changeTask answers POST /api/v1/tasks/{task_id}/{change}, in the time
// zone of the page's header (a repeating task's next date).
func (s *server) changeTask(c *gin.Context) {
	withTimeZone(c)
	change := c.Param("change")
	switch change {
	case pane.ChangeComplete, pane.ChangeReopen, pane.ChangeDelete, pane.ChangeRestore:
	default:
		writeError(c, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	id, err := strconv.ParseInt(c.Param("task_id"), 10, 64)
	if err != nil || id < 1 || id > 1<<53 {
		writeError(c, http.StatusBadRequest, "invalid_request", "task_id: must be a positive integer")
		return
	}
	done, err := s.opts.Pane.Tasks.ChangeTask(c.Request.Context(), userOf(c), id, change)
	if err != nil {
		s.writeTaskError(c, err)
		return
	}
	c.JSON(http.StatusOK, done)
}

// writeTaskError answers a failed pane request: a refusal of the MCP
// server with its message for the user, an unreachable one with 502.
func (s *server) writeTaskError(c *gin.Context, err error) {
	var te *pane.TaskError
	switch {
	case errors.Is(err, pane.ErrBadFilter):
		writeError(c, http.StatusBadRequest, "invalid_request", "filter: "+err.Error())
	case errors.As(err, &te) && te.NotFound:
		writeError(c, http.StatusNotFound, "not_found", te.Message)
	case errors.As(err, &te):
		s.log.InfoContext(c.Request.Context(), "task pane request refused", "err", te.Err, "user", userOf(c))
		writeError(c, http.StatusBadRequest, "invalid_request", te.Message)
	case c.Request.Context().Err() != nil:
		writeError(c, http.StatusServiceUnavailable, "cancelled", "request cancelled")
	default:
		s.log.ErrorContext(c.Request.Context(), "task pane: mcp server unreachable", "err", err, "user", userOf(c))
		writeError(c, http.StatusBadGateway, "agent_failed", "Your task list can't be reached right now. Try again in a moment.")
	}
}

// paneEvent is one event of the task event stream.
type paneEvent struct {
	Type   string            `json:"type"`
	Kind   models.ChangeKind `json:"kind,omitempty"`
	TaskID int64             `json:"task_id,omitempty"`
}

// taskEvents answers GET /api/v1/tasks/events: the user's task changes as
// SSE, subscribed before the headers go out (so a change made after the
// "ready" event is never missed).
func (s *server) taskEvents(c *gin.Context) {
	p := s.opts.Pane
	heartbeat, maxAge := p.Heartbeat, p.MaxAge
	if heartbeat <= 0 {
		heartbeat = DefaultHeartbeat
	}
	if maxAge <= 0 {
		maxAge = DefaultEventMaxAge
	}
	user := userOf(c)
	changes, unsubscribe := p.Events.Subscribe(user)
	defer unsubscribe()

	ctx, cancel := context.WithTimeout(c.Request.Context(), maxAge)
	defer cancel()
	defer context.AfterFunc(s.streams, cancel)()

	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)

	send := func(ev paneEvent) error {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(c.Writer, "data: %s\n\n", b); err != nil {
			return err
		}
		c.Writer.Flush()
		return nil
	}
	if send(paneEvent{Type: "ready"}) != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case ch, ok := <-changes:
			if !ok {
				return // the feed closed: the server is stopping
			}
			if ch.UserID != user {
				continue // never another user's, whatever the feed does
			}
			if ch.Kind == models.TasksResync {
				err = send(paneEvent{Type: "tasks.resync"})
			} else {
				err = send(paneEvent{Type: "task.changed", Kind: ch.Kind, TaskID: ch.Number})
			}
		case <-tick.C:
			if _, err = c.Writer.WriteString(": ping\n\n"); err == nil {
				c.Writer.Flush()
			}
		}
		if err != nil {
			return // the client is gone
		}
	}
}
