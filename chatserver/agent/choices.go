package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Structured input the agent asks when the conversation needs a choice.
// The question ids tell the answers apart when the turn resumes.
const (
	// questionPick asks which of several tasks matching a name the user
	// means; the model reads the answer and goes on.
	questionPick = "pick_task"
	// questionConfirmDelete asks before a bulk delete of more than
	// confirmDeleteOver tasks; the agent itself deletes on "yes".
	questionConfirmDelete = "confirm_delete"
	confirmDeleteOver     = 3
	answerYesDelete       = "Yes, delete them"
	answerNoKeep          = "No, keep them"
	// maxChoices is how many matching tasks the user picks from.
	maxChoices = 10
	// awaitingConfirm starts the result the model gets for a bulk delete
	// that waits for the user's yes.
	awaitingConfirm = "Not done yet: the user was asked to confirm"
	// structuredInputIDPrefix prefixes the ids of structured input items.
	structuredInputIDPrefix = "si"
)

// bulkDeleteIDs returns the task numbers of a delete_task call that needs
// the user's confirmation (more than confirmDeleteOver tasks), or nil.
func bulkDeleteIDs(tool string, args json.RawMessage) []int64 {
	if tool != "delete_task" {
		return nil
	}
	var in struct {
		TaskIDs []int64 `json:"task_ids"`
	}
	if json.Unmarshal(args, &in) != nil || len(in.TaskIDs) <= confirmDeleteOver {
		return nil
	}
	return in.TaskIDs
}

// askConfirmDelete stores the delete_task call as waiting (the model
// gets a result saying so) and asks the user "Delete 5 tasks?".
func (a *Agent) askConfirmDelete(turn *chatkit.Turn, callID string, args json.RawMessage, ids []int64) (ToolCallRecord, error) {
	nums := make([]string, len(ids))
	for i, id := range ids {
		nums[i] = fmt.Sprintf("#%d", id)
	}
	rec := ToolCallRecord{Tool: "delete_task", Status: StatusError, Parameters: args,
		Error: fmt.Sprintf("%s deleting these %d tasks (%s); nothing was deleted. Their answer follows.", awaitingConfirm, len(ids), strings.Join(nums, ", "))}
	if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: recordItem(turn, callID, rec)}); err != nil {
		return rec, err
	}
	q := &chatkit.StructuredInputItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(structuredInputIDPrefix), ThreadID: turn.Thread.ID},
		Status:   chatkit.InputPending,
		Inputs: []chatkit.StructuredInput{{
			Type:     chatkit.InputMultipleChoice,
			ID:       questionConfirmDelete,
			Question: fmt.Sprintf("Delete %d tasks?", len(ids)),
			Options:  []chatkit.StructuredInputOption{{Value: answerYesDelete}, {Value: answerNoKeep}},
		}},
	}
	return rec, turn.Emit(&chatkit.ThreadItemDoneEvent{Item: q})
}

// ambiguousName returns the name of a find_task_by_name call that matched
// several tasks, or "".
func ambiguousName(rec ToolCallRecord) string {
	if rec.Tool != "find_task_by_name" || rec.Status != StatusError || !strings.HasPrefix(rec.Error, "Several tasks match") {
		return ""
	}
	var in struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(rec.Parameters, &in) != nil {
		return ""
	}
	return strings.TrimSpace(in.Name)
}

// askWhichTask asks the user which of the tasks matching name they mean,
// one button per task ("#3 Buy milk"). It reports false when it could
// not list two candidates; the model then asks in prose.
func (a *Agent) askWhichTask(ctx context.Context, turn *chatkit.Turn, s *session, name string) (bool, error) {
	args, _ := json.Marshal(map[string]any{"query": name, "status": "all", "limit": 100}) // cannot fail
	list, _, err := s.call(ctx, "list_tasks", args)
	if err != nil {
		a.log.ErrorContext(ctx, "mcp tool call failed", "tool", "list_tasks", "err", err)
		return false, turnError(ctx, msgToolsDown, err)
	}
	if list.Status != StatusOK {
		return false, nil
	}
	tasks, err := decodeTaskList(list.Result)
	if err != nil {
		return false, nil
	}
	var options []chatkit.StructuredInputOption
	for _, t := range tasks.Tasks {
		if !strings.Contains(strings.ToLower(t.Title), strings.ToLower(name)) {
			continue // the query also matches descriptions
		}
		v := fmt.Sprintf("#%d %s", t.TaskID, t.Title)
		if t.Completed {
			v += " (completed)"
		}
		options = append(options, chatkit.StructuredInputOption{Value: v})
		if len(options) == maxChoices {
			break
		}
	}
	if len(options) < 2 {
		return false, nil
	}
	q := &chatkit.StructuredInputItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(structuredInputIDPrefix), ThreadID: turn.Thread.ID},
		Status:   chatkit.InputPending,
		Inputs: []chatkit.StructuredInput{{
			Type:     chatkit.InputMultipleChoice,
			ID:       questionPick,
			Question: fmt.Sprintf("Which task do you mean by “%s”?", clip(name, 60)),
			Options:  options,
		}},
	}
	return true, turn.Emit(&chatkit.ThreadItemDoneEvent{Item: q})
}

// answerConfirmDelete finishes a bulk delete the user was asked about,
// when the newest item of the thread is that question, answered: on yes
// it deletes the tasks as the user and says what went to the trash, on
// anything else it keeps them. It reports false for any other thread.
func (a *Agent) answerConfirmDelete(ctx context.Context, turn *chatkit.Turn) (bool, error) {
	page, err := turn.LoadItems(ctx, chatkit.ListOptions{Limit: 5, Order: chatkit.OrderDesc})
	if err != nil {
		return false, fmt.Errorf("load newest items: %w", err)
	}
	if len(page.Data) == 0 {
		return false, nil
	}
	si, ok := page.Data[0].(*chatkit.StructuredInputItem)
	if !ok || len(si.Inputs) != 1 || si.Inputs[0].ID != questionConfirmDelete {
		return false, nil
	}
	var pending *storedToolCall
	for _, it := range page.Data[1:] {
		if tc, ok := decodeStoredToolCall(it); ok && tc.Tool == "delete_task" && strings.HasPrefix(tc.Error, awaitingConfirm) {
			pending = &tc
			break
		}
	}
	if pending == nil {
		return false, nil
	}
	answer := si.Inputs[0].Answer
	if si.Status != chatkit.InputAnswered || answer == nil || len(answer.Values) == 0 || answer.Values[0] != answerYesDelete {
		return true, say(turn, "OK, I kept them. Nothing was deleted.")
	}
	ids := bulkDeleteIDs(pending.Tool, pending.Parameters)
	if ids == nil {
		return true, say(turn, "OK, I kept them. Nothing was deleted.")
	}
	args, _ := json.Marshal(map[string]any{"task_ids": ids}) // cannot fail
	s, err := a.connect(ctx, turn.User)
	if err != nil {
		return true, err
	}
	defer s.close()
	rec, _, err := a.runTool(ctx, turn, s, "call_"+turn.NewID("confirm"), "delete_task", args)
	if err != nil {
		return true, err
	}
	if rec.Status != StatusOK {
		return true, say(turn, commandFailure(rec))
	}
	return true, say(turn, deletedText(rec))
}
