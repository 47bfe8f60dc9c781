package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// Exec runs a statement; tests use it to create and drop databases.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	return s.db.WithContext(ctx).Exec(sql, args...).Error
}

// SeedTasks bulk-inserts n tasks for userID (numbers after the existing
// ones), with spread-out dues, priorities and titles, and counts them.
func (s *Store) SeedTasks(ctx context.Context, userID string, n int) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c counterRow
		if err := tx.Where("user_id = ?", userID).Limit(1).Find(&c).Error; err != nil {
			return err
		}
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		rows := make([]taskRow, 0, n)
		for i := range n {
			num := c.LastNumber + int64(i) + 1
			prio := models.Priorities[i%3]
			title := fmt.Sprintf("Task %07d", (num*7919)%1000003)
			var due *models.Due
			if i%5 != 0 {
				due = &models.Due{At: base.Add(time.Duration((num*104729)%(365*24)) * time.Hour), HasTime: i%2 == 0}
			}
			d := dueCols(due)
			t := now()
			rows = append(rows, taskRow{
				UserID: userID, Number: num, Title: title, TitleKey: titleKey(title),
				Priority: prio, PriorityRank: priorityRank(prio),
				DueAt: d.At, DueHasTime: d.HasTime, DueKey: d.Key, OverdueAt: d.OverdueAt,
				Tags: models.Tags{"seed"}, CreatedAt: t, UpdatedAt: t,
			})
		}
		if err := tx.CreateInBatches(rows, 500).Error; err != nil {
			return err
		}
		c.UserID, c.LastNumber, c.Total = userID, c.LastNumber+int64(n), c.Total+int64(n)
		return tx.Save(&c).Error
	})
}

// CursorAt returns the cursor that continues a listing of all userID's
// tasks in sort order after the first offset tasks.
func (s *Store) CursorAt(ctx context.Context, userID string, sort models.Sort, offset int) (string, error) {
	order := "number"
	if k := sortKeys[sort]; k != "" {
		order = k + ", number"
	}
	var row taskRow
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order(order).Offset(offset - 1).Limit(1).Take(&row).Error
	if err != nil {
		return "", err
	}
	return cursorAfter(sort, row), nil
}

// MigrateTo applies the pending migrations up to version, as an older
// release would have left the database.
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	for _, m := range migrations() {
		if m.version > version {
			break
		}
		if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.apply(tx, m) }); err != nil {
			return err
		}
	}
	return nil
}
