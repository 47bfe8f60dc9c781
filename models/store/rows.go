package store

import (
	"math"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/models"
)

// noDue is the due_key and overdue_at of a task without a due date: it
// sorts after every real date, so "due" order puts such tasks last on both
// databases without NULLS LAST.
const noDue int64 = math.MaxInt64

// taskRow is a row of the tasks table: a models.Task plus the derived
// columns the store maintains for sorting and filtering.
type taskRow struct {
	ID           uint64 `gorm:"primaryKey;autoIncrement"`
	UserID       string
	Number       int64
	Title        string
	TitleKey     string // strings.ToLower(Title): title sort and title search
	Description  string
	Completed    bool
	CompletedAt  *time.Time
	Priority     models.Priority
	PriorityRank int // 1 high, 2 medium, 3 low: ascending = most important first
	DueAt        *time.Time
	DueHasTime   bool
	DueKey       int64 // DueAt in Unix seconds, noDue without a due date
	OverdueAt    int64 // Unix second from which a pending task is overdue, noDue without a due date
	Tags         models.Tags
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName implements gorm's Tabler.
func (taskRow) TableName() string { return "tasks" }

// counterRow is a row of task_counters: the last task number handed out to
// a user and the user's task counts.
type counterRow struct {
	UserID     string `gorm:"primaryKey"`
	LastNumber int64
	Total      int64
	Completed  int64
}

// TableName implements gorm's Tabler.
func (counterRow) TableName() string { return "task_counters" }

// task converts a row to the API model, with every time in UTC.
func (r taskRow) task() models.Task {
	t := models.Task{
		ID:          r.ID,
		UserID:      r.UserID,
		Number:      r.Number,
		Title:       r.Title,
		Description: r.Description,
		Completed:   r.Completed,
		CompletedAt: utcPtr(r.CompletedAt),
		Priority:    r.Priority,
		DueAt:       utcPtr(r.DueAt),
		DueHasTime:  r.DueHasTime,
		Tags:        r.Tags,
		CreatedAt:   r.CreatedAt.UTC(),
		UpdatedAt:   r.UpdatedAt.UTC(),
	}
	if t.Tags == nil {
		t.Tags = models.Tags{}
	}
	return t
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// titleKey is the stored case-folded title.
func titleKey(title string) string { return strings.ToLower(title) }

// priorityRank is the stored sort rank of p: high first.
func priorityRank(p models.Priority) int { return 4 - p.Rank() }

// dueColumns holds the four columns derived from a due date.
type dueColumns struct {
	At        *time.Time
	HasTime   bool
	Key       int64
	OverdueAt int64
}

// dueCols normalizes d (UTC, whole seconds, midnight for a date) and derives
// its sort key and overdue moment. A nil d means no due date.
func dueCols(d *models.Due) dueColumns {
	if d == nil {
		return dueColumns{Key: noDue, OverdueAt: noDue}
	}
	at := d.At.UTC().Truncate(time.Second)
	end := at
	if !d.HasTime {
		at = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
		end = at.AddDate(0, 0, 1) // a date is due for the whole day
	}
	return dueColumns{At: &at, HasTime: d.HasTime, Key: at.Unix(), OverdueAt: end.Unix()}
}
