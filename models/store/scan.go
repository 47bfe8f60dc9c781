package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/models"
)

// Listing scans. A listing is one statement written here, its rows
// read with database/sql, column by column into a taskRow:
// GORM's reflective Find cost more than the query itself (about ten times
// what SQLite spent). Only the columns a models.Task and the cursors need
// are read, never the completion history.

// listColumns are the columns scanTaskRows reads, in its order: not
// user_id, which the listing selects by (listRows sets it).
const listColumns = "id, number, title, title_key, description, completed, completed_at, " +
	"priority, priority_rank, due_at, due_has_time, due_key, tags, created_at, updated_at, " +
	"repeat_rule, repeat_done, deleted_us"

// sqliteListColumns are listColumns as SQLite reads them: the time
// columns as text, which scanTaskRow parses (dbTime). modernc.org/sqlite
// parses a DATETIME column itself, trying another layout before the
// store's, which cost 4% of a list_tasks.
const sqliteListColumns = "id, number, title, title_key, description, completed, CAST(completed_at AS TEXT), " +
	"priority, priority_rank, CAST(due_at AS TEXT), due_has_time, due_key, tags, CAST(created_at AS TEXT), CAST(updated_at AS TEXT), " +
	"repeat_rule, repeat_done, deleted_us"

// numberColumns are the columns scanNumberRows reads: the number and the
// sort keys a cursor needs.
const numberColumns = "number, due_key, priority_rank, title_key, deleted_us"

// countColumns follow the listing's columns: the user's counters, read
// once per statement, so that a page and its counts take one statement.
// They are NULL when the user has no counters row yet.
const countColumns = "(SELECT total FROM task_counters WHERE user_id = ?), (SELECT completed FROM task_counters WHERE user_id = ?)"

// listRows selects, in one statement, at most limit of userID's tasks
// matching w in order (the columns of a full listing or, numbersOnly, of
// a numbers-only one) and userID's counts. The counts are zero when no
// row matches: read them with Store.counts then.
func (s *Store) listRows(ctx context.Context, userID string, w *where, order string, numbersOnly bool, limit int) ([]taskRow, models.TaskCounts, error) {
	cols := listColumns
	if s.dialect == DialectSQLite {
		cols = sqliteListColumns
	}
	if numbersOnly {
		cols = numberColumns
	}
	query := "SELECT " + cols + ", " + countColumns + " FROM tasks WHERE " + w.String() + " ORDER BY " + order + " LIMIT ?"
	args := make([]any, 0, len(w.args)+3)
	args = append(append(append(args, userID, userID), w.args...), limit)
	// Written out, not GORM's query builder: building the statement
	// clause by clause cost more than SQLite running it.
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, models.TaskCounts{}, unavailableError(err)
	}
	defer rows.Close()
	out := make([]taskRow, 0, min(limit, 128))
	var total, completed sql.NullInt64
	for rows.Next() {
		var r taskRow
		if numbersOnly {
			err = rows.Scan(&r.Number, &r.DueKey, &r.PriorityRank, &r.TitleKey, &r.DeletedUs, &total, &completed)
		} else {
			err = scanTaskRow(rows, &r, &total, &completed)
			r.UserID = userID
		}
		if err != nil {
			return nil, models.TaskCounts{}, fmt.Errorf("scan: %w", unavailableError(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, models.TaskCounts{}, unavailableError(err)
	}
	return out, taskCounts(total.Int64, completed.Int64), nil
}

// scanTaskRow scans one row of listColumns into r, and the columns that
// follow into extra.
func scanTaskRow(rows *sql.Rows, r *taskRow, extra ...any) error {
	var completedAt, dueAt sql.Null[dbTime]
	dest := append([]any{&r.ID, &r.Number, &r.Title, &r.TitleKey, &r.Description, &r.Completed, &completedAt,
		(*string)(&r.Priority), &r.PriorityRank, &dueAt, &r.DueHasTime, &r.DueKey, &r.Tags, (*dbTime)(&r.CreatedAt), (*dbTime)(&r.UpdatedAt),
		&r.RepeatRule, &r.RepeatDone, &r.DeletedUs}, extra...)
	err := rows.Scan(dest...)
	if err != nil {
		return err
	}
	if completedAt.Valid {
		r.CompletedAt = (*time.Time)(&completedAt.V)
	}
	if dueAt.Valid {
		r.DueAt = (*time.Time)(&dueAt.V)
	}
	return nil
}

// sqliteTimeLayout is the layout the store writes SQLite times in
// (_time_format=sqlite, see sqliteDSN).
const sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// sqliteTimeLayouts are the other layouts modernc.org/sqlite reads a
// DATETIME column in, in its order (after Go's Time.String layout, whose
// monotonic clock reading it drops); a trailing Z is cut first and the
// time is then UTC.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// dbTime scans a time column: a time.Time (PostgreSQL) or SQLite text,
// read as modernc.org/sqlite reads a DATETIME column, the store's own
// layout first.
type dbTime time.Time

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case time.Time:
		*t = dbTime(v)
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("scan time: unsupported type %T", src)
	}
	if v, err := time.Parse(sqliteTimeLayout, s); err == nil {
		*t = dbTime(v)
		return nil
	}
	str := s
	if i := strings.Index(str, "m="); i > 0 {
		str = str[:i]
	}
	if v, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(str)); err == nil {
		*t = dbTime(v)
		return nil
	}
	ts := strings.TrimSuffix(s, "Z")
	for _, layout := range sqliteTimeLayouts {
		if v, err := time.Parse(layout, ts); err == nil {
			*t = dbTime(v)
			return nil
		}
	}
	return fmt.Errorf("scan time: %q is not a time", s)
}
