package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Replies the agent writes itself in a model turn.
const (
	msgTooManyRounds = "I took too many steps on this one and stopped to be safe. " +
		"Please check your list with /list, or ask me again in smaller steps."
	msgEmptyReply = "Sorry, I don't have an answer to that. Could you rephrase it?"
)

// runModel answers the thread with the model: it streams the model's
// text, runs the tools it calls through MCP, and feeds the results back,
// for at most MaxToolRounds rounds of tool calls.
func (a *Agent) runModel(ctx context.Context, turn *chatkit.Turn) error {
	s, err := a.connect(ctx, turn.User)
	if err != nil {
		return err
	}
	defer s.close()
	mcpTools, err := s.listTools(ctx)
	if err != nil {
		a.log.ErrorContext(ctx, "mcp tools/list failed", "err", err)
		return turnError(ctx, msgToolsDown, err)
	}
	items, err := a.history(ctx, turn)
	if err != nil {
		return err
	}
	msgs := append([]openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage(systemPrompt(a.cfg.Now(), a.cfg.Location)),
	}, toMessages(items)...)
	params := openai.ChatCompletionNewParams{Model: a.cfg.Model, Tools: functionTools(mcpTools)}

	for round := 0; ; round++ {
		params.Messages = msgs
		reply, err := a.streamReply(ctx, turn, params)
		if err != nil {
			return err
		}
		if len(reply.calls) == 0 {
			if reply.text == "" {
				return say(turn, msgEmptyReply)
			}
			return nil
		}
		if round >= a.cfg.MaxToolRounds {
			a.log.WarnContext(ctx, "too many tool rounds", "thread", turn.Thread.ID, "rounds", round)
			return say(turn, msgTooManyRounds)
		}
		msgs = append(msgs, reply.message())
		for _, c := range reply.calls {
			rec, _, err := a.runTool(ctx, turn, s, c.id, c.name, json.RawMessage(c.args))
			if err != nil {
				return err
			}
			msgs = append(msgs, openai.ToolMessage(modelResult(rec), c.id))
		}
	}
}

// functionTools offers the MCP tools to the model as function tools.
func functionTools(tools []*mcp.Tool) []openai.ChatCompletionToolUnionParam {
	out := make([]openai.ChatCompletionToolUnionParam, 0, len(tools))
	for _, t := range tools {
		params := shared.FunctionParameters{"type": "object", "properties": map[string]any{}}
		if b, err := json.Marshal(t.InputSchema); err == nil {
			var m map[string]any
			if json.Unmarshal(b, &m) == nil && m != nil {
				params = m
			}
		}
		def := shared.FunctionDefinitionParam{Name: t.Name, Parameters: params}
		if t.Description != "" {
			def.Description = openai.String(t.Description)
		}
		out = append(out, openai.ChatCompletionFunctionTool(def))
	}
	return out
}

// modelReply is one model response: its text and the tools it called.
type modelReply struct {
	text  string
	calls []toolCall
}

// toolCall is a function call the model made.
type toolCall struct {
	id, name, args string
}

// message returns the reply as an assistant message for the next request.
func (r modelReply) message() openai.ChatCompletionMessageParamUnion {
	m := &openai.ChatCompletionAssistantMessageParam{}
	if r.text != "" {
		m.Content.OfString = openai.String(r.text)
	}
	for _, c := range r.calls {
		m.ToolCalls = append(m.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
			OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
				ID:       c.id,
				Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: c.name, Arguments: c.args},
			},
		})
	}
	return openai.ChatCompletionMessageParamUnion{OfAssistant: m}
}

// streamReply runs one streaming model request. Text streams to the user
// as an assistant message, finished before any tool runs; tool call
// fragments are put together by index.
func (a *Agent) streamReply(ctx context.Context, turn *chatkit.Turn, params openai.ChatCompletionNewParams) (modelReply, error) {
	start := time.Now()
	stream := a.chat.NewStreaming(ctx, params)
	defer stream.Close()
	var (
		msg   *chatkit.AssistantStream
		calls []*toolCallParts
	)
	for stream.Next() {
		chunk := stream.Current()
		if len(chunk.Choices) == 0 {
			continue // e.g. a usage chunk
		}
		d := chunk.Choices[0].Delta
		if text := d.Content + d.Refusal; text != "" {
			if msg == nil {
				a.cfg.Metrics.ObserveFirstToken(time.Since(start))
				var err error
				if msg, err = chatkit.StartAssistantMessage(turn); err != nil {
					return modelReply{}, err
				}
			}
			if err := msg.Delta(text); err != nil {
				return modelReply{}, err
			}
		}
		for _, tc := range d.ToolCalls {
			i := max(int(tc.Index), 0)
			for len(calls) <= i {
				calls = append(calls, &toolCallParts{})
			}
			calls[i].add(tc)
		}
	}
	if err := stream.Err(); err != nil {
		a.modelFailed(ctx, err)
		a.log.ErrorContext(ctx, "model request failed", "model", a.cfg.Model, "err", err)
		return modelReply{}, turnError(ctx, msgModelDown, err)
	}
	var reply modelReply
	if msg != nil {
		reply.text = msg.Text()
		if err := msg.Done(); err != nil {
			return modelReply{}, err
		}
	}
	for i, c := range calls {
		if c.name.Len() == 0 {
			continue // an index the model skipped
		}
		id := c.id
		if id == "" {
			id = fmt.Sprintf("call_%s_%d", turn.NewID("tc"), i)
		}
		reply.calls = append(reply.calls, toolCall{id: id, name: c.name.String(), args: c.args.String()})
	}
	return reply, nil
}

// toolCallParts collects the streamed fragments of one tool call.
type toolCallParts struct {
	id         string
	name, args strings.Builder
}

func (p *toolCallParts) add(tc openai.ChatCompletionChunkChoiceDeltaToolCall) {
	if tc.ID != "" {
		p.id = tc.ID
	}
	p.name.WriteString(tc.Function.Name)
	p.args.WriteString(tc.Function.Arguments)
}
