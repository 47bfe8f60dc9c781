package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/models"
)

// sortKeys maps each sort to the column that leads its ORDER BY; the task
// number always follows as the tie-breaker. SortCreated orders by number
// alone (numbers grow with creation).
var sortKeys = map[models.Sort]string{
	models.SortCreated:  "",
	models.SortDue:      "due_key",
	models.SortPriority: "priority_rank",
	models.SortTitle:    "title_key",
	models.SortDeleted:  "deleted_us", // descending: newest first
}

// ListTasks returns one page of userID's tasks matching f, with counts over
// all of userID's tasks. A bad cursor or limit is a *models.ValidationError.
func (s *Store) ListTasks(ctx context.Context, userID string, f models.TaskFilter) (models.TaskPage, error) {
	if f.Sort == "" {
		f.Sort = models.SortCreated
	}
	keyCol, ok := sortKeys[f.Sort]
	if !ok {
		return models.TaskPage{}, models.Invalid("sort", "%q is not one of created, due, priority, title, deleted", f.Sort)
	}
	if f.Sort == models.SortDeleted && f.Status != models.StatusDeleted {
		return models.TaskPage{}, models.Invalid("sort", "deleted orders the trash: use it with status deleted")
	}
	limit, maxLimit := f.Limit, models.MaxListLimit
	if f.NumbersOnly {
		maxLimit = models.MaxNumbersLimit
	}
	if limit == 0 {
		limit = models.DefaultListLimit
	}
	if limit < 1 || limit > maxLimit {
		return models.TaskPage{}, models.Invalid("limit", "is %d; it must be between 1 and %d", f.Limit, maxLimit)
	}

	w := &where{}
	w.add("user_id = ?", userID)
	if err := filter(w, f); err != nil {
		return models.TaskPage{}, err
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, f.Sort)
		if err != nil {
			return models.TaskPage{}, err
		}
		switch f.Sort {
		case models.SortCreated:
			w.add("number > ?", c.Number)
		case models.SortTitle:
			w.add("(title_key, number) > (?, ?)", c.Str, c.Number)
		case models.SortDeleted:
			w.add("(deleted_us, number) < (?, ?)", c.Int, c.Number)
		default:
			w.add("("+keyCol+", number) > (?, ?)", c.Int, c.Number)
		}
	}
	order := "number"
	switch {
	case f.Sort == models.SortDeleted:
		order = "deleted_us DESC, number DESC"
	case keyCol != "":
		order = keyCol + ", number"
	}
	rows, counts, err := s.listRows(ctx, userID, w, order, f.NumbersOnly, limit+1)
	if err != nil {
		return models.TaskPage{}, fmt.Errorf("list tasks: %w", err)
	}

	page := models.TaskPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = cursorAfter(f.Sort, rows[limit-1])
	}
	page.Tasks = tasks(rows)
	if len(rows) == 0 {
		// No row carried the counts.
		if counts, err = s.counts(ctx, userID); err != nil {
			return models.TaskPage{}, err
		}
	}
	page.Counts = counts
	return page, nil
}

// where is a WHERE clause being built: conditions joined with AND, with
// ? placeholders (GORM binds them for each dialect), and their arguments.
type where struct {
	conds []string
	args  []any
}

// add appends a condition and its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// String is the clause without the WHERE keyword.
func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// filter adds f's conditions (everything but sort, limit and cursor) to w.
func filter(w *where, f models.TaskFilter) error {
	switch f.Status {
	case "", models.StatusAll:
		w.add("deleted_us = 0")
	case models.StatusPending:
		w.add("deleted_us = 0 AND completed = ?", false)
	case models.StatusCompleted:
		w.add("deleted_us = 0 AND completed = ?", true)
	case models.StatusDeleted:
		w.add("deleted_us <> 0")
	default:
		return models.Invalid("status", "%q is not one of all, pending, completed, deleted", f.Status)
	}
	if f.Repeating != nil {
		if *f.Repeating {
			w.add("repeat_rule <> ''")
		} else {
			w.add("repeat_rule = ''")
		}
	}
	if f.Priority != "" {
		p, err := models.ParsePriority(string(f.Priority))
		if err != nil {
			return err
		}
		w.add("priority_rank = ?", priorityRank(p))
	}
	if f.Tag != "" {
		tag, err := models.NormalizeTag(f.Tag)
		if err != nil {
			if ve, ok := errors.AsType[*models.ValidationError](err); ok {
				ve.Field = "tag"
			}
			return err
		}
		w.add(`tags LIKE ? ESCAPE '\'`, `%"`+escapeLike(tag)+`"%`)
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		pat := "%" + escapeLike(strings.ToLower(query)) + "%"
		// title_key is lowered in Go (Unicode); description with the
		// database's lower(), ASCII-only on SQLite, on both sides.
		w.add(`(title_key LIKE ? ESCAPE '\' OR lower(description) LIKE lower(?) ESCAPE '\')`, pat, pat)
	}
	if f.DueBefore != nil {
		// due_at < t  ⇔  due second < ceil(t); no-due rows hold noDue.
		w.add("due_key < ?", ceilUnix(*f.DueBefore))
	}
	if f.DueAfter != nil {
		w.add("due_key > ? AND due_key < ?", f.DueAfter.Unix(), noDue)
	}
	if f.Overdue {
		at := f.Now
		if at.IsZero() {
			at = time.Now().UTC()
		}
		// A date-time is overdue from its moment, a date from the end of
		// that day in at's time zone: when it is before today there (dates
		// are keyed at midnight UTC).
		today := models.Today(at, at.Location()).Unix()
		w.add("completed = ? AND ((due_has_time = ? AND overdue_at <= ?) OR (due_has_time = ? AND due_key < ?))",
			false, true, at.Unix(), false, today)
	}
	return nil
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 && s < math.MaxInt64 {
		s++
	}
	return s
}

// counts reads userID's task counts from the counters row, which every
// create, complete, reopen, delete and restore keeps current in its
// transaction. Tasks in the trash are not counted.
func (s *Store) counts(ctx context.Context, userID string) (models.TaskCounts, error) {
	var c counterRow
	err := s.db.WithContext(ctx).Model(&counterRow{}).Select("total, completed").Where("user_id = ?", userID).
		Limit(1).Row().Scan(&c.Total, &c.Completed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return models.TaskCounts{}, fmt.Errorf("count tasks: %w", unavailableError(err))
	}
	return taskCounts(c.Total, c.Completed), nil
}

// taskCounts are the counts of a counters row.
func taskCounts(total, completed int64) models.TaskCounts {
	return models.TaskCounts{Total: total, Pending: total - completed, Completed: completed}
}
