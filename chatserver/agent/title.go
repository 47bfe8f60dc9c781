package agent

import (
	"context"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// titlePrompt asks the model for a thread title.
const titlePrompt = "Title this conversation in at most 5 words, based on the user's first message. " +
	"Reply with the title only: no quotes, no final period."

// Title limits.
const (
	maxTitleRunes   = 40 // fallback titles
	maxModelTitle   = 60 // model-written titles
	titleTimeout    = 15 * time.Second
	titleMaxRetries = 1
)

// Title implements chatkit.Titler: a short model-written title, or, with
// no model, for commands or when the model fails, the first words of the
// user's message. It never returns an error.
func (a *Agent) Title(ctx context.Context, thread *chatkit.ThreadMetadata, input *chatkit.UserMessageItem) (string, error) {
	text := strings.TrimSpace(userText(input))
	if strings.HasPrefix(text, "/") {
		return commandTitle(text), nil
	}
	fallback := shortTitle(text)
	if a.chat == nil || text == "" {
		return fallback, nil
	}
	res, err := a.chat.New(ctx, openai.ChatCompletionNewParams{
		Model: a.cfg.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(titlePrompt),
			openai.UserMessage(text),
		},
	}, option.WithRequestTimeout(titleTimeout), option.WithMaxRetries(titleMaxRetries))
	if err != nil {
		a.modelFailed(ctx, err)
		if ctx.Err() == nil {
			a.log.WarnContext(ctx, "model title failed", "thread", thread.ID, "err", err)
		}
		return fallback, nil
	}
	if len(res.Choices) == 0 {
		return fallback, nil
	}
	title := cleanTitle(res.Choices[0].Message.Content)
	if title == "" {
		return fallback, nil
	}
	return title, nil
}

// cleanTitle keeps the first line of a model-written title, without
// quotes, markdown emphasis or a final period.
func cleanTitle(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimPrefix(s, "Title:")
	s = strings.Trim(s, " \t\"'`*#“”‘’")
	s = strings.TrimSuffix(s, ".")
	return clip(s, maxModelTitle)
}

// shortTitle is the first words of text, at most 40 characters, with an
// ellipsis when cut.
func shortTitle(text string) string {
	words := strings.Fields(text)
	full := strings.Join(words, " ")
	if len([]rune(full)) <= maxTitleRunes {
		return full
	}
	var b strings.Builder
	for _, w := range words {
		next := len([]rune(b.String())) + len([]rune(w)) + 1 // + space or ellipsis
		if b.Len() > 0 {
			next++
		}
		if next > maxTitleRunes {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if b.Len() == 0 { // one long word
		return clip(full, maxTitleRunes)
	}
	return b.String() + "…"
}

// commandTitle names a thread started with a slash command after what the
// command does ("/add Buy milk !high" -> "Add Buy milk"), not after its
// syntax.
func commandTitle(text string) string {
	name, rest, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(name) {
	case "add":
		if in, ok := parseAdd(rest); ok {
			return shortTitle("Add " + in["title"].(string))
		}
	case "list":
		return "Task list"
	case "done":
		return shortTitle("Complete task " + strings.TrimPrefix(rest, "#"))
	case "undo":
		if rest == "" {
			return "Undo delete"
		}
		return shortTitle("Reopen task " + strings.TrimPrefix(rest, "#"))
	case "trash":
		return "Trash"
	case "delete":
		return shortTitle("Delete task " + strings.TrimPrefix(rest, "#"))
	}
	return "TaskPilot help"
}
