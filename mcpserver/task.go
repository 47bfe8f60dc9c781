package mcpserver

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/taskpilot/taskpilot/models"
)

// taskJSON is a task as every tool returns it. Its times are RFC 3339
// text in UTC, formatted as time.Time's MarshalJSON formats them
// (wireTime): encoding/json re-scans every MarshalJSON result, which
// cost more than the rest of a listing's encoding.
type taskJSON struct {
	TaskID      int64      `json:"task_id" jsonschema:"the user's task number; use it as task_id in other tools"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Completed   bool       `json:"completed"`
	CompletedAt string     `json:"completed_at,omitempty" jsonschema:"when the task was completed (RFC 3339); absent while pending"`
	Priority    string     `json:"priority" jsonschema:"low, medium or high"`
	Due         string     `json:"due,omitempty" jsonschema:"due date (YYYY-MM-DD) or date-time (RFC 3339, UTC); absent when there is none"`
	Overdue     bool       `json:"overdue" jsonschema:"true if the task is pending and its due date has passed"`
	Tags        []string   `json:"tags"`
	CreatedAt   string     `json:"created_at"`
	UpdatedAt   string     `json:"updated_at"`
	RepeatText  string     `json:"repeat_text,omitempty" jsonschema:"the repeat rule in words, e.g. every 2 weeks on Mon, Thu; absent for a one-off task"`
	Repeat      *repeatOut `json:"repeat,omitempty" jsonschema:"the repeat rule; absent for a one-off task"`
	DeletedAt   string     `json:"deleted_at,omitempty" jsonschema:"when the task went to the trash (RFC 3339); absent outside the trash"`
}

// wireTime is t in UTC as the tools return times: RFC 3339 with as many
// fractional digits as needed, what time.Time's MarshalJSON writes.
func wireTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// wireTimePtr is wireTime of *t, or "" (absent) for nil.
func wireTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return wireTime(*t)
}

// repeatIn is a repeat rule as add_task and update_task take it.
type repeatIn struct {
	Every    string   `json:"every" jsonschema:"day, week, month or year"`
	Interval int      `json:"interval,omitempty" jsonschema:"every how many days, weeks, months or years (default 1)"`
	Weekdays []string `json:"weekdays,omitempty" jsonschema:"for weekly rules: the days, mon..sun"`
	Until    string   `json:"until,omitempty" jsonschema:"last possible date (YYYY-MM-DD); do not give count as well"`
	Count    int      `json:"count,omitempty" jsonschema:"how many times in all, the first included; do not give until as well"`
}

// repeatOut is a repeat rule as the tools return it.
type repeatOut struct {
	Every    string   `json:"every" jsonschema:"day, week, month or year"`
	Interval int      `json:"interval"`
	Weekdays []string `json:"weekdays,omitempty"`
	Until    string   `json:"until,omitempty"`
	Count    int      `json:"count,omitempty"`
	Done     int      `json:"done" jsonschema:"completions so far"`
}

// everyNone is the repeat.every value that stops a task repeating.
const everyNone = "none"

// repeatRule validates a repeat argument; field names it in errors.
func repeatRule(in repeatIn) (models.Repeat, error) {
	return models.Repeat{Every: models.Frequency(in.Every), Interval: in.Interval, Weekdays: in.Weekdays,
		Until: in.Until, Count: in.Count}.Normalize()
}

// constrainRepeat adds the limits of a repeat rule to the repeat property
// of s; withNone allows every: none (update_task).
func constrainRepeat(s *jsonschema.Schema, withNone bool) {
	r := prop(s, "repeat")
	every := enum(models.Frequencies...)
	desc := "day, week, month or year"
	if withNone {
		every = append(every, everyNone)
		desc += "; none stops repeating"
	}
	prop(r, "every").Enum = every
	prop(r, "every").Description = desc
	iv := prop(r, "interval")
	// No "default": the SDK would apply it by creating a repeat object.
	iv.Minimum, iv.Maximum = new(1.0), jsonschema.Ptr(float64(models.MaxRepeatInterval))
	wd := prop(r, "weekdays")
	wd.MaxItems = new(7)
	wd.Items.Enum = enum(models.WeekdayNames...)
	prop(r, "until").MaxLength = new(10)
	c := prop(r, "count")
	c.Minimum, c.Maximum = new(1.0), jsonschema.Ptr(float64(models.MaxRepeatCount))
}

// itemResult is the outcome of a bulk call for one task.
type itemResult struct {
	Item    int    `json:"item,omitempty" jsonschema:"for add_task: the item's position in tasks, from 1"`
	TaskID  int64  `json:"task_id,omitempty"`
	Status  string `json:"status,omitempty" jsonschema:"what happened; absent when the item failed"`
	Title   string `json:"title,omitempty"`
	NextDue string `json:"next_due,omitempty" jsonschema:"for a repeating task completed: its new due date, pending again"`
	Error   string `json:"error,omitempty" jsonschema:"why this item failed; the others are not affected"`
}

// bulkText is the summary of a bulk call: "2 of 3 tasks completed." and a
// line per item.
func bulkText(verb string, results []itemResult) string {
	ok := 0
	var lines []string
	for _, r := range results {
		switch {
		case r.Error != "":
			lines = append(lines, "- "+r.Error)
		default:
			ok++
			line := fmt.Sprintf("- task %d %s: %s", r.TaskID, r.Status, r.Title)
			if r.NextDue != "" {
				line += " (repeats; next due " + r.NextDue + ")"
			}
			lines = append(lines, line)
		}
	}
	head := fmt.Sprintf("%d of %d tasks %s.", ok, len(results), verb)
	if ok == len(results) {
		head = fmt.Sprintf("All %d tasks %s.", ok, verb)
	}
	return head + "\n" + strings.Join(lines, "\n")
}

// taskIDsSchema constrains the task_id and task_ids properties of s:
// exactly one is given, task_ids 1..maxBulk numbers.
func taskIDsSchema(s *jsonschema.Schema) {
	prop(s, "task_id").Minimum = new(1.0)
	ids := prop(s, "task_ids")
	ids.MinItems, ids.MaxItems = new(1), new(maxBulk)
	ids.Items.Minimum = new(1.0)
}

// maxBulk is how many task numbers task_ids takes.
const maxBulk = 50

// targets returns the task numbers of a call with task_id or task_ids
// (exactly one), and whether it is a bulk call.
func targets(id int64, ids []int64) ([]int64, bool, error) {
	switch {
	case id != 0 && len(ids) > 0:
		return nil, false, userErrorf("Give task_id (one task) or task_ids (several), not both.")
	case id != 0:
		return []int64{id}, false, nil
	case len(ids) > 0:
		return ids, true, nil
	}
	return nil, false, userErrorf("Invalid arguments: missing required argument \"task_id\" (or \"task_ids\" for several tasks).")
}

// itemError is the result of a failed item: a not-found or validation
// message the model can act on.
func itemError(n int64, err error) (itemResult, bool) {
	if errors.Is(err, models.ErrNotFound) {
		return itemResult{TaskID: n, Error: fmt.Sprintf("Task %d not found.", n)}, true
	}
	if ve, ok := errors.AsType[*models.ValidationError](err); ok {
		msg := "Task " + fmt.Sprint(n) + ": invalid "
		if ve.Field == "" {
			msg += "input"
		} else {
			msg += ve.Field
		}
		return itemResult{TaskID: n, Error: msg + ": " + ve.Reason + "."}, true
	}
	return itemResult{}, false
}

// dayText formats a due date for people: "Mon 8 Dec", with the year when
// it is not this year's and the time of day in loc for a date-time.
func dayText(d *models.Due, now time.Time, loc *time.Location) string {
	if d == nil {
		return ""
	}
	t := d.At.UTC()
	layout := "Mon 2 Jan"
	if d.HasTime {
		t = d.At.In(loc)
		layout += " 15:04"
	}
	if t.Year() != now.In(loc).Year() {
		layout = strings.Replace(layout, "Jan", "Jan 2006", 1)
	}
	return t.Format(layout)
}

// toTaskJSON converts a stored task; now decides whether it is overdue.
func toTaskJSON(t models.Task, now time.Time) taskJSON {
	tags := []string(t.Tags)
	if tags == nil {
		tags = []string{}
	}
	var rule *repeatOut
	ruleText := ""
	if t.Repeat != nil {
		r := t.Repeat
		rule = &repeatOut{Every: string(r.Every), Interval: r.Interval, Weekdays: r.Weekdays, Until: r.Until, Count: r.Count, Done: t.RepeatDone}
		ruleText = r.String()
	}
	return taskJSON{
		RepeatText:  ruleText,
		Repeat:      rule,
		DeletedAt:   wireTimePtr(t.DeletedAt),
		TaskID:      t.Number,
		Title:       t.Title,
		Description: t.Description,
		Completed:   t.Completed,
		CompletedAt: wireTimePtr(t.CompletedAt),
		Priority:    string(t.Priority),
		Due:         t.Due(),
		Overdue:     t.Overdue(now),
		Tags:        tags,
		CreatedAt:   wireTime(t.CreatedAt),
		UpdatedAt:   wireTime(t.UpdatedAt),
	}
}

// taskLine is a compact one-line summary of a task:
// `#3 [ ] Buy milk (due 2026-11-28, overdue, high, tags: home, errands)`.
func taskLine(t taskJSON) string {
	var b strings.Builder
	writeTaskLine(&b, t)
	return b.String()
}

// writeTaskLine writes taskLine(t) to b, without the allocations of
// formatting each part on its own (a listing writes a line per task).
func writeTaskLine(b *strings.Builder, t taskJSON) {
	b.WriteByte('#')
	var num [20]byte
	b.Write(strconv.AppendInt(num[:0], t.TaskID, 10))
	if t.Completed {
		b.WriteString(" [x] ")
	} else {
		b.WriteString(" [ ] ")
	}
	b.WriteString(t.Title)
	details := 0
	detail := func(parts ...string) {
		if details == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		details++
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	if t.Due != "" {
		detail("due ", t.Due)
	}
	if t.Overdue {
		detail("overdue")
	}
	if t.Priority != string(models.PriorityMedium) {
		detail(t.Priority)
	}
	if len(t.Tags) > 0 {
		detail("tags: ", strings.Join(t.Tags, ", "))
	}
	if t.RepeatText != "" {
		detail("repeats ", t.RepeatText)
	}
	if t.DeletedAt != "" {
		detail("deleted ", t.DeletedAt[:len(time.DateOnly)]) // the UTC date of an RFC 3339 UTC time
	}
	if details > 0 {
		b.WriteByte(')')
	}
}
