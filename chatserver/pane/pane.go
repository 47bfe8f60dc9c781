// Package pane holds the live task pane's wire types: the filters, the
// changes, and the page and results that chatserver's /api/v1/tasks routes
// send as JSON and the agent fills from MCP tool results. Standard library
// only, so chatserver and the agent share them without importing each
// other.
package pane

import (
	"errors"
	"time"
)

// Filters of a listing.
const (
	FilterToday     = "today"     // pending tasks due today
	FilterOverdue   = "overdue"   // pending tasks whose due date has passed
	FilterAll       = "all"       // every task, soonest due first
	FilterCompleted = "completed" // completed tasks
)

// Changes of one task.
const (
	ChangeComplete = "complete"
	ChangeReopen   = "reopen"
	ChangeDelete   = "delete"  // to the trash
	ChangeRestore  = "restore" // out of the trash (Undo)
)

// ListQuery is what a listing asks for.
type ListQuery struct {
	Filter string // one of the Filter constants
	Cursor string // a previous page's NextCursor, or ""
	// Search, if not "", keeps the tasks whose title or description
	// contains it, ignoring case (the composer's "@" task search).
	Search string
	// Location is the user's time zone for "today"; nil means the
	// server's.
	Location *time.Location
}

// PaneTask is a task as the pane shows it.
type PaneTask struct {
	TaskID    int64    `json:"task_id"`
	Title     string   `json:"title"`
	Completed bool     `json:"completed"`
	Priority  string   `json:"priority"`
	Due       string   `json:"due,omitempty"` // YYYY-MM-DD or RFC 3339
	Overdue   bool     `json:"overdue"`
	Tags      []string `json:"tags"`
	Repeat    string   `json:"repeat_text,omitempty"`
}

// TaskCounts are the user's task totals, whatever the filter.
type TaskCounts struct {
	Total     int64 `json:"total"`
	Pending   int64 `json:"pending"`
	Completed int64 `json:"completed"`
}

// TaskPage is one page of the pane's list.
type TaskPage struct {
	Filter     string     `json:"filter"`
	Tasks      []PaneTask `json:"tasks"`
	Counts     TaskCounts `json:"counts"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// TaskChanged is what a change did.
type TaskChanged struct {
	TaskID int64  `json:"task_id"`
	Title  string `json:"title"`
	// Message confirms the change to the user, e.g. "Completed task 3:
	// Buy milk."
	Message string `json:"message"`
}

// TaskError is the MCP server refusing a pane request (a tool error):
// the task does not exist, or the request is invalid. Message is for the
// user.
type TaskError struct {
	NotFound bool
	Message  string
	Err      error // the tool's own text, for the log
}

func (e *TaskError) Error() string { return e.Message }

// Unwrap returns the tool's error.
func (e *TaskError) Unwrap() error { return e.Err }

// ErrBadFilter is a filter that is not one of the Filter constants.
var ErrBadFilter = errors.New("filter must be today, overdue, all or completed")
