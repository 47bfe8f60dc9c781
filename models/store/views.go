package store

import (
	"context"
	"fmt"
	"time"

	"github.com/taskpilot/taskpilot/models"
)

// CompletedSince returns up to limit of userID's tasks completed at or
// after since (and with tag, if not empty), most recently completed first.
func (s *Store) CompletedSince(ctx context.Context, userID string, since time.Time, tag string, limit int) ([]models.Task, error) {
	w := &where{}
	w.add("user_id = ?", userID)
	if err := filter(w, models.TaskFilter{Status: models.StatusCompleted, Tag: tag}); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Where(w.String(), w.args...)
	var rows []taskRow
	err := q.Where("completed_at >= ?", since.UTC()).Order("completed_at DESC, number").Limit(viewLimit(limit)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list completed tasks: %w", err)
	}
	return tasks(rows), nil
}

// StaleTasks returns up to limit of userID's pending tasks (with tag, if
// not empty) last changed before before, least recently changed first.
func (s *Store) StaleTasks(ctx context.Context, userID string, before time.Time, tag string, limit int) ([]models.Task, error) {
	w := &where{}
	w.add("user_id = ?", userID)
	if err := filter(w, models.TaskFilter{Status: models.StatusPending, Tag: tag}); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Where(w.String(), w.args...)
	var rows []taskRow
	err := q.Where("updated_at < ?", before.UTC()).Order("updated_at, number").Limit(viewLimit(limit)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list stale tasks: %w", err)
	}
	return tasks(rows), nil
}

// viewLimit clamps a view's limit to 1..models.MaxListLimit (0: the default).
func viewLimit(limit int) int {
	if limit <= 0 {
		return models.DefaultListLimit
	}
	return min(limit, models.MaxListLimit)
}
