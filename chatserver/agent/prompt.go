package agent

import (
	"fmt"
	"time"
)

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
