package store

import (
	"context"
	"fmt"

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

// SeedThreadItems bulk-inserts n assistant messages msg_0..msg_<n-1> into
// user's thread threadID, which must exist, and returns their ids. On
// PostgreSQL it then analyzes the table, as autovacuum would after such a
// load (unanalyzed, the foreign-key checks of a long feedback list scan it).
func (s *Store) SeedThreadItems(ctx context.Context, user, threadID string, n int) ([]string, error) {
	ids := make([]string, n)
	rows := make([]itemRow, n)
	for i := range n {
		ids[i] = fmt.Sprintf("msg_%d", i)
		rows[i] = itemRow{UserID: user, ThreadID: threadID, ID: ids[i], Type: "assistant_message", CreatedAt: now(),
			Data: `{"type":"assistant_message","id":"` + ids[i] + `","content":[]}`}
	}
	if err := s.db.WithContext(ctx).CreateInBatches(rows, 500).Error; err != nil {
		return nil, err
	}
	if s.db.Name() == DialectPostgres {
		return ids, s.db.WithContext(ctx).Exec("ANALYZE chat_items").Error
	}
	return ids, nil
}
