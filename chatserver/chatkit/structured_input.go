package chatkit

import (
	"fmt"
	"slices"
)

// applySubmission returns a copy of item answered with sub, as the
// reference does: a question whose answer is missing, skipped or empty (or
// every question, when the whole submission is skipped) is recorded as
// skipped; a single-choice question keeps only its first value; answers to
// unknown questions are ignored and reported to unknown.
func applySubmission(item *StructuredInputItem, sub StructuredInputSubmission, unknown func([]string)) (*StructuredInputItem, error) {
	if item.Status != "" && item.Status != InputPending {
		return nil, fmt.Errorf("structured input %s is %s, not pending", item.ID, item.Status)
	}
	out := *item
	out.Inputs = slices.Clone(item.Inputs)
	known := map[string]bool{}
	for i := range out.Inputs {
		q := &out.Inputs[i]
		known[q.ID] = true
		a, ok := sub.Answers[q.ID]
		if sub.Status == InputSkipped || !ok || a.Skipped || len(a.Values) == 0 {
			q.Answer = &StructuredInputAnswer{Values: []string{}, Skipped: true}
			continue
		}
		values := slices.Clone(a.Values)
		if q.Type != InputFreeform && !q.Multiple {
			values = values[:1]
		}
		q.Answer = &StructuredInputAnswer{Values: values}
	}
	var extra []string
	for id := range sub.Answers {
		if !known[id] {
			extra = append(extra, id)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		unknown(extra)
	}
	out.Status = sub.Status
	return &out, nil
}
