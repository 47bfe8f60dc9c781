package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// taskAction is a validated task list action.
type taskAction struct {
	typ    string // ActionComplete, ActionReopen, ActionDelete or ActionRestore
	taskID int64
}

// parseAction validates an action from the client, which is untrusted:
// a known type and a payload with a positive integer task_id.
func parseAction(action chatkit.Action) (taskAction, error) {
	switch action.Type {
	case ActionComplete, ActionReopen, ActionDelete, ActionRestore:
	default:
		return taskAction{}, fmt.Errorf("unknown action type %q", action.Type)
	}
	payload, ok := action.Payload.(map[string]any)
	if !ok {
		return taskAction{}, fmt.Errorf("action %s: payload must be an object with a task_id", action.Type)
	}
	id, ok := positiveInt(payload["task_id"])
	if !ok {
		return taskAction{}, fmt.Errorf("action %s: task_id must be a positive integer", action.Type)
	}
	return taskAction{typ: action.Type, taskID: id}, nil
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

// tool returns the MCP tool and arguments that carry out the action.
func (t taskAction) tool() (string, json.RawMessage) {
	switch t.typ {
	case ActionComplete:
		return "complete_task", json.RawMessage(fmt.Sprintf(`{"task_id":%d,"completed":true}`, t.taskID))
	case ActionReopen:
		return "complete_task", json.RawMessage(fmt.Sprintf(`{"task_id":%d,"completed":false}`, t.taskID))
	case ActionRestore:
		return "update_task", json.RawMessage(fmt.Sprintf(`{"task_id":%d,"restore":true}`, t.taskID))
	default:
		return "delete_task", json.RawMessage(fmt.Sprintf(`{"task_id":%d}`, t.taskID))
	}
}

// note tells the model what the user did, e.g. "The user marked task 3
// 'Buy milk' as completed via the task list widget."
func (t taskAction) note(title string) string {
	task := fmt.Sprintf("task %d", t.taskID)
	if title != "" {
		task += fmt.Sprintf(" '%s'", title)
	}
	switch t.typ {
	case ActionComplete:
		return fmt.Sprintf("The user marked %s as completed via the task list widget.", task)
	case ActionReopen:
		return fmt.Sprintf("The user marked %s as not completed via the task list widget.", task)
	case ActionRestore:
		return fmt.Sprintf("The user restored %s from the trash via the task list widget.", task)
	default:
		return fmt.Sprintf("The user deleted %s via the task list widget.", task)
	}
}

// actionResult is what applying an action produced.
type actionResult struct {
	widget  *chatkit.WidgetItem // the refreshed sender, nil without one
	ok      bool                // the tool succeeded
	note    string              // for the model, when ok
	message string              // for the user: a confirmation or what went wrong
	deleted *taskView           // the task a delete moved to the trash, for Undo
}

// applyAction runs the action's tool as the user, then, when there is a
// sender widget, lists the tasks again with the widget's filter and
// renders the new list in place of the old one (same item id).
func (a *Agent) applyAction(ctx context.Context, user string, act taskAction, sender *chatkit.WidgetItem) (actionResult, error) {
	s, err := a.connect(ctx, user)
	if err != nil {
		return actionResult{}, err
	}
	defer s.close()
	tool, args := act.tool()
	rec, out, err := s.call(ctx, tool, args)
	if err != nil {
		a.log.ErrorContext(ctx, "mcp tool call failed", "tool", tool, "err", err)
		return actionResult{}, turnError(ctx, msgToolsDown, err)
	}
	var res actionResult
	if rec.Status == StatusOK {
		var done struct {
			Title string `json:"title"`
		}
		b, _ := json.Marshal(rec.Result)
		_ = json.Unmarshal(b, &done)
		res.ok, res.note, res.message = true, act.note(done.Title), sentence(out)
		if act.typ == ActionDelete {
			res.message = deletedText(rec) // the tool's text speaks to a model
			res.deleted = &taskView{TaskID: act.taskID, Title: done.Title}
		}
	} else {
		a.log.InfoContext(ctx, "widget action failed", "action", act.typ, "task_id", act.taskID, "err", rec.Error)
		res.message = commandFailure(rec)
	}
	if sender == nil {
		return res, nil
	}
	filter := widgetFilter(sender.Widget)
	fargs, err := json.Marshal(filter)
	if err != nil {
		return actionResult{}, fmt.Errorf("encode list filter: %w", err)
	}
	list, _, err := s.call(ctx, "list_tasks", fargs)
	if err != nil {
		a.log.ErrorContext(ctx, "mcp tool call failed", "tool", "list_tasks", "err", err)
		return actionResult{}, turnError(ctx, msgToolsDown, err)
	}
	if list.Status != StatusOK {
		return actionResult{}, fmt.Errorf("refresh task list: %s", list.Error)
	}
	tasks, err := decodeTaskList(list.Result)
	if err != nil {
		return actionResult{}, err
	}
	w, copyText := taskListWidget(tasks, filter)
	if res.deleted != nil {
		w, copyText = withUndo(w, copyText, *res.deleted, filter)
	}
	res.widget = &chatkit.WidgetItem{ItemBase: sender.ItemBase, Widget: w, CopyText: copyText}
	return res, nil
}

// Action implements chatkit.ActionHandler for the task list's buttons:
// it completes, reopens, deletes or restores the task as the user (after a
// delete the list offers Undo, which restores it), replaces the
// widget with the refreshed list, and leaves a hidden note for the model.
// Without a sender widget it confirms in an assistant message instead. An
// unknown action type or a bad payload ends the stream with an error.
func (a *Agent) Action(ctx context.Context, turn *chatkit.Turn, action chatkit.Action, sender *chatkit.WidgetItem) error {
	act, err := parseAction(action)
	if err != nil {
		a.log.WarnContext(ctx, "rejected widget action", "type", action.Type, "err", err)
		return &chatkit.StreamError{Message: "Sorry, that button didn't work.", Err: err}
	}
	res, err := a.applyAction(ctx, turn.User, act, sender)
	if err != nil {
		return err
	}
	if res.widget != nil {
		if err := turn.Emit(&chatkit.ThreadItemReplacedEvent{Item: res.widget}); err != nil {
			return err
		}
		if !res.ok {
			if err := turn.Emit(&chatkit.NoticeEvent{Level: "warning", Message: res.message}); err != nil {
				return err
			}
		}
	} else if err := say(turn, res.message); err != nil {
		return err
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
// returns the refreshed widget (nil without a sender) and the hidden note
// for the model instead of streaming them. An unknown action type or a bad
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
	if res.ok {
		out.Notes = []chatkit.ThreadItem{&chatkit.HiddenContextItem{
			ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.HiddenContextIDPrefix), ThreadID: thread.ID},
			Content:  res.note,
		}}
	}
	return out, nil
}
