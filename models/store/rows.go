package store

import (
	"encoding/json"
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
	RepeatRule   string // models.Repeat as JSON; '' for a one-off task
	RepeatAnchor string // YYYY-MM-DD: the date monthly and yearly rules keep the day of
	RepeatDone   int    // completions so far
	Completions  string // JSON []completion, newest last
	DeletedUs    int64  // when it went to the trash, Unix microseconds; 0 outside it
}

// maxCompletions bounds the completion history kept per task.
const maxCompletions = 100

// completion is one recorded completion of a repeating task: when, the
// due date it completed, and whether it completed the task for good
// (Final) or moved it to its next date.
type completion struct {
	At      time.Time  `json:"at"`
	DueAt   *time.Time `json:"due_at,omitempty"`
	HasTime bool       `json:"has_time,omitempty"`
	Final   bool       `json:"final,omitempty"`
}

// history decodes the completion history; a bad value reads as empty.
func (r taskRow) history() []completion {
	var h []completion
	if r.Completions != "" {
		_ = json.Unmarshal([]byte(r.Completions), &h)
	}
	return h
}

// encodeHistory encodes h, keeping the newest maxCompletions entries.
func encodeHistory(h []completion) string {
	if len(h) > maxCompletions {
		h = h[len(h)-maxCompletions:]
	}
	if h == nil {
		h = []completion{}
	}
	b, _ := json.Marshal(h) // cannot fail: plain fields
	return string(b)
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
	if rule, err := models.DecodeRepeat(r.RepeatRule); err == nil {
		t.Repeat = rule
	}
	t.RepeatDone = r.RepeatDone
	if r.DeletedUs != 0 {
		d := time.UnixMicro(r.DeletedUs).UTC()
		t.DeletedAt = &d
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
