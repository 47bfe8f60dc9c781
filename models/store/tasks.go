package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// CreateTask stores a new task for userID with the next task number.
func (s *Store) CreateTask(ctx context.Context, userID string, in models.NewTask) (models.Task, error) {
	out, err := s.CreateTasks(ctx, userID, []models.NewTask{in})
	if err != nil {
		return models.Task{}, err
	}
	return out[0], nil
}

// CreateTasks stores new tasks for userID with consecutive task numbers, in
// one transaction: all of them or, on any error, none.
func (s *Store) CreateTasks(ctx context.Context, userID string, in []models.NewTask) ([]models.Task, error) {
	if len(in) == 0 {
		return nil, models.Invalid("tasks", "give at least one task")
	}
	rows := make([]taskRow, len(in))
	for i, nt := range in {
		row, err := newRow(userID, nt)
		if err != nil {
			return nil, err
		}
		rows[i] = row
	}
	// The statement and its arguments are built before the transaction,
	// which holds the database (SQLite's one connection) until it ends.
	// So are its statements prepared (see prepareTx).
	// One row on SQLite is inserted without RETURNING and its id read
	// as the last insert id: a statement run for its result instead of
	// its rows spares database/sql's rows and their watcher goroutine.
	oneSQLite := len(rows) == 1 && s.dialect == DialectSQLite
	insert, args := insertTasks(rows, !oneSQLite)
	numbers, err := s.prepareTx(ctx, nextNumbersSQL)
	if err != nil {
		return nil, fmt.Errorf("create task: %w", err)
	}
	ins, err := s.prepareTx(ctx, insert)
	if err != nil {
		return nil, fmt.Errorf("create task: %w", err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		last, err := nextNumbers(ctx, tx, numbers, userID, int64(len(rows)))
		if err != nil {
			return err
		}
		for i := range rows {
			rows[i].Number = last - int64(len(rows)-1-i)
			args[i*len(insertColumns)+numberArg] = rows[i].Number
		}
		if oneSQLite {
			res, err := ins.exec(ctx, tx, args...)
			return s.translate(lastID(res, err, &rows[0]))
		}
		res, err := ins.rows(ctx, tx, args...)
		return s.translate(scanIDs(res, err, rows))
	})
	if err != nil {
		return nil, fmt.Errorf("create task: %w", dbError(err))
	}
	return tasks(rows), nil
}

// insertColumns are the columns insertTasks fills, all but id; number is
// the numberArg'th.
var insertColumns = []string{"user_id", "number", "title", "title_key", "description", "completed", "completed_at",
	"priority", "priority_rank", "due_at", "due_has_time", "due_key", "overdue_at", "tags", "created_at", "updated_at",
	"repeat_rule", "repeat_anchor", "repeat_done", "completions", "deleted_us"}

const numberArg = 1

// insertTasks returns the statement that inserts rows, and with
// returning returns their ids in order, with its arguments; each row's
// number argument is left for the caller to set. Written out rather than
// GORM's Create, whose reflection over the row cost more than SQLite's
// insert.
func insertTasks(rows []taskRow, returning bool) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO tasks (" + strings.Join(insertColumns, ", ") + ") VALUES ")
	one := "(" + strings.Repeat("?, ", len(insertColumns)-1) + "?)"
	args := make([]any, 0, len(rows)*len(insertColumns))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
		args = append(args, r.UserID, r.Number, r.Title, r.TitleKey, r.Description, r.Completed, r.CompletedAt,
			string(r.Priority), r.PriorityRank, r.DueAt, r.DueHasTime, r.DueKey, r.OverdueAt, r.Tags, r.CreatedAt, r.UpdatedAt,
			r.RepeatRule, r.RepeatAnchor, r.RepeatDone, r.Completions, r.DeletedUs)
	}
	if returning {
		b.WriteString(" RETURNING id")
	}
	return b.String(), args
}

// lastID sets the id of the one row an insert without RETURNING added
// (res, or failed with err) on row.
func lastID(res sql.Result, err error, row *taskRow) error {
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	if id <= 0 {
		return errors.New("insert task: no id returned")
	}
	row.ID = uint64(id)
	return nil
}

// scanIDs sets the ids the insert returned in res (or failed with err)
// on rows, in order.
func scanIDs(res *sql.Rows, err error, rows []taskRow) error {
	if err != nil {
		return err
	}
	defer res.Close()
	i := 0
	for res.Next() {
		if i == len(rows) {
			return errors.New("insert tasks: more ids than rows")
		}
		if err := res.Scan(&rows[i].ID); err != nil {
			return fmt.Errorf("insert tasks: %w", err)
		}
		i++
	}
	if err := res.Err(); err != nil {
		return err
	}
	if i != len(rows) {
		return fmt.Errorf("insert tasks: %d ids for %d rows", i, len(rows))
	}
	return nil
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
	row := taskRow{
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
		Completions:  "[]",
		CreatedAt:    t,
		UpdatedAt:    t,
	}
	if in.Repeat != nil {
		rule, err := in.Repeat.Normalize()
		if err != nil {
			return taskRow{}, err
		}
		if in.Due == nil {
			return taskRow{}, models.Invalid("due", "a repeating task needs a due date")
		}
		row.RepeatRule = rule.Encode()
		row.RepeatAnchor = models.OccurrenceOf(*in.Due, in.Location).Date.Format(time.DateOnly)
	}
	return row, nil
}

// nextNumbersSQL allocates task numbers: see nextNumbers.
const nextNumbersSQL = `INSERT INTO task_counters (user_id, last_number, total, completed) VALUES (?, ?, ?, 0)
		ON CONFLICT (user_id) DO UPDATE SET last_number = task_counters.last_number + ?, total = task_counters.total + ?
		RETURNING last_number`

// nextNumbers allocates k task numbers for userID and counts the new
// tasks, in one statement (st, of nextNumbersSQL) that locks the user's
// counter row until tx ends, so concurrent creates get distinct numbers.
// It returns the last number allocated; the k numbers end there. Numbers
// are never reused: the counter only grows.
func nextNumbers(ctx context.Context, tx *gorm.DB, st txStmt, userID string, k int64) (int64, error) {
	var n int64
	err := st.scan(ctx, tx, []any{&n}, userID, k, k, k, k)
	if err != nil {
		return 0, fmt.Errorf("allocate number: %w", unavailableError(err))
	}
	if n == 0 {
		return 0, errors.New("allocate number: no number returned")
	}
	return n, nil
}

// GetTask returns userID's task number n, or models.ErrNotFound.
func (s *Store) GetTask(ctx context.Context, userID string, n int64) (models.Task, error) {
	var row taskRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND number = ? AND deleted_us = 0", userID, n).Take(&row).Error
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
		return s.db.WithContext(ctx).Where("user_id = ? AND deleted_us = 0", userID).Order("number").Limit(limit)
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
