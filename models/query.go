package models

import "time"

// NewTask is the validated input for creating a task. Build it with
// fields already checked by ValidateTitle and friends.
type NewTask struct {
	Title       string
	Description string
	Priority    Priority // empty means PriorityMedium
	Due         *Due
	Tags        Tags
}

// TaskPatch is a partial update: nil fields are left alone.
type TaskPatch struct {
	Title       *string
	Description *string
	Priority    *Priority
	Due         *Due
	ClearDue    bool // remove the due date; conflicts with Due
	Tags        *Tags
}

// Empty reports whether the patch changes nothing.
func (p TaskPatch) Empty() bool {
	return p.Title == nil && p.Description == nil && p.Priority == nil &&
		p.Due == nil && !p.ClearDue && p.Tags == nil
}

// Status filters tasks by completion.
type Status string

// The task status filters.
const (
	StatusAll       Status = "all"
	StatusPending   Status = "pending"
	StatusCompleted Status = "completed"
)

// Sort orders a task listing.
type Sort string

// The task orders. SortCreated (oldest first, by task number) is the default;
// SortDue puts the soonest due first and tasks without a due date last;
// SortPriority puts high first; SortTitle is case-insensitive A-Z. Ties are
// broken by task number.
const (
	SortCreated  Sort = "created"
	SortDue      Sort = "due"
	SortPriority Sort = "priority"
	SortTitle    Sort = "title"
)

// Listing limits.
const (
	DefaultListLimit = 50
	MaxListLimit     = 100
)

// TaskFilter selects and orders a page of one user's tasks.
type TaskFilter struct {
	Status    Status     // empty means StatusAll
	Priority  Priority   // empty means any
	Tag       string     // normalized tag; empty means any
	Query     string     // case-insensitive substring of title or description
	DueBefore *time.Time // due strictly before
	DueAfter  *time.Time // due strictly after
	Overdue   bool       // pending and past due at Now
	Now       time.Time  // the clock for Overdue; zero means time.Now()
	Sort      Sort       // empty means SortCreated
	Limit     int        // 1..MaxListLimit; 0 means DefaultListLimit
	Cursor    string     // opaque, from a previous TaskPage.NextCursor
}

// TaskCounts are totals over all of a user's tasks, whatever the filter.
type TaskCounts struct {
	Total     int64 `json:"total"`
	Pending   int64 `json:"pending"`
	Completed int64 `json:"completed"`
}

// TaskPage is one page of a listing.
type TaskPage struct {
	Tasks      []Task
	Counts     TaskCounts
	NextCursor string // empty on the last page
}
