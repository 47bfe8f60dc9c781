package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// threadRow is a row of chat_threads. Seq is the insertion counter that
// breaks created_at ties; it never leaves the package.
type threadRow struct {
	Seq                 int64 `gorm:"primaryKey;autoIncrement"`
	UserID              string
	ID                  string
	Title               *string
	Status              string
	AllowedImageDomains *string
	Metadata            string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// TableName implements gorm's Tabler.
func (threadRow) TableName() string { return "chat_threads" }

// thread converts a row to the model, with times in UTC.
func (r threadRow) thread() models.Thread {
	return models.Thread{
		ID:                  r.ID,
		UserID:              r.UserID,
		Title:               r.Title,
		Status:              r.Status,
		AllowedImageDomains: r.AllowedImageDomains,
		Metadata:            r.Metadata,
		CreatedAt:           r.CreatedAt.UTC(),
		UpdatedAt:           r.UpdatedAt.UTC(),
	}
}

// SaveThread inserts user's thread t, or updates its title, status,
// allowed image domains and metadata. CreatedAt is kept from the first
// save (zero means now); t.UserID is ignored: the thread belongs to user,
// so saving an id another user holds creates a separate thread and never
// touches theirs.
func (s *Store) SaveThread(ctx context.Context, user string, t models.Thread) error {
	if err := checkThread(user, t); err != nil {
		return fmt.Errorf("save thread: %w", err)
	}
	ts := now()
	row := threadRow{
		UserID:              user,
		ID:                  t.ID,
		Title:               t.Title,
		Status:              t.Status,
		AllowedImageDomains: t.AllowedImageDomains,
		Metadata:            t.Metadata,
		CreatedAt:           storedTime(t.CreatedAt, ts),
		UpdatedAt:           ts,
	}
	// Raw SQL, as in AddThreadItem: saved twice in most chat turns.
	err := s.db.WithContext(ctx).Exec(insertThreadSQL+`
		ON CONFLICT (user_id, id) DO UPDATE SET title = excluded.title, status = excluded.status,
			allowed_image_domains = excluded.allowed_image_domains, metadata = excluded.metadata, updated_at = excluded.updated_at`,
		row.UserID, row.ID, row.Title, row.Status, row.AllowedImageDomains, row.Metadata, row.CreatedAt, row.UpdatedAt).Error
	if err != nil {
		return fmt.Errorf("save thread %s: %w", t.ID, dbError(err))
	}
	return nil
}

// insertThreadSQL inserts a thread row: user_id, id, title, status,
// allowed_image_domains, metadata, created_at, updated_at.
const insertThreadSQL = `INSERT INTO chat_threads (user_id, id, title, status, allowed_image_domains, metadata, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// CreateThread stores user's new thread t with its first items, in
// order, in one transaction: the thread and all of them or, with the
// error, nothing. CreatedAt is set as in SaveThread, the items are
// checked as in AddThreadItems; a thread id user already has is
// models.ErrConflict (another user's thread of the same id is a separate
// thread, never touched).
func (s *Store) CreateThread(ctx context.Context, user string, t models.Thread, items []models.ThreadItem) error {
	if err := checkThread(user, t); err != nil {
		return fmt.Errorf("create thread: %w", err)
	}
	ts := now()
	threadArgs := []any{user, t.ID, t.Title, t.Status, t.AllowedImageDomains, t.Metadata, storedTime(t.CreatedAt, ts), ts}
	itemArgs, err := itemRowArgs(user, t.ID, items)
	if err != nil {
		return fmt.Errorf("create thread: %w", err)
	}
	// Prepared before the transaction, which holds SQLite's one
	// connection (see prepareTx).
	insThread, err := s.prepareTx(ctx, insertThreadSQL)
	if err != nil {
		return fmt.Errorf("create thread: %w", err)
	}
	var insItems txStmt
	if len(items) > 0 {
		if insItems, err = s.prepareTx(ctx, insertItems(len(items))); err != nil {
			return fmt.Errorf("create thread: %w", err)
		}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := insThread.exec(ctx, tx, threadArgs...); err != nil {
			return s.translate(err)
		}
		if len(items) == 0 {
			return nil
		}
		_, err := insItems.exec(ctx, tx, itemArgs...)
		return s.translate(err)
	})
	if err != nil {
		return fmt.Errorf("create thread %s: %w", t.ID, dbError(err))
	}
	return nil
}

// checkThread rejects what the store must not keep: no user, a bad id or
// malformed JSON columns.
func checkThread(user string, t models.Thread) error {
	if user == "" {
		return errors.New("empty user id")
	}
	if err := checkID("thread_id", t.ID); err != nil {
		return err
	}
	if !json.Valid([]byte(t.Status)) {
		return models.Invalid("status", "must be JSON")
	}
	if !json.Valid([]byte(t.Metadata)) {
		return models.Invalid("metadata", "must be JSON")
	}
	if t.AllowedImageDomains != nil && !json.Valid([]byte(*t.AllowedImageDomains)) {
		return models.Invalid("allowed_image_domains", "must be JSON")
	}
	return nil
}

// checkID rejects an empty, overlong or malformed thread or item id
// (models.ValidateID), which PostgreSQL might not even be able to compare.
func checkID(field, id string) error {
	return models.ValidateID(field, id)
}

// storedTime is t as both databases keep it (UTC, microseconds), or def
// when t is zero.
func storedTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t.UTC().Truncate(time.Microsecond)
}

// GetThread returns user's thread id, or models.ErrNotFound.
func (s *Store) GetThread(ctx context.Context, user, id string) (models.Thread, error) {
	var row threadRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND id = ?", user, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Thread{}, fmt.Errorf("get thread: %w", threadNotFound(id))
	}
	if err != nil {
		return models.Thread{}, fmt.Errorf("get thread %s: %w", id, err)
	}
	return row.thread(), nil
}

// ListThreads returns a page of user's threads by creation time and
// whether more follow. An After that names no thread of user is
// models.ErrNotFound; a bad limit is a *models.ValidationError.
func (s *Store) ListThreads(ctx context.Context, user string, q models.PageQuery) ([]models.Thread, bool, error) {
	listing := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&threadRow{}).Where("user_id = ?", user)
	}
	page, limit, err := paginate(listing, q, "thread")
	if err != nil {
		return nil, false, fmt.Errorf("list threads: %w", err)
	}
	var rows []threadRow
	if err := page.Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("list threads: %w", err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	out := make([]models.Thread, len(rows))
	for i, r := range rows {
		out[i] = r.thread()
	}
	return out, more, nil
}

// DeleteThread deletes user's thread id with its items and their feedback
// (one statement: the foreign keys cascade), or returns models.ErrNotFound.
func (s *Store) DeleteThread(ctx context.Context, user, id string) error {
	res := s.db.WithContext(ctx).Where("user_id = ? AND id = ?", user, id).Delete(&threadRow{})
	if res.Error != nil {
		return fmt.Errorf("delete thread %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete thread: %w", threadNotFound(id))
	}
	return nil
}

func threadNotFound(id string) error { return fmt.Errorf("thread %s: %w", id, models.ErrNotFound) }

// position is where a row sits in a listing: creation time, then
// insertion order.
type position struct {
	CreatedAt time.Time
	Seq       int64
}

// paginate orders the rows of listing (a query with its model and scope
// set) by position and narrows them to the page q asks for, plus one row
// to tell whether more follow. It returns that query and the page size.
// what names the listed rows in a not-found error for q.After.
func paginate(listing func() *gorm.DB, q models.PageQuery, what string) (*gorm.DB, int, error) {
	limit := q.Limit
	if limit == 0 {
		limit = models.DefaultPageLimit
	}
	if limit < 1 || limit > models.MaxPageLimit {
		return nil, 0, models.Invalid("limit", "is %d; it must be between 1 and %d", q.Limit, models.MaxPageLimit)
	}
	page := listing()
	if q.After != "" {
		var after position
		res := listing().Select("created_at, seq").Where("id = ?", q.After).Limit(1).Scan(&after)
		if res.Error != nil {
			return nil, 0, fmt.Errorf("after %s: %w", q.After, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil, 0, fmt.Errorf("after %s %s: %w", what, q.After, models.ErrNotFound)
		}
		op := ">"
		if q.Desc {
			op = "<"
		}
		page = page.Where("(created_at, seq) "+op+" (?, ?)", after.CreatedAt, after.Seq)
	}
	order := "created_at, seq"
	if q.Desc {
		order = "created_at DESC, seq DESC"
	}
	return page.Order(order).Limit(limit + 1), limit, nil
}
