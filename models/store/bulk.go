package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/taskpilot/taskpilot/models"
)

// MaxBulk is the most task numbers one bulk write takes.
const MaxBulk = 1000

// checkNumbers validates the task numbers of a bulk write and returns them
// without duplicates, in the order given.
func checkNumbers(ns []int64) ([]int64, error) {
	if len(ns) == 0 {
		return nil, models.Invalid("task_ids", "give at least one task number")
	}
	if len(ns) > MaxBulk {
		return nil, models.Invalid("task_ids", "%d numbers given; the limit is %d", len(ns), MaxBulk)
	}
	out := make([]int64, 0, len(ns))
	for _, n := range ns {
		if n < 1 {
			return nil, models.Invalid("task_ids", "%d is not a task number", n)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// lockRows reads userID's tasks numbered ns (outside the trash, or inside
// it when trash is true), locking them until tx ends on PostgreSQL (SQLite
// transactions lock the whole database already), keyed by number.
func (s *Store) lockRows(tx *gorm.DB, userID string, ns []int64, trash bool) (map[int64]taskRow, error) {
	q := tx.Where("user_id = ? AND number IN ?", userID, ns)
	if trash {
		q = q.Where("deleted_us <> 0")
	} else {
		q = q.Where("deleted_us = 0")
	}
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []taskRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	byNumber := make(map[int64]taskRow, len(rows))
	for _, r := range rows {
		byNumber[r.Number] = r
	}
	return byNumber, nil
}

// results pairs each number with its row from changed (Change ch), or a
// not-found error.
func results(ns []int64, changed map[int64]taskRow, ch models.Change) []models.TaskResult {
	out := make([]models.TaskResult, len(ns))
	for i, n := range ns {
		if r, ok := changed[n]; ok {
			out[i] = models.TaskResult{Number: n, Task: r.task(), Change: ch}
		} else {
			out[i] = models.TaskResult{Number: n, Err: fmt.Errorf("task %d: %w", n, models.ErrNotFound)}
		}
	}
	return out
}

// single returns the task of a one-number bulk result, or its error.
func single(res []models.TaskResult, err error) (models.Task, error) {
	if err != nil {
		return models.Task{}, err
	}
	return res[0].Task, res[0].Err
}

// SetTaskCompleted sets (never toggles) the completed state of userID's
// task n, as CompleteTasks does in UTC, and returns the task as stored.
func (s *Store) SetTaskCompleted(ctx context.Context, userID string, n int64, completed bool) (models.Task, error) {
	return single(s.CompleteTasks(ctx, userID, []int64{n}, completed, nil))
}

// CompleteTasks sets the completed state of userID's tasks ns in one
// transaction, each with its own result. A task already in that state is
// left alone (ChangeNone), so completing twice keeps the first
// completed_at and counts once.
//
// Completing a repeating task records the completion and moves the task to
// its next due date, pending again (ChangeRolled), unless the rule ends
// there (past until, or count reached): then it completes for good.
// Reopening (completed=false) a pending repeating task undoes its latest
// roll (ChangeUnrolled). loc is the user's time zone, whose wall-clock
// time a date-time due keeps; nil means UTC.
func (s *Store) CompleteTasks(ctx context.Context, userID string, ns []int64, completed bool, loc *time.Location) ([]models.TaskResult, error) {
	ns, err := checkNumbers(ns)
	if err != nil {
		return nil, err
	}
	out := make([]models.TaskResult, len(ns))
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rows, err := s.lockRows(tx, userID, ns, false)
		if err != nil {
			return err
		}
		t := now()
		var delta int64
		// Plain completions and reopenings write the same columns: one
		// statement for all of them. Rolls write their own.
		var plain []uint64
		plainAt := map[uint64]int{}
		for i, n := range ns {
			row, ok := rows[n]
			if !ok {
				out[i] = models.TaskResult{Number: n, Err: fmt.Errorf("task %d: %w", n, models.ErrNotFound)}
				continue
			}
			values, ch := completeValues(row, completed, t, loc)
			switch ch {
			case models.ChangeCompleted:
				delta++
			case models.ChangeReopened:
				delta--
			}
			out[i] = models.TaskResult{Number: n, Task: row.task(), Change: ch}
			if ch == models.ChangeNone {
				continue
			}
			if len(values) == 3 { // completed, completed_at, updated_at
				plain = append(plain, row.ID)
				plainAt[row.ID] = i
				continue
			}
			var updated []taskRow
			if err := tx.Model(&updated).Clauses(clause.Returning{}).Where("id = ?", row.ID).Updates(values).Error; err != nil {
				return err
			}
			if len(updated) == 1 {
				out[i].Task = updated[0].task()
			}
		}
		if len(plain) > 0 {
			values := map[string]any{"completed": completed, "completed_at": nil, "updated_at": t}
			if completed {
				values["completed_at"] = t
			}
			var updated []taskRow
			if err := tx.Model(&updated).Clauses(clause.Returning{}).Where("id IN ?", plain).Updates(values).Error; err != nil {
				return err
			}
			for _, r := range updated {
				out[plainAt[r.ID]].Task = r.task()
			}
		}
		if delta != 0 {
			if err := tx.Exec("UPDATE task_counters SET completed = completed + ? WHERE user_id = ?", delta, userID).Error; err != nil {
				return fmt.Errorf("count: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set completed: %w", dbError(err))
	}
	return out, nil
}

// completeValues works out what setting row's completed state does: the
// columns to write and the change.
func completeValues(row taskRow, completed bool, t time.Time, loc *time.Location) (map[string]any, models.Change) {
	rule, _ := models.DecodeRepeat(row.RepeatRule)
	h := row.history()
	v := map[string]any{"updated_at": t}
	switch {
	case completed && row.Completed, !completed && !row.Completed && (rule == nil || len(h) == 0 || h[len(h)-1].Final):
		return nil, models.ChangeNone
	case completed && (rule == nil || row.DueAt == nil):
		v["completed"], v["completed_at"] = true, t
		return v, models.ChangeCompleted
	case completed:
		done := row.RepeatDone + 1
		due := models.Due{At: *row.DueAt, HasTime: row.DueHasTime}
		occ := models.OccurrenceOf(due, loc)
		anchor, err := time.Parse(time.DateOnly, row.RepeatAnchor)
		if err != nil {
			anchor = occ.Date
		}
		next := rule.NextDate(occ.Date, anchor)
		entry := completion{At: t, DueAt: row.DueAt, HasTime: row.DueHasTime}
		v["repeat_done"] = done
		if rule.Ends(next, done) {
			entry.Final = true
			v["completed"], v["completed_at"] = true, t
			v["completions"] = encodeHistory(append(h, entry))
			return v, models.ChangeCompleted
		}
		occ.Date = next
		nd := occ.Due(loc)
		setDue(v, &nd)
		v["completions"] = encodeHistory(append(h, entry))
		return v, models.ChangeRolled
	case row.Completed:
		v["completed"], v["completed_at"] = false, nil
		if rule != nil && len(h) > 0 && h[len(h)-1].Final {
			v["completions"] = encodeHistory(h[:len(h)-1])
			v["repeat_done"] = max(row.RepeatDone-1, 0)
		}
		return v, models.ChangeReopened
	default: // pending repeating task with a roll to undo
		last := h[len(h)-1]
		var prev *models.Due
		if last.DueAt != nil {
			prev = &models.Due{At: *last.DueAt, HasTime: last.HasTime}
		}
		setDue(v, prev)
		v["completions"] = encodeHistory(h[:len(h)-1])
		v["repeat_done"] = max(row.RepeatDone-1, 0)
		return v, models.ChangeUnrolled
	}
}

// setDue sets the due columns in v from d (nil: no due date).
func setDue(v map[string]any, d *models.Due) {
	c := dueCols(d)
	v["due_at"], v["due_has_time"], v["due_key"], v["overdue_at"] = c.At, c.HasTime, c.Key, c.OverdueAt
}

// UpdateTask applies p to userID's task n and returns the task as stored.
func (s *Store) UpdateTask(ctx context.Context, userID string, n int64, p models.TaskPatch) (models.Task, error) {
	task, err := single(s.UpdateTasks(ctx, userID, []int64{n}, p))
	if err != nil {
		return models.Task{}, fmt.Errorf("update task: %w", err)
	}
	return task, nil
}

// UpdateTasks applies p to each of userID's tasks ns in one transaction,
// each with its own result. A bad patch is an error and changes nothing;
// a patch that does not fit one task (clearing the due date of a
// repeating task) fails for that task alone.
func (s *Store) UpdateTasks(ctx context.Context, userID string, ns []int64, p models.TaskPatch) ([]models.TaskResult, error) {
	ns, err := checkNumbers(ns)
	if err != nil {
		return nil, err
	}
	values, err := patchValues(p)
	if err != nil {
		return nil, err
	}
	dueOrRule := p.Due != nil || p.ClearDue || p.Repeat != nil || p.ClearRepeat
	if !dueOrRule {
		// The same columns for every task: one statement.
		var rows []taskRow
		err := s.db.WithContext(ctx).Model(&rows).Clauses(clause.Returning{}).
			Where("user_id = ? AND number IN ? AND deleted_us = 0", userID, ns).
			Updates(values).Error
		if err != nil {
			return nil, fmt.Errorf("update tasks: %w", dbError(err))
		}
		byNumber := make(map[int64]taskRow, len(rows))
		for _, r := range rows {
			byNumber[r.Number] = r
		}
		return results(ns, byNumber, models.ChangeUpdated), nil
	}
	out := make([]models.TaskResult, len(ns))
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rows, err := s.lockRows(tx, userID, ns, false)
		if err != nil {
			return err
		}
		for i, n := range ns {
			row, ok := rows[n]
			if !ok {
				out[i] = models.TaskResult{Number: n, Err: fmt.Errorf("task %d: %w", n, models.ErrNotFound)}
				continue
			}
			v, err := ruleValues(row, p)
			if err != nil {
				out[i] = models.TaskResult{Number: n, Err: err}
				continue
			}
			for k, x := range values {
				v[k] = x
			}
			var updated []taskRow
			if err := tx.Model(&updated).Clauses(clause.Returning{}).Where("id = ?", row.ID).Updates(v).Error; err != nil {
				return err
			}
			if len(updated) == 1 {
				row = updated[0]
			}
			out[i] = models.TaskResult{Number: n, Task: row.task(), Change: models.ChangeUpdated}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update tasks: %w", dbError(err))
	}
	return out, nil
}

// ruleValues returns the repeat columns p sets on row. A new due date
// re-anchors the rule and ends the undo history; a new rule also restarts
// its count; a rule on a task without a due date gives it p.DefaultDue.
func ruleValues(row taskRow, p models.TaskPatch) (map[string]any, error) {
	v := map[string]any{}
	repeating := row.RepeatRule != ""
	if p.ClearRepeat {
		repeating = false
		v["repeat_rule"], v["repeat_anchor"], v["repeat_done"], v["completions"] = "", "", 0, "[]"
	}
	due := p.Due
	if due == nil && !p.ClearDue && row.DueAt != nil {
		due = &models.Due{At: *row.DueAt, HasTime: row.DueHasTime}
	}
	if p.Repeat != nil {
		repeating = true
		if due == nil && !p.ClearDue && p.DefaultDue != nil {
			d := models.Due{At: p.Repeat.FirstDate(p.DefaultDue.At)}
			due = &d
			setDue(v, due)
		}
		v["repeat_rule"], v["repeat_done"], v["completions"] = p.Repeat.Encode(), 0, "[]"
	}
	if repeating && due == nil {
		return nil, models.Invalid("due", "a repeating task needs a due date; to remove it, stop the repeat too (repeat every: none)")
	}
	if repeating && (p.Due != nil || p.Repeat != nil || v["due_at"] != nil) {
		v["repeat_anchor"] = models.OccurrenceOf(*due, p.Location).Date.Format(time.DateOnly)
		v["completions"] = "[]"
	}
	return v, nil
}

// patchValues validates p and returns the columns to set.
func patchValues(p models.TaskPatch) (map[string]any, error) {
	if p.Empty() {
		return nil, models.Invalid("", "nothing to update: give at least one field to change")
	}
	if p.Due != nil && p.ClearDue {
		return nil, models.Invalid("due", "cannot set a due date and clear it in the same update")
	}
	if p.Repeat != nil && p.ClearRepeat {
		return nil, models.Invalid("repeat", "cannot set a repeat rule and clear it in the same update")
	}
	if p.Repeat != nil {
		rule, err := p.Repeat.Normalize()
		if err != nil {
			return nil, err
		}
		p.Repeat = &rule
	}
	v := map[string]any{"updated_at": now()}
	if p.Title != nil {
		title, err := models.ValidateTitle(*p.Title)
		if err != nil {
			return nil, err
		}
		v["title"], v["title_key"] = title, titleKey(title)
	}
	if p.Description != nil {
		desc, err := models.ValidateDescription(*p.Description)
		if err != nil {
			return nil, err
		}
		v["description"] = desc
	}
	if p.Priority != nil {
		prio, err := models.ParsePriority(string(*p.Priority))
		if err != nil {
			return nil, err
		}
		v["priority"], v["priority_rank"] = prio, priorityRank(prio)
	}
	if p.Due != nil || p.ClearDue {
		setDue(v, p.Due) // nil when clearing
	}
	if p.Tags != nil {
		tags, err := models.NormalizeTags(*p.Tags)
		if err != nil {
			return nil, err
		}
		v["tags"] = tags
	}
	return v, nil
}

// DeleteTask moves userID's task n to the trash and returns it.
func (s *Store) DeleteTask(ctx context.Context, userID string, n int64) (models.Task, error) {
	task, err := single(s.DeleteTasks(ctx, userID, []int64{n}))
	if err != nil {
		return models.Task{}, fmt.Errorf("delete task: %w", err)
	}
	return task, nil
}

// DeleteTasks moves userID's tasks ns to the trash in one statement (and
// the counters' update in the same transaction). Trashed tasks keep their
// numbers and vanish from every listing and count but the trash's, until
// RestoreTasks brings them back or PurgeTrash removes them. Tasks deleted
// together share their DeletedAt.
func (s *Store) DeleteTasks(ctx context.Context, userID string, ns []int64) ([]models.TaskResult, error) {
	return s.moveTrash(ctx, userID, ns, true)
}

// RestoreTasks brings userID's tasks ns back from the trash, as they were.
// A number not in the trash is a not-found result.
func (s *Store) RestoreTasks(ctx context.Context, userID string, ns []int64) ([]models.TaskResult, error) {
	return s.moveTrash(ctx, userID, ns, false)
}

// moveTrash moves tasks into (del) or out of the trash and counts them.
func (s *Store) moveTrash(ctx context.Context, userID string, ns []int64, del bool) ([]models.TaskResult, error) {
	ns, err := checkNumbers(ns)
	if err != nil {
		return nil, err
	}
	var deletedUs int64 // restoring sets 0
	if del {
		deletedUs = now().UnixMicro()
	}
	var rows []taskRow
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&rows).Clauses(clause.Returning{}).Where("user_id = ? AND number IN ?", userID, ns)
		// updated_at stays: the trash is not an edit, and a restored task
		// comes back as it was.
		set := map[string]any{"deleted_us": deletedUs}
		if del {
			q = q.Where("deleted_us = 0")
		} else {
			q = q.Where("deleted_us <> 0")
		}
		if err := q.UpdateColumns(set).Error; err != nil {
			return err
		}
		var total, completed int64
		for _, r := range rows {
			total++
			if r.Completed {
				completed++
			}
		}
		if total == 0 {
			return nil
		}
		if del {
			total, completed = -total, -completed
		}
		// last_number stays: numbers are never reused.
		return tx.Exec("UPDATE task_counters SET total = total + ?, completed = completed + ? WHERE user_id = ?", total, completed, userID).Error
	})
	if err != nil {
		if del {
			return nil, fmt.Errorf("delete tasks: %w", err)
		}
		return nil, fmt.Errorf("restore tasks: %w", err)
	}
	byNumber := make(map[int64]taskRow, len(rows))
	for _, r := range rows {
		byNumber[r.Number] = r
	}
	ch := models.ChangeRestored
	if del {
		ch = models.ChangeDeleted
	}
	return results(ns, byNumber, ch), nil
}
