package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// Prompts: plan_my_day, weekly_review and capture. Each is a user message
// that carries the user's current tasks (read when the prompt is got) and
// tells the model what to do with them through the tools.

// maxCaptureLen bounds capture's text argument, in characters.
const maxCaptureLen = 20000

// Review windows.
const (
	upcomingDays = 7
	staleDays    = 14
	reviewLimit  = 30
)

// reviewStore is what weekly_review needs beyond TaskStore;
// *store.Store implements it. Without it the prompt leaves those sections
// out.
type reviewStore interface {
	CompletedSince(ctx context.Context, userID string, since time.Time, tag string, limit int) ([]models.Task, error)
	StaleTasks(ctx context.Context, userID string, before time.Time, tag string, limit int) ([]models.Task, error)
}

// tagArgument is the optional tag argument of every prompt.
var tagArgument = &mcp.PromptArgument{
	Name:        "tag",
	Title:       "Tag",
	Description: "Only tasks with this tag (e.g. work); leave empty for all tasks.",
}

// prompts returns the prompt definitions, in listing order.
func prompts() []*mcp.Prompt {
	return []*mcp.Prompt{
		{
			Name:        "plan_my_day",
			Title:       "Plan my day",
			Description: "Today's and overdue tasks, and a question: what should I focus on today?",
			Arguments:   []*mcp.PromptArgument{tagArgument},
		},
		{
			Name:        "weekly_review",
			Title:       "Weekly review",
			Description: "Review the week: what got done, what is overdue, what is coming up and what has gone stale.",
			Arguments:   []*mcp.PromptArgument{tagArgument},
		},
		{
			Name:        "capture",
			Title:       "Capture tasks from a note",
			Description: "Turn a pasted text or note (an email, meeting notes, a list) into tasks, added in one add_task call.",
			Arguments: []*mcp.PromptArgument{
				{Name: "text", Title: "Text", Description: "The text or note to turn into tasks.", Required: true},
				{Name: "tag", Title: "Tag", Description: "A tag to put on every captured task (e.g. work); optional."},
			},
		},
	}
}

// addPrompts registers the prompts on srv.
func (s *server) addPrompts(srv *mcp.Server) {
	handlers := map[string]func(context.Context, string, string, map[string]string) (string, error){
		"plan_my_day":   s.planMyDay,
		"weekly_review": s.weeklyReview,
		"capture":       s.capture,
	}
	for _, p := range prompts() {
		h := handlers[p.Name]
		srv.AddPrompt(p, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			user, err := s.userOf(ctx, req.Extra)
			if err != nil {
				return nil, err
			}
			args := req.Params.Arguments
			tag, err := promptTag(args["tag"])
			if err != nil {
				return nil, err
			}
			text, err := h(ctx, user, tag, args)
			if err != nil {
				if _, ok := errors.AsType[*jsonrpc.Error](err); ok {
					return nil, err
				}
				return nil, s.internal(ctx, "get prompt "+p.Name, err)
			}
			return &mcp.GetPromptResult{
				Description: p.Description,
				Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
			}, nil
		})
	}
}

// invalidArg is the JSON-RPC error for a bad prompt argument.
func invalidArg(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// promptTag validates the optional tag argument.
func promptTag(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	tag, err := models.NormalizeTag(s)
	if ve, ok := errors.AsType[*models.ValidationError](err); ok {
		return "", invalidArg("invalid tag: %s", ve.Reason)
	}
	return tag, err
}

// today formats now's date with its weekday: "Sunday 2026-05-10".
func today(now time.Time) string {
	return now.Format("Monday 2006-01-02")
}

// section writes a heading and the tasks as a list ("none" when empty).
func section(b *strings.Builder, title string, ts []taskJSON, more bool) {
	count := strconv.Itoa(len(ts))
	if more {
		count += "+"
	}
	fmt.Fprintf(b, "\n## %s (%s)\n", title, count)
	if len(ts) == 0 {
		b.WriteString("none\n")
	}
	for _, t := range ts {
		b.WriteString("- " + taskLine(t) + "\n")
	}
}

// scope names the tag in a prompt's opening line.
func scope(tag string) string {
	if tag == "" {
		return ""
	}
	return fmt.Sprintf(" (only tasks tagged %q)", tag)
}

// planMyDay builds plan_my_day's message.
func (s *server) planMyDay(ctx context.Context, user, tag string, _ map[string]string) (string, error) {
	now := s.clock(ctx)
	overdue, err := s.view(ctx, user, viewOverdue, now, tag)
	if err != nil {
		return "", err
	}
	due, err := s.view(ctx, user, viewToday, now, tag)
	if err != nil {
		return "", err
	}
	// Today's view includes tasks due earlier today, which are overdue too.
	var dueToday []taskJSON
	for _, t := range due.Tasks {
		if !t.Overdue {
			dueToday = append(dueToday, t)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Help me plan my day. Today is %s%s.\n", today(now), scope(tag))
	section(&b, "Overdue", overdue.Tasks, overdue.Truncated)
	section(&b, "Due today", dueToday, due.Truncated)
	fmt.Fprintf(&b, "\nI have %d pending tasks in all.\n", overdue.Counts.Pending)
	b.WriteString("\nSuggest up to three tasks to focus on first (overdue and high priority first) and ask me " +
		"what I want to focus on today. Then help me act on my answer with the tools: complete_task for what is " +
		"already done, update_task with a new due date for what will not fit today. Refer to tasks by their " +
		"task number (#N is task_id N).")
	return b.String(), nil
}

// weeklyReview builds weekly_review's message.
func (s *server) weeklyReview(ctx context.Context, user, tag string, _ map[string]string) (string, error) {
	now := s.clock(ctx)
	y, m, d := now.Date()
	monday := time.Date(y, m, d, 0, 0, 0, 0, now.Location()).AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))

	overdue, err := s.view(ctx, user, viewOverdue, now, tag)
	if err != nil {
		return "", err
	}
	end := now.AddDate(0, 0, upcomingDays)
	upcoming, err := s.st.ListTasks(ctx, user, models.TaskFilter{
		Status: models.StatusPending, Tag: tag, DueAfter: &now, DueBefore: &end,
		Sort: models.SortDue, Limit: reviewLimit, Now: now,
	})
	if err != nil {
		return "", fmt.Errorf("list upcoming: %w", err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Let's do my weekly review. Today is %s; the week began on %s%s.\n",
		today(now), monday.Format("Monday 2006-01-02"), scope(tag))
	if rs, ok := s.st.(reviewStore); ok {
		done, err := rs.CompletedSince(ctx, user, monday, tag, reviewLimit+1)
		if err != nil {
			return "", fmt.Errorf("list completed: %w", err)
		}
		section(&b, "Completed this week", s.taskJSONs(done[:min(len(done), reviewLimit)], now), len(done) > reviewLimit)
	}
	section(&b, "Overdue", overdue.Tasks, overdue.Truncated)
	section(&b, fmt.Sprintf("Due in the next %d days", upcomingDays), s.taskJSONs(upcoming.Tasks, now), upcoming.NextCursor != "")
	if rs, ok := s.st.(reviewStore); ok {
		stale, err := rs.StaleTasks(ctx, user, now.AddDate(0, 0, -staleDays), tag, reviewLimit+1)
		if err != nil {
			return "", fmt.Errorf("list stale: %w", err)
		}
		section(&b, fmt.Sprintf("Stale: pending, untouched for %d days or more", staleDays),
			s.taskJSONs(stale[:min(len(stale), reviewLimit)], now), len(stale) > reviewLimit)
	}
	b.WriteString("\nWalk me through it: first say in a sentence what I got done. Then, for the overdue tasks, " +
		"ask whether to do, reschedule (update_task with a new due date) or drop (delete_task) each; then look " +
		"at the coming days and point out anything that clashes or needs preparing; finally ask whether the " +
		"stale tasks still matter. Change tasks only after I agree. Refer to tasks by their task number (#N is " +
		"task_id N).")
	return b.String(), nil
}

// taskJSONs converts stored tasks.
func (s *server) taskJSONs(ts []models.Task, now time.Time) []taskJSON {
	out := make([]taskJSON, len(ts))
	for i, t := range ts {
		out[i] = toTaskJSON(t, now)
	}
	return out
}

// capture builds capture's message.
func (s *server) capture(ctx context.Context, _, tag string, args map[string]string) (string, error) {
	text := strings.TrimSpace(args["text"])
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text):
		return "", invalidArg("invalid text: must be valid UTF-8")
	case n == 0:
		return "", invalidArg("missing text: paste the text or note to turn into tasks")
	case n > maxCaptureLen:
		return "", invalidArg("text is %d characters; the limit is %d", n, maxCaptureLen)
	}
	now := s.clock(ctx)
	var b strings.Builder
	fmt.Fprintf(&b, "Turn the note below into tasks in my task list. Today is %s.\n\n", today(now))
	b.WriteString("- One task per thing I have to do; skip what is not a task (greetings, context, things others will do).\n" +
		"- A short title starting with a verb; put details worth keeping in description.\n" +
		"- A due date (YYYY-MM-DD) only when the note gives or clearly implies one; work out relative dates such as \"by Friday\" from today.\n" +
		"- priority high only for what the note marks as urgent or important.\n")
	if tag != "" {
		fmt.Fprintf(&b, "- Put the tag %q on every task, with any other fitting tags.\n", tag)
	}
	b.WriteString("\nAdd them all in ONE call: add_task with tasks=[{title, description?, priority?, due?, tags?}, ...] " +
		"(up to 25 items; split a longer list into several calls). Then list what was added with the task numbers, " +
		"and mention anything in the note that looked like a task but was left out. If the note holds no tasks, " +
		"add nothing and say so.\n\nThe note:\n\n")
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(&b, "%s\n%s\n%s\n", fence, text, fence)
	return b.String(), nil
}
