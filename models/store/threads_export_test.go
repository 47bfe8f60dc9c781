package store

import (
	"context"

	"github.com/taskpilot/taskpilot/models"
)

// Feedback returns user's recorded ratings on thread threadID by item id;
// tests use it to see what SaveFeedback kept.
func (s *Store) Feedback(ctx context.Context, user, threadID string) (map[string]models.FeedbackKind, error) {
	var rows []feedbackRow
	if err := s.db.WithContext(ctx).Where("user_id = ? AND thread_id = ?", user, threadID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]models.FeedbackKind{}
	for _, r := range rows {
		out[r.ItemID] = r.Kind
	}
	return out, nil
}
