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
	Repeat      *Repeat // normalized; needs Due
	// Location is the user's time zone: a repeating date-time due keeps its
	// wall-clock time there. nil means UTC.
	Location *time.Location
}

// TaskPatch is a partial update: nil fields are left alone.
type TaskPatch struct {
	Title       *string
	Description *string
	Priority    *Priority
	Due         *Due
	ClearDue    bool // remove the due date; conflicts with Due
	Tags        *Tags
	Repeat      *Repeat // normalized; conflicts with ClearRepeat
	ClearRepeat bool    // stop repeating
	// DefaultDue is the due date a task without one gets when Repeat is
	// set (today in the user's time zone).
	DefaultDue *Due
	// Location is the user's time zone, as in NewTask.
	Location *time.Location
}

// Empty reports whether the patch changes nothing.
func (p TaskPatch) Empty() bool {
	return p.Title == nil && p.Description == nil && p.Priority == nil &&
		p.Due == nil && !p.ClearDue && p.Tags == nil && p.Repeat == nil && !p.ClearRepeat
}

// Status filters tasks by completion.
type Status string

// The task status filters.
const (
	StatusAll       Status = "all"
	StatusPending   Status = "pending"
	StatusCompleted Status = "completed"
	StatusDeleted   Status = "deleted" // the trash
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
	SortDeleted  Sort = "deleted" // most recently deleted first; for the trash
)

// Listing limits.
const (
	DefaultListLimit = 50
	MaxListLimit     = 100
	MaxNumbersLimit  = 1000 // page size limit of a NumbersOnly listing
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
	Repeating *bool      // only repeating (true) or one-off (false) tasks; nil means any
	Now       time.Time  // the clock for Overdue, in the user's time zone (see Task.Overdue); zero means time.Now() in UTC
	Sort      Sort       // empty means SortCreated
	Limit     int        // 1..MaxListLimit; 0 means DefaultListLimit
	Cursor    string     // opaque, from a previous TaskPage.NextCursor
	// NumbersOnly fills only each task's Number and allows a Limit up to
	// MaxNumbersLimit.
	NumbersOnly bool
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

// Change says what a bulk write did to one task.
type Change string

// The changes a bulk write reports.
const (
	ChangeNone      Change = ""          // the task already was in the asked state
	ChangeCompleted Change = "completed" // completed (for good, if it repeats)
	ChangeRolled    Change = "rolled"    // a repeating task was completed and moved to its next due date
	ChangeReopened  Change = "reopened"  // a completed task is pending again
	ChangeUnrolled  Change = "unrolled"  // the latest roll was undone: back to the previous due date
	ChangeUpdated   Change = "updated"
	ChangeDeleted   Change = "deleted"  // moved to the trash
	ChangeRestored  Change = "restored" // back from the trash
)

// TaskResult is the outcome of a bulk write for one task number: the task
// as stored afterwards and what changed, or Err (models.ErrNotFound, a
// *ValidationError).
type TaskResult struct {
	Number int64
	Task   Task
	Change Change
	Err    error
}
