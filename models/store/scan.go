package store

import (
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Listing scans. GORM builds the statement of a listing, but its rows
// are read here with database/sql, column by column into a taskRow:
// GORM's reflective Find cost more than the query itself (about ten times
// what SQLite spent). Only the columns a models.Task and the cursors need
// are read, never the completion history.

// listColumns are the columns scanTaskRows reads, in its order.
const listColumns = "id, user_id, number, title, title_key, description, completed, completed_at, " +
	"priority, priority_rank, due_at, due_has_time, due_key, tags, created_at, updated_at, " +
	"repeat_rule, repeat_done, deleted_us"

// numberColumns are the columns scanNumberRows reads: the number and the
// sort keys a cursor needs.
const numberColumns = "number, due_key, priority_rank, title_key, deleted_us"

// findTaskRows runs q, which selects nothing yet, with the columns of a
// full listing (or, numbersOnly, of a numbers-only one) and scans at most
// limit rows.
func findTaskRows(q *gorm.DB, numbersOnly bool, limit int) ([]taskRow, error) {
	cols := listColumns
	if numbersOnly {
		cols = numberColumns
	}
	rows, err := q.Select(cols).Rows() // GORM does not translate this error: unavailableError does
	if err != nil {
		return nil, unavailableError(err)
	}
	defer rows.Close()
	out := make([]taskRow, 0, min(limit, 128))
	for rows.Next() {
		var r taskRow
		if numbersOnly {
			err = rows.Scan(&r.Number, &r.DueKey, &r.PriorityRank, &r.TitleKey, &r.DeletedUs)
		} else {
			err = scanTaskRow(rows, &r)
		}
		if err != nil {
			return nil, fmt.Errorf("scan: %w", unavailableError(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailableError(err)
	}
	return out, nil
}

// scanTaskRow scans one row of listColumns into r.
func scanTaskRow(rows *sql.Rows, r *taskRow) error {
	var completedAt, dueAt sql.Null[time.Time]
	err := rows.Scan(&r.ID, &r.UserID, &r.Number, &r.Title, &r.TitleKey, &r.Description, &r.Completed, &completedAt,
		(*string)(&r.Priority), &r.PriorityRank, &dueAt, &r.DueHasTime, &r.DueKey, &r.Tags, &r.CreatedAt, &r.UpdatedAt,
		&r.RepeatRule, &r.RepeatDone, &r.DeletedUs)
	if err != nil {
		return err
	}
	if completedAt.Valid {
		r.CompletedAt = &completedAt.V
	}
	if dueAt.Valid {
		r.DueAt = &dueAt.V
	}
	return nil
}
