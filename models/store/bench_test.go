package store_test

import (
	"context"
	"testing"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// BenchmarkListTasks100k lists one page of a user who has 100,000 tasks,
// at the start and 99,900 tasks deep, with the default and the due sort.
// With keyset pagination the deep page costs about what the first does.
func BenchmarkListTasks100k(b *testing.B) {
	dbs := map[string]func(testing.TB) *store.Store{
		"sqlite":   storetest.OpenSQLite,
		"postgres": storetest.OpenPostgres,
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			s := dbs[name](b)
			ctx := context.Background()
			const n = 100_000
			if err := s.SeedTasks(ctx, "alice", n); err != nil {
				b.Fatal(err)
			}
			if err := s.SeedTasks(ctx, "bob", 1000); err != nil {
				b.Fatal(err)
			}
			for _, sort := range []models.Sort{models.SortCreated, models.SortDue} {
				deep, err := s.CursorAt(ctx, "alice", sort, n-100)
				if err != nil {
					b.Fatal(err)
				}
				for _, pos := range []struct {
					name, cursor string
				}{{"first", ""}, {"deep", deep}} {
					b.Run(string(sort)+"/"+pos.name, func(b *testing.B) {
						f := models.TaskFilter{Sort: sort, Limit: models.DefaultListLimit, Cursor: pos.cursor}
						benchList(b, s, f)
					})
				}
			}
		})
	}
}

func benchList(b *testing.B, s *store.Store, f models.TaskFilter) {
	for b.Loop() {
		page, err := s.ListTasks(b.Context(), "alice", f)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Tasks) != f.Limit || page.Counts.Total != 100_000 {
			b.Fatalf("got %d tasks, total %d", len(page.Tasks), page.Counts.Total)
		}
	}
}
