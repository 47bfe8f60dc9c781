package mcpserver

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// Completions (completion/complete): task numbers for the number of the
// task://{number} template, matched by number or by title; the user's tags
// for the tag argument of every prompt. Anything else completes to
// nothing. Like everything else, only the requesting user's tasks count.

// maxCompletions is the most values one completion returns (the protocol's
// limit is 100).
const maxCompletions = 20

// tagScanPages bounds how many pages of pending tasks tag completion reads.
const tagScanPages = 5

// complete is the server's CompletionHandler.
func (s *server) complete(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	user, err := s.userOf(ctx, req.Extra)
	if err != nil {
		return nil, err
	}
	ref, arg := req.Params.Ref, req.Params.Argument
	var values []string
	var more bool
	switch {
	case ref.Type == "ref/resource" && ref.URI == taskURITmpl && arg.Name == "number":
		values, more, err = s.completeNumber(ctx, user, arg.Value)
	case ref.Type == "ref/prompt" && arg.Name == "tag" && slices.ContainsFunc(prompts(), func(p *mcp.Prompt) bool { return p.Name == ref.Name }):
		values, more, err = s.completeTag(ctx, user, arg.Value)
	}
	if err != nil {
		return nil, s.internal(ctx, "complete", err)
	}
	if values == nil {
		values = []string{}
	}
	return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: values, HasMore: more}}, nil
}

// completeNumber suggests task numbers: the task numbered value, if it is
// a number, then pending and then completed tasks whose title (or
// description) contains value, by task number.
func (s *server) completeNumber(ctx context.Context, user, value string) ([]string, bool, error) {
	value = strings.TrimSpace(value)
	var out []string
	seen := map[int64]bool{}
	add := func(n int64) {
		if !seen[n] && len(out) < maxCompletions {
			seen[n] = true
			out = append(out, strconv.FormatInt(n, 10))
		}
	}
	if n, err := strconv.ParseInt(value, 10, 64); err == nil && n > 0 {
		if _, err := s.st.GetTask(ctx, user, n); err == nil {
			add(n)
		}
	}
	more := false
	for _, status := range []models.Status{models.StatusPending, models.StatusCompleted} {
		page, err := s.st.ListTasks(ctx, user, models.TaskFilter{
			Status: status, Query: value, Limit: maxCompletions + 1, Now: s.clock(ctx),
		})
		if err != nil {
			return nil, false, err
		}
		for _, t := range page.Tasks {
			if len(out) == maxCompletions && !seen[t.Number] {
				more = true
				break
			}
			add(t.Number)
		}
	}
	return out, more, nil
}

// completeTag suggests the tags of the user's pending tasks that start
// with value, in alphabetical order.
func (s *server) completeTag(ctx context.Context, user, value string) ([]string, bool, error) {
	prefix := strings.ToLower(strings.TrimSpace(value))
	found := map[string]bool{}
	f := models.TaskFilter{Status: models.StatusPending, Limit: models.MaxListLimit, Now: s.clock(ctx)}
	for range tagScanPages {
		page, err := s.st.ListTasks(ctx, user, f)
		if err != nil {
			return nil, false, err
		}
		for _, t := range page.Tasks {
			for _, tag := range t.Tags {
				if strings.HasPrefix(tag, prefix) {
					found[tag] = true
				}
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	tags := slices.Sorted(maps.Keys(found))
	if len(tags) > maxCompletions {
		return tags[:maxCompletions], true, nil
	}
	return tags, false, nil
}
