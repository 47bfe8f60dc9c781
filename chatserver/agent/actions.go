package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// taskAction is a validated widget action.
type taskAction struct {
	typ      string // one of the Action* types
	taskID   int64  // 0 for ActionAdd and ActionMore
	title    string // ActionAdd
	priority string // ActionAdd (optional), ActionPriority
	due      string // ActionAdd: YYYY-MM-DD or ""
}

// parseAction validates an action from the client, which is untrusted:
// a known type and a payload object; a positive integer task_id for the
// actions on one task; a title for ActionAdd, with an optional priority
// and due date; a priority for ActionPriority. The values themselves are
// checked again by the MCP server.
func parseAction(action chatkit.Action) (taskAction, error) {
	switch action.Type {
	case ActionComplete, ActionReopen, ActionDelete, ActionRestore, ActionAdd, ActionMore, ActionDueTomorrow, ActionPriority:
	default:
		return taskAction{}, fmt.Errorf("unknown action type %q", action.Type)
	}
	act := taskAction{typ: action.Type}
	payload, ok := action.Payload.(map[string]any)
	if !ok {
		if action.Type == ActionMore && action.Payload == nil {
			return act, nil
		}
		return taskAction{}, fmt.Errorf("action %s: payload must be an object", action.Type)
	}
	switch action.Type {
	case ActionMore:
		return act, nil
	case ActionAdd:
		title, _ := payload["title"].(string)
		act.title = strings.TrimSpace(title)
		if act.title == "" {
			return taskAction{}, fmt.Errorf("action %s: title must be a non-empty string", action.Type)
		}
		var err error
		if act.priority, err = optionalString(payload, "priority"); err != nil {
			return taskAction{}, fmt.Errorf("action %s: %w", action.Type, err)
		}
		if act.priority != "" && !validPriority(act.priority) {
			return taskAction{}, fmt.Errorf("action %s: priority must be low, medium or high", action.Type)
		}
		if act.due, err = optionalString(payload, "due"); err != nil {
			return taskAction{}, fmt.Errorf("action %s: %w", action.Type, err)
		}
		if act.due != "" {
			if len(act.due) > 10 { // a date picker may send a date-time
				act.due = act.due[:10]
			}
			if _, err := time.Parse(time.DateOnly, act.due); err != nil {
				return taskAction{}, fmt.Errorf("action %s: due must be a date (YYYY-MM-DD)", action.Type)
			}
		}
		return act, nil
	}
	id, ok := positiveInt(payload["task_id"])
	if !ok {
		return taskAction{}, fmt.Errorf("action %s: task_id must be a positive integer", action.Type)
	}
	act.taskID = id
	if action.Type == ActionPriority {
		act.priority, _ = payload["priority"].(string)
		if !validPriority(act.priority) {
			return taskAction{}, fmt.Errorf("action %s: priority must be low, medium or high", action.Type)
		}
	}
	return act, nil
}

func validPriority(p string) bool { return p == "low" || p == "medium" || p == "high" }

// optionalString returns payload[key] as a string: "" when it is absent
// or null, an error when it is not a string.
func optionalString(payload map[string]any, key string) (string, error) {
	v, ok := payload[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string", key)
	}
	return strings.TrimSpace(s), nil
}

// positiveInt returns v as an int64 if it is a whole number from 1 to
// 2^53 (the integers JSON numbers carry exactly).
func positiveInt(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return 0, false
		}
		f = float64(i)
	default:
		return 0, false
	}
	if f < 1 || f > 1<<53 || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// tool returns the MCP tool and arguments that carry out the action
// ("" for ActionMore, which only shows more). tomorrow is the date
// ActionDueTomorrow sets.
func (t taskAction) tool(tomorrow string) (string, json.RawMessage) {
	var args map[string]any
	name := ""
	switch t.typ {
	case ActionComplete, ActionReopen:
		name, args = "complete_task", map[string]any{"task_id": t.taskID, "completed": t.typ == ActionComplete}
	case ActionRestore:
		name, args = "update_task", map[string]any{"task_id": t.taskID, "restore": true}
	case ActionDelete:
		name, args = "delete_task", map[string]any{"task_id": t.taskID}
	case ActionDueTomorrow:
		name, args = "update_task", map[string]any{"task_id": t.taskID, "due": tomorrow}
	case ActionPriority:
		name, args = "update_task", map[string]any{"task_id": t.taskID, "priority": t.priority}
	case ActionAdd:
		name, args = "add_task", map[string]any{"title": t.title}
		if t.priority != "" {
			args["priority"] = t.priority
		}
		if t.due != "" {
			args["due"] = t.due
		}
	default:
		return "", nil
	}
	b, _ := json.Marshal(args) // cannot fail: plain values
	return name, b
}

// note tells the model what the user did, e.g. "The user marked task 3
// 'Buy milk' as completed via the task list widget." where is "the task
// list widget" or "the task card".
func (t taskAction) note(id int64, title, where, due string) string {
	task := fmt.Sprintf("task %d", id)
	if title != "" {
		task += fmt.Sprintf(" '%s'", title)
	}
	switch t.typ {
	case ActionComplete:
		return fmt.Sprintf("The user marked %s as completed via %s.", task, where)
	case ActionReopen:
		return fmt.Sprintf("The user marked %s as not completed via %s.", task, where)
	case ActionRestore:
		return fmt.Sprintf("The user restored %s from the trash via %s.", task, where)
	case ActionAdd:
		return fmt.Sprintf("The user added %s via %s.", task, where)
	case ActionMore:
		return fmt.Sprintf("The user asked to see more tasks in %s.", where)
	case ActionDueTomorrow:
		return fmt.Sprintf("The user made %s due tomorrow (%s) via %s.", task, due, where)
	case ActionPriority:
		return fmt.Sprintf("The user set the priority of %s to %s via %s.", task, t.priority, where)
	default:
		return fmt.Sprintf("The user deleted %s via %s.", task, where)
	}
}

// actionResult is what applying an action produced.
type actionResult struct {
	widget  *chatkit.WidgetItem // the refreshed sender, nil without one
	ok      bool                // the tool succeeded
	note    string              // for the model, when ok
	message string              // for the user, when not ok: what went wrong
	deleted *taskView           // the task a delete moved to the trash, for Undo
	// step confirms the action's tool call as a chat turn's workflow does
	// (see confirmation), or says why it failed; nil for ActionMore,
	// which changes nothing and whose widget is its answer.
	step *chatkit.Task
}

// tomorrow is the date after today in the user's time zone (see
// location).
func (a *Agent) tomorrow(ctx context.Context) string {
	return a.cfg.Now().In(a.location(ctx)).AddDate(0, 0, 1).Format(time.DateOnly)
}

// applyAction runs the action's tool as the user, then, when there is a
// sender widget, renders it again from fresh data in place of the old one
// (same item id): a task list is listed again with the widget's filter
// and pages, a task card shows its task as it is now. When the tool call
// or the refresh fails with an error, the result still carries the step
// confirming (or failing) the call, as far as it got.
func (a *Agent) applyAction(ctx context.Context, user string, act taskAction, sender *chatkit.WidgetItem) (actionResult, error) {
	s, err := a.connect(ctx, user)
	if err != nil {
		return actionResult{}, err
	}
	defer s.close()
	card := sender != nil && widgetType(sender.Widget) == "Card"
	where := "the task list widget"
	if card {
		where = "the task card"
	}
	var res actionResult
	var changed *taskView // the task as the tool returned it
	var title string      // its title, as the tool returned it
	tomorrow := a.tomorrow(ctx)
	tool, args := act.tool(tomorrow)
	if tool == "" { // ActionMore
		res.ok, res.note = true, act.note(0, "", where, "")
	} else {
		rec, _, err := s.call(ctx, tool, args)
		if err != nil {
			a.log.ErrorContext(ctx, "mcp tool call failed", "tool", tool, "err", err)
			step := failedStep(tool, msgToolsDown)
			return actionResult{step: &step}, turnError(ctx, msgToolsDown, err)
		}
		step := confirmation(rec)
		res.step = &step
		if rec.Status == StatusOK {
			var done struct {
				TaskID int64     `json:"task_id"`
				Title  string    `json:"title"`
				Task   *taskView `json:"task"`
			}
			b, _ := json.Marshal(rec.Result)
			_ = json.Unmarshal(b, &done)
			if done.TaskID == 0 {
				done.TaskID = act.taskID
			}
			changed, title = done.Task, done.Title
			res.ok, res.note = true, act.note(done.TaskID, done.Title, where, tomorrow)
			if act.typ == ActionDelete {
				res.deleted = &taskView{TaskID: act.taskID, Title: done.Title}
			}
		} else {
			a.log.InfoContext(ctx, "widget action failed", "action", act.typ, "task_id", act.taskID, "err", rec.Error)
			res.message = step.Content // friendly, unlike the tool's text
		}
	}
	if sender == nil {
		return res, nil
	}
	if card {
		t, err := a.freshTask(ctx, s, act.taskID, title, changed)
		if err != nil {
			return actionResult{step: res.step}, err
		}
		if t == nil { // gone (deleted elsewhere): keep the card as it was
			res.widget = sender
			return res, nil
		}
		headline := res.message // what went wrong, shown in place
		if res.ok {
			headline = cardHeadline(act, *t)
		}
		w, copyText := taskCard(*t, headline)
		res.widget = &chatkit.WidgetItem{ItemBase: sender.ItemBase, Widget: w, CopyText: copyText}
		return res, nil
	}
	view := widgetView(sender.Widget)
	if act.typ == ActionMore {
		view.pages = min(view.pages+1, maxPages)
	}
	tasks, err := a.listPages(ctx, s, view)
	if err != nil {
		return actionResult{step: res.step}, err
	}
	w, copyText := taskListWidget(tasks, view)
	if res.deleted != nil {
		w, copyText = withUndo(w, copyText, *res.deleted, view)
	}
	if !res.ok { // a synchronous action has no other way to say it
		w.Children = append([]widget.ListViewItem{{Key: "failed", Children: []widget.Component{
			&widget.Text{Value: res.message, Color: "danger", Size: "sm"},
		}}}, w.Children...)
	}
	res.widget = &chatkit.WidgetItem{ItemBase: sender.ItemBase, Widget: w, CopyText: copyText}
	return res, nil
}

// cardHeadline is a task card's status line after a quick action.
func cardHeadline(act taskAction, t taskView) string {
	switch act.typ {
	case ActionComplete:
		if !t.Completed { // a repeating task rolled on
			return fmt.Sprintf("Completed task %d; next due %s", t.TaskID, t.Due)
		}
		return fmt.Sprintf("Completed task %d", t.TaskID)
	case ActionReopen:
		return fmt.Sprintf("Reopened task %d", t.TaskID)
	case ActionDueTomorrow:
		return fmt.Sprintf("Task %d is due tomorrow", t.TaskID)
	case ActionPriority:
		return fmt.Sprintf("Task %d is now %s priority", t.TaskID, t.Priority)
	}
	return fmt.Sprintf("Task %d", t.TaskID)
}

// listPages lists the tasks of view: its filter, page after page, up to
// view.pages pages.
func (a *Agent) listPages(ctx context.Context, s *session, view listView) (taskListView, error) {
	var all taskListView
	args := map[string]any{}
	for k, v := range view.filter {
		args[k] = v
	}
	for page := 0; page < view.pages; page++ {
		fargs, err := json.Marshal(args)
		if err != nil {
			return taskListView{}, fmt.Errorf("encode list filter: %w", err)
		}
		list, _, err := s.call(ctx, "list_tasks", fargs)
		if err != nil {
			a.log.ErrorContext(ctx, "mcp tool call failed", "tool", "list_tasks", "err", err)
			return taskListView{}, turnError(ctx, msgToolsDown, err)
		}
		if list.Status != StatusOK {
			return taskListView{}, fmt.Errorf("refresh task list: %s", list.Error)
		}
		l, err := decodeTaskList(list.Result)
		if err != nil {
			return taskListView{}, err
		}
		all.Tasks = append(all.Tasks, l.Tasks...)
		all.Counts, all.NextCursor = l.Counts, l.NextCursor
		if l.NextCursor == "" {
			break
		}
		args["cursor"] = l.NextCursor
	}
	return all, nil
}

// freshTask returns task id as the MCP server has it now: known when the
// tool returned it, else looked up by its title among all the user's
// tasks (whose title contains title, when it is known); nil when it is not there any more.
func (a *Agent) freshTask(ctx context.Context, s *session, id int64, title string, known *taskView) (*taskView, error) {
	if known != nil && known.TaskID == id {
		return known, nil
	}
	for _, status := range []string{"all", "deleted"} {
		cursor := ""
		for range maxPages {
			args := map[string]any{"status": status, "limit": 100}
			if title != "" {
				args["query"] = title
			}
			if cursor != "" {
				args["cursor"] = cursor
			}
			b, _ := json.Marshal(args) // cannot fail: plain values
			list, _, err := s.call(ctx, "list_tasks", b)
			if err != nil {
				a.log.ErrorContext(ctx, "mcp tool call failed", "tool", "list_tasks", "err", err)
				return nil, turnError(ctx, msgToolsDown, err)
			}
			if list.Status != StatusOK {
				return nil, fmt.Errorf("refresh task card: %s", list.Error)
			}
			l, err := decodeTaskList(list.Result)
			if err != nil {
				return nil, err
			}
			for _, t := range l.Tasks {
				if t.TaskID == id {
					return &t, nil
				}
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
	}
	return nil, nil
}

// Action implements chatkit.ActionHandler for the task widgets' actions:
// it completes, reopens, deletes, restores, adds or updates the task as
// the user (after a delete the list offers Undo, which restores it), or
// shows more of the list; it replaces the widget with one rendered from
// fresh data, confirms the tool call in a workflow item as a chat turn
// does ("Completed task 3: Buy milk", or a failed step saying why), and
// leaves a hidden note for the model. Without a sender widget the
// workflow is all it shows. An unknown action type or a bad payload ends
// the stream with an error.
func (a *Agent) Action(ctx context.Context, turn *chatkit.Turn, action chatkit.Action, sender *chatkit.WidgetItem) error {
	act, err := parseAction(action)
	if err != nil {
		a.log.WarnContext(ctx, "rejected widget action", "type", action.Type, "err", err)
		return &chatkit.StreamError{Message: "Sorry, that button didn't work.", Err: err}
	}
	res, err := a.applyAction(ctx, turn.User, act, sender)
	if err != nil {
		if res.step != nil && ctx.Err() == nil { // the error event follows
			_ = turn.Emit(&chatkit.ThreadItemDoneEvent{Item: confirmationItem(turn.NewID(chatkit.WorkflowIDPrefix), turn.Thread.ID, *res.step)})
		}
		return err
	}
	if res.widget != nil {
		if err := turn.Emit(&chatkit.ThreadItemReplacedEvent{Item: res.widget}); err != nil {
			return err
		}
	}
	if res.step != nil {
		if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: confirmationItem(turn.NewID(chatkit.WorkflowIDPrefix), turn.Thread.ID, *res.step)}); err != nil {
			return err
		}
	} else if res.widget == nil {
		if err := say(turn, "Here are more tasks."); err != nil { // Show more without its list
			return err
		}
	}
	if !res.ok {
		return nil
	}
	note := &chatkit.HiddenContextItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(chatkit.HiddenContextIDPrefix), ThreadID: turn.Thread.ID},
		Content:  res.note,
	}
	return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: note})
}

// SyncAction implements chatkit.SyncActionHandler: like Action, but it
// returns the refreshed widget (nil without a sender) instead of
// streaming it, and the workflow item confirming the tool call (or its
// failed step) and the hidden note for the model as notes to store. The
// response of threads.sync_custom_action carries only the updated
// widget, so the client shows the workflow when it next loads the
// thread's items (a reload, items.list). An unknown action type or a bad
// payload is a *chatkit.RequestError.
func (a *Agent) SyncAction(ctx context.Context, user string, thread *chatkit.ThreadMetadata, action chatkit.Action, sender *chatkit.WidgetItem) (chatkit.SyncActionResult, error) {
	act, err := parseAction(action)
	if err != nil {
		return chatkit.SyncActionResult{}, &chatkit.RequestError{Reason: "params.action: " + err.Error()}
	}
	res, err := a.applyAction(ctx, user, act, sender)
	if err != nil {
		return chatkit.SyncActionResult{}, err
	}
	var out chatkit.SyncActionResult
	if res.widget != nil {
		out.Updated = res.widget
	}
	if res.step != nil {
		out.Notes = append(out.Notes, confirmationItem(chatkit.NewID(chatkit.WorkflowIDPrefix), thread.ID, *res.step))
	}
	if res.ok {
		out.Notes = append(out.Notes, &chatkit.HiddenContextItem{
			ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.HiddenContextIDPrefix), ThreadID: thread.ID},
			Content:  res.note,
		})
	}
	return out, nil
}
