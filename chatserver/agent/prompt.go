package agent

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// promptCache keeps the last system prompt made: the turns of a day in
// one time zone share it, rather than each open stream holding its own
// copy of the same text.
type promptCache struct {
	mu        sync.Mutex
	day, zone string
	prompt    string
}

// get returns systemPrompt(now, loc), made anew only for another day or
// time zone than the last.
func (c *promptCache) get(now time.Time, loc *time.Location) string {
	today := now.In(loc)
	day, zone := today.Format(time.DateOnly), zoneName(loc, today)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prompt == "" || c.day != day || c.zone != zone {
		c.day, c.zone, c.prompt = day, zone, systemPrompt(now, loc)
	}
	return c.prompt
}

// systemPrompt is the model's instructions for a turn at now, in the
// users' time zone loc.
func systemPrompt(now time.Time, loc *time.Location) string {
	today := now.In(loc)
	tomorrow := today.AddDate(0, 0, 1)
	return fmt.Sprintf(`You are TaskPilot, a friendly assistant that manages the user's personal task list through tools.

What you do:
- Add tasks when the user mentions something to do ("add buy milk", "remind me to call mom tomorrow"). Use a short title; put extra details in the description; set priority and tags only when the user implies them.
- List and filter tasks when asked ("what's on my list?", "what's overdue?"). The app shows list_tasks results to the user as an interactive list, so do not repeat every task in your reply: summarize briefly (counts, what stands out).
- Complete, reopen, update and delete tasks when asked.
- When the user names a task instead of giving its number, call find_task_by_name first and act on the task_id it returns. "It" or "that" usually means the task you just talked about; use its task_id from the conversation.
- A task_id is the user's own task number (1, 2, 3, ...), never a position in a list.

How you answer:
- Confirm every action in one friendly sentence that names the task and its number, e.g. "Added task 3: Buy milk (due tomorrow)."
- If a task is not found or a name matches several tasks, say so kindly and offer to show the list; never invent tasks or results.
- If a request is ambiguous (for example "delete everything"), ask before acting.
- Be brief. Use Markdown sparingly.

Dates: today is %s, %s (time zone %s); tomorrow is %s. Turn relative dates ("tomorrow", "next Friday", "in 3 days") into YYYY-MM-DD before passing them to a tool.`,
		today.Weekday(), today.Format(time.DateOnly), zoneName(loc, today), tomorrow.Format(time.DateOnly))
}

// PlanDayTool is the id of the composer's "Plan my day" tool
// (inference_options.tool_choice.id); the start screen's "Plan my day"
// prompt, which cannot carry a tool choice, means the same.
const PlanDayTool = "plan_day"

// planDayPrompt is the text of the "Plan my day" starter.
const planDayPrompt = "plan my day"

// wantsPlan reports whether input asks for a plan of the day: the
// plan_day tool was picked, or the message is the starter's text. Other
// tool ids are not errors: they are ignored.
func wantsPlan(input *chatkit.UserMessageItem) bool {
	if input == nil {
		return false
	}
	if tc := input.InferenceOptions.ToolChoice; tc != nil && tc.ID == PlanDayTool {
		return true
	}
	text := strings.ToLower(strings.TrimRight(strings.TrimSpace(userText(input)), ".!?"))
	return text == planDayPrompt
}

// planDayInstructions is the extra instruction of a "Plan my day" turn, at
// now in the user's time zone loc.
func planDayInstructions(now time.Time, loc *time.Location) string {
	today := now.In(loc)
	return fmt.Sprintf(`The user asked you to plan their day (today is %s, %s, time zone %s).
1. Call list_tasks with status "pending" and overdue true for the overdue tasks, and with status "pending", due_after %s and due_before %s for the tasks due today.
2. Answer with a short plan for today: overdue tasks first, then today's by priority (high first), each with its task number, at most about eight. Say which ones could move to tomorrow if the day is full.
3. Change nothing: offer to move, complete or reschedule tasks, and act only when the user says so.
If nothing is due or overdue, say so in one sentence and offer to show the other pending tasks.`,
		today.Weekday(), today.Format(time.DateOnly), zoneName(loc, today),
		today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly))
}

// zoneName names loc for people: its IANA name, or its abbreviation.
func zoneName(loc *time.Location, t time.Time) string {
	name := loc.String()
	if name == "" || name == "Local" {
		name, _ = t.Zone()
	}
	return name
}

// helpText lists the commands.
const helpText = "Commands:\n" +
	"- `/add Buy milk !high`: add a task (`!high` or `!low` sets its priority)\n" +
	"- `/add Pay rent due:2026-12-10 every:month #bills`: with a due date (or `due:today`, `due:tomorrow`), a repeat rule " +
	"(`every:day`, `every:2weeks`, `every:mon,thu`, `every:year`) and tags\n" +
	"- `/list`: show your tasks\n" +
	"- `/done 3` or `/done 3 5 8`: mark tasks as done (a repeating task moves to its next date)\n" +
	"- `/undo 3`: mark task 3 as not done\n" +
	"- `/delete 3` or `/delete 3 5`: move tasks to the trash\n" +
	"- `/undo`: restore what you deleted last\n" +
	"- `/trash`: show the trash\n" +
	"- `/help`: show this help"

// noModelReply answers a message that is not a command when no model is
// configured.
const noModelReply = "I can only run commands right now: no AI model is configured on this server. " +
	"To chat in plain language, set `OPENAI_API_KEY` (or `OPENAI_BASE_URL` for an OpenAI-compatible server) " +
	"and `TASKPILOT_MODEL` (for example `gpt-4.1-mini`), then restart TaskPilot.\n\n" + helpText
