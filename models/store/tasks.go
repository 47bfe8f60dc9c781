package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/taskpilot/taskpilot/models"
)

// CreateTask stores a new task for userID with the next task number.
func (s *Store) CreateTask(ctx context.Context, userID string, in models.NewTask) (models.Task, error) {
	row, err := newRow(userID, in)
	if err != nil {
		return models.Task{}, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := nextNumber(tx, userID)
		if err != nil {
			return err
		}
		row.Number = n
		return tx.Create(&row).Error
	})
	if err != nil {
		return models.Task{}, fmt.Errorf("create task: %w", dbError(err))
	}
	return row.task(), nil
}

// newRow validates in (cheaply, so a bad call cannot store garbage) and
// builds the row to insert, without its number.
func newRow(userID string, in models.NewTask) (taskRow, error) {
	if userID == "" {
		return taskRow{}, errors.New("create task: empty user id")
	}
	title, err := models.ValidateTitle(in.Title)
	if err != nil {
		return taskRow{}, err
	}
	desc, err := models.ValidateDescription(in.Description)
	if err != nil {
		return taskRow{}, err
	}
	prio, err := models.ParsePriority(string(in.Priority))
	if err != nil {
		return taskRow{}, err
	}
	tags, err := models.NormalizeTags(in.Tags)
	if err != nil {
		return taskRow{}, err
	}
	due := dueCols(in.Due)
	t := now()
	return taskRow{
		UserID:       userID,
		Title:        title,
		TitleKey:     titleKey(title),
		Description:  desc,
		Priority:     prio,
		PriorityRank: priorityRank(prio),
		DueAt:        due.At,
		DueHasTime:   due.HasTime,
		DueKey:       due.Key,
		OverdueAt:    due.OverdueAt,
		Tags:         tags,
		CreatedAt:    t,
		UpdatedAt:    t,
	}, nil
}

// nextNumber allocates userID's next task number and counts the new task,
// in one statement that locks the user's counter row until tx ends, so
// concurrent creates get distinct numbers. Numbers are never reused: the
// counter only grows.
func nextNumber(tx *gorm.DB, userID string) (int64, error) {
	var n int64
	err := tx.Raw(`INSERT INTO task_counters (user_id, last_number, total, completed) VALUES (?, 1, 1, 0)
		ON CONFLICT (user_id) DO UPDATE SET last_number = task_counters.last_number + 1, total = task_counters.total + 1
		RETURNING last_number`, userID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("allocate number: %w", err)
	}
	if n == 0 {
		return 0, errors.New("allocate number: no number returned")
	}
	return n, nil
}

// GetTask returns userID's task number n, or models.ErrNotFound.
func (s *Store) GetTask(ctx context.Context, userID string, n int64) (models.Task, error) {
	var row taskRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND number = ?", userID, n).Take(&row).Error
	if err != nil {
		return models.Task{}, notFound(n, err)
	}
	return row.task(), nil
}

// notFound maps gorm.ErrRecordNotFound to models.ErrNotFound for task n.
func notFound(n int64, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("task %d: %w", n, models.ErrNotFound)
	}
	return fmt.Errorf("task %d: %w", n, dbError(err))
}

// FindTasksByTitle returns userID's tasks whose title equals name
// case-insensitively; if there are none, those whose title contains name
// case-insensitively. At most limit tasks, by task number.
func (s *Store) FindTasksByTitle(ctx context.Context, userID, name string, limit int) ([]models.Task, error) {
	key := titleKey(strings.TrimSpace(name))
	if key == "" {
		return nil, models.Invalid("name", "must not be empty")
	}
	if limit <= 0 {
		limit = models.DefaultListLimit
	}
	limit = min(limit, models.MaxListLimit)

	q := func() *gorm.DB {
		return s.db.WithContext(ctx).Where("user_id = ?", userID).Order("number").Limit(limit)
	}
	var rows []taskRow
	if err := q().Where("title_key = ?", key).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("find tasks by title: %w", err)
	}
	if len(rows) == 0 {
		if err := q().Where(`title_key LIKE ? ESCAPE '\'`, "%"+escapeLike(key)+"%").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("find tasks by title: %w", err)
		}
	}
	return tasks(rows), nil
}

// tasks converts rows to the API model.
func tasks(rows []taskRow) []models.Task {
	out := make([]models.Task, len(rows))
	for i, r := range rows {
		out[i] = r.task()
	}
	return out
}

// escapeLike escapes the LIKE wildcards in s for use with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SetTaskCompleted sets (never toggles) the completed flag of userID's task n
// and its completed_at, and returns the task as stored.
func (s *Store) SetTaskCompleted(ctx context.Context, userID string, n int64, completed bool) (models.Task, error) {
	var task models.Task
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t := now()
		values := map[string]any{"completed": completed, "completed_at": nil, "updated_at": t}
		delta := int64(-1)
		if completed {
			values["completed_at"] = t
			delta = 1
		}
		// Only a row whose state changes is updated, so completing twice
		// keeps the first completed_at and counts once.
		var rows []taskRow
		res := tx.Model(&rows).Clauses(clause.Returning{}).
			Where("user_id = ? AND number = ? AND completed <> ?", userID, n, completed).
			Updates(values)
		if res.Error != nil {
			return res.Error
		}
		if len(rows) == 0 {
			var row taskRow
			if err := tx.Where("user_id = ? AND number = ?", userID, n).Take(&row).Error; err != nil {
				return err
			}
			task = row.task()
			return nil
		}
		if err := tx.Exec("UPDATE task_counters SET completed = completed + ? WHERE user_id = ?", delta, userID).Error; err != nil {
			return fmt.Errorf("count: %w", err)
		}
		task = rows[0].task()
		return nil
	})
	if err != nil {
		return models.Task{}, fmt.Errorf("set completed: %w", notFound(n, err))
	}
	return task, nil
}

// UpdateTask applies p to userID's task n and returns the task as stored.
func (s *Store) UpdateTask(ctx context.Context, userID string, n int64, p models.TaskPatch) (models.Task, error) {
	values, err := patchValues(p)
	if err != nil {
		return models.Task{}, err
	}
	var rows []taskRow
	err = s.db.WithContext(ctx).Model(&rows).Clauses(clause.Returning{}).
		Where("user_id = ? AND number = ?", userID, n).
		Updates(values).Error
	if err == nil && len(rows) == 0 {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		return models.Task{}, fmt.Errorf("update task: %w", notFound(n, err))
	}
	return rows[0].task(), nil
}

// patchValues validates p and returns the columns to set.
func patchValues(p models.TaskPatch) (map[string]any, error) {
	if p.Empty() {
		return nil, models.Invalid("", "nothing to update: give at least one field to change")
	}
	if p.Due != nil && p.ClearDue {
		return nil, models.Invalid("due", "cannot set a due date and clear it in the same update")
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
		d := dueCols(p.Due) // nil when clearing
		v["due_at"], v["due_has_time"], v["due_key"], v["overdue_at"] = d.At, d.HasTime, d.Key, d.OverdueAt
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

// DeleteTask deletes userID's task n and returns it as it was.
func (s *Store) DeleteTask(ctx context.Context, userID string, n int64) (models.Task, error) {
	var rows []taskRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Returning{}).Where("user_id = ? AND number = ?", userID, n).Delete(&rows).Error
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return gorm.ErrRecordNotFound
		}
		completed := int64(0)
		if rows[0].Completed {
			completed = 1
		}
		// last_number stays: numbers are never reused.
		return tx.Exec("UPDATE task_counters SET total = total - 1, completed = completed - ? WHERE user_id = ?", completed, userID).Error
	})
	if err != nil {
		return models.Task{}, fmt.Errorf("delete task: %w", notFound(n, err))
	}
	return rows[0].task(), nil
}
