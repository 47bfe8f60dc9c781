package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/taskpilot/taskpilot/models"
)

// maxItemTypeLen bounds an item's type (the column is VARCHAR(64)).
const maxItemTypeLen = 64

// itemRow is a row of chat_items. Data holds the item's JSON; Seq keeps
// insertion order among items with the same created_at.
type itemRow struct {
	Seq       int64 `gorm:"primaryKey;autoIncrement"`
	UserID    string
	ThreadID  string
	ID        string
	Type      string
	CreatedAt time.Time
	Data      string
}

// TableName implements gorm's Tabler.
func (itemRow) TableName() string { return "chat_items" }

// item converts a row to the model, with CreatedAt in UTC.
func (r itemRow) item() models.ThreadItem {
	return models.ThreadItem{
		ID:        r.ID,
		ThreadID:  r.ThreadID,
		UserID:    r.UserID,
		Type:      r.Type,
		CreatedAt: r.CreatedAt.UTC(),
		Data:      []byte(r.Data),
	}
}

// feedbackRow is a row of chat_feedback: the latest rating of one item.
type feedbackRow struct {
	UserID    string `gorm:"primaryKey"`
	ThreadID  string `gorm:"primaryKey"`
	ItemID    string `gorm:"primaryKey"`
	Kind      models.FeedbackKind
	CreatedAt time.Time
}

// TableName implements gorm's Tabler.
func (feedbackRow) TableName() string { return "chat_feedback" }

// newItemRow checks it and builds its row in user's thread threadID.
// it.UserID and it.ThreadID are ignored; a zero CreatedAt means now.
func newItemRow(user, threadID string, it models.ThreadItem) (itemRow, error) {
	if user == "" {
		return itemRow{}, errors.New("empty user id")
	}
	if err := checkID("item_id", it.ID); err != nil {
		return itemRow{}, err
	}
	if it.Type == "" || len(it.Type) > maxItemTypeLen {
		return itemRow{}, models.Invalid("type", "must be 1 to %d bytes", maxItemTypeLen)
	}
	if !json.Valid(it.Data) {
		return itemRow{}, models.Invalid("data", "must be JSON")
	}
	return itemRow{
		UserID:    user,
		ThreadID:  threadID,
		ID:        it.ID,
		Type:      it.Type,
		CreatedAt: storedTime(it.CreatedAt, now()),
		Data:      string(it.Data),
	}, nil
}

// AddThreadItem appends it to user's thread threadID. It returns
// models.ErrNotFound if the thread is not user's, and models.ErrConflict
// if the thread already has an item with that id.
func (s *Store) AddThreadItem(ctx context.Context, user, threadID string, it models.ThreadItem) error {
	return s.AddThreadItems(ctx, user, threadID, []models.ThreadItem{it})
}

// AddThreadItems appends items, in order, to user's thread threadID in
// one statement (one commit): all of them or, with the errors of
// AddThreadItem, none.
func (s *Store) AddThreadItems(ctx context.Context, user, threadID string, items []models.ThreadItem) error {
	if len(items) == 0 {
		return nil
	}
	args, err := itemRowArgs(user, threadID, items)
	if err != nil {
		return fmt.Errorf("add thread item: %w", err)
	}
	// Raw SQL: the hottest write of a chat turn, without GORM's model
	// reflection and the RETURNING of Seq that Create would scan.
	if err := s.db.WithContext(ctx).Exec(insertItems(len(items)), args...).Error; err != nil {
		return fmt.Errorf("add thread item %s: %w", items[0].ID, itemWriteError(threadID, err))
	}
	return nil
}

// itemRowArgs returns the arguments of insertItems(len(items)) for
// items of user's thread threadID, each checked as newItemRow does.
func itemRowArgs(user, threadID string, items []models.ThreadItem) ([]any, error) {
	args := make([]any, 0, len(items)*6)
	for _, it := range items {
		row, err := newItemRow(user, threadID, it)
		if err != nil {
			return nil, err
		}
		args = append(args, row.UserID, row.ThreadID, row.ID, row.Type, row.CreatedAt, row.Data)
	}
	return args, nil
}

// insertItems returns the statement that inserts n items.
func insertItems(n int) string {
	const head = `INSERT INTO chat_items (user_id, thread_id, id, type, created_at, data) VALUES `
	const one = `(?, ?, ?, ?, ?, ?)`
	if n == 1 {
		return head + one // the usual case, a constant
	}
	return head + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

// SaveThreadItem replaces the item of user's thread threadID that has
// it.ID, keeping its place (its created_at and insertion order stay),
// or appends it when there is none. It returns models.ErrNotFound if the
// thread is not user's.
func (s *Store) SaveThreadItem(ctx context.Context, user, threadID string, it models.ThreadItem) error {
	row, err := newItemRow(user, threadID, it)
	if err != nil {
		return fmt.Errorf("save thread item: %w", err)
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "thread_id"}, {Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"type", "data"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save thread item %s: %w", it.ID, itemWriteError(threadID, err))
	}
	return nil
}

// itemWriteError translates the error of an item insert: the foreign key
// to (user_id, thread_id) fails exactly when the thread is not the user's.
func itemWriteError(threadID string, err error) error {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return threadNotFound(threadID)
	}
	return dbError(err)
}

// GetThreadItem returns item itemID of user's thread threadID, or
// models.ErrNotFound.
func (s *Store) GetThreadItem(ctx context.Context, user, threadID, itemID string) (models.ThreadItem, error) {
	var row itemRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND thread_id = ? AND id = ?", user, threadID, itemID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ThreadItem{}, fmt.Errorf("get thread item: %w", itemNotFound(threadID, itemID))
	}
	if err != nil {
		return models.ThreadItem{}, fmt.Errorf("get thread item %s: %w", itemID, err)
	}
	return row.item(), nil
}

// ListThreadItems returns a page of the items of user's thread threadID
// by creation time and whether more follow. It returns models.ErrNotFound
// if the thread is not user's or After names no item of it; a bad limit
// is a *models.ValidationError.
func (s *Store) ListThreadItems(ctx context.Context, user, threadID string, q models.PageQuery) ([]models.ThreadItem, bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&threadRow{}).Where("user_id = ? AND id = ?", user, threadID).Count(&n).Error; err != nil {
		return nil, false, fmt.Errorf("list thread items: %w", err)
	}
	if n == 0 {
		return nil, false, fmt.Errorf("list thread items: %w", threadNotFound(threadID))
	}
	listing := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&itemRow{}).Where("user_id = ? AND thread_id = ?", user, threadID)
	}
	page, limit, err := paginate(listing, q, "item")
	if err != nil {
		return nil, false, fmt.Errorf("list thread items: %w", err)
	}
	var rows []itemRow
	if err := page.Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("list thread items: %w", err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	out := make([]models.ThreadItem, len(rows))
	for i, r := range rows {
		out[i] = r.item()
	}
	return out, more, nil
}

// DeleteThreadItem deletes item itemID of user's thread threadID and its
// feedback, or returns models.ErrNotFound.
func (s *Store) DeleteThreadItem(ctx context.Context, user, threadID, itemID string) error {
	res := s.db.WithContext(ctx).Where("user_id = ? AND thread_id = ? AND id = ?", user, threadID, itemID).Delete(&itemRow{})
	if res.Error != nil {
		return fmt.Errorf("delete thread item %s: %w", itemID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete thread item: %w", itemNotFound(threadID, itemID))
	}
	return nil
}

func itemNotFound(threadID, itemID string) error {
	return fmt.Errorf("item %s of thread %s: %w", itemID, threadID, models.ErrNotFound)
}

// feedbackBatch is how many feedback rows one INSERT writes: 5 bind
// parameters each, far below the limits of both databases (SQLite 32766,
// PostgreSQL 65535), whatever the length of the list.
const feedbackBatch = 1000

// SaveFeedback records user's rating kind for the items itemIDs of thread
// threadID, replacing an earlier rating of the same item. All or none are
// recorded, in one transaction however long the list: it returns
// models.ErrNotFound if the thread is not user's or an item is not in it,
// and a *models.ValidationError for an unknown kind or a malformed id.
func (s *Store) SaveFeedback(ctx context.Context, user, threadID string, itemIDs []string, kind string) error {
	k := models.FeedbackKind(kind)
	if k != models.FeedbackPositive && k != models.FeedbackNegative {
		return models.Invalid("kind", "%q is not one of positive, negative", kind)
	}
	if err := checkID("thread_id", threadID); err != nil {
		return fmt.Errorf("save feedback: %w", err)
	}
	ts := now()
	var rows []feedbackRow
	seen := map[string]bool{}
	for _, id := range itemIDs {
		if err := checkID("item_ids", id); err != nil {
			return fmt.Errorf("save feedback: %w", err)
		}
		if !seen[id] { // one statement may not upsert a row twice
			seen[id] = true
			rows = append(rows, feedbackRow{UserID: user, ThreadID: threadID, ItemID: id, Kind: k, CreatedAt: ts})
		}
	}
	if len(rows) == 0 {
		_, err := s.GetThread(ctx, user, threadID)
		if err != nil {
			return fmt.Errorf("save feedback: %w", err)
		}
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for batch := range slices.Chunk(rows, feedbackBatch) {
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "user_id"}, {Name: "thread_id"}, {Name: "item_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"kind", "created_at"}),
			}).Create(&batch).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return fmt.Errorf("save feedback: %d items of thread %s: %w", len(rows), threadID, models.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("save feedback: %w", dbError(err))
	}
	return nil
}
