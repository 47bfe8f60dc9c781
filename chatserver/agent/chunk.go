package agent

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
)

// The streamed Chat Completions chunks, decoded into only the fields the
// agent reads. openai-go sends the request (base URL, key, retries,
// timeouts, API errors) and splits the SSE stream (its [DONE] and error
// events); encoding/json decodes each chunk into these small structs,
// several times faster than the SDK's reflective decoder of the whole
// ChatCompletionChunk, which was about a tenth of the chat server's CPU
// under load.

// chunk is one streamed chunk; a usage chunk has no choices.
type chunk struct {
	Choices []chunkChoice `json:"choices"`
}

// chunkChoice is one choice of a chunk.
type chunkChoice struct {
	Index        int64      `json:"index"`
	FinishReason string     `json:"finish_reason"` // "" (or null) while the choice runs
	Delta        chunkDelta `json:"delta"`
}

// chunkDelta is what a choice adds: text, a refusal, tool call fragments.
type chunkDelta struct {
	Content   string          `json:"content"`
	Refusal   string          `json:"refusal"`
	ToolCalls []chunkToolCall `json:"tool_calls"`
	// other reports a field beyond role with a value (a reasoning
	// model's reasoning_content, say): the model has started answering.
	other bool
}

// UnmarshalJSON decodes the known fields, and looks for other fields only
// when those are empty (the role-only first delta, a finish's empty one).
func (d *chunkDelta) UnmarshalJSON(b []byte) error {
	type known chunkDelta // without this method
	var k known
	if err := json.Unmarshal(b, &k); err != nil {
		return err
	}
	*d = chunkDelta(k)
	if d.Content != "" || d.Refusal != "" || len(d.ToolCalls) > 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	for name, v := range fields {
		switch name {
		case "role", "content", "refusal", "tool_calls":
			continue
		}
		if s := string(v); s != "" && s != "null" && s != `""` {
			d.other = true
		}
	}
	return nil
}

// chunkToolCall is a fragment of a tool call, put together by index.
type chunkToolCall struct {
	Index    int64  `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// newChunkStream starts the streaming Chat Completions request req of
// model; its body is made only while it is sent. flush, if not nil, runs
// before every read of the response (see flushingBody).
func newChunkStream(ctx context.Context, client *openai.Client, model string, req *chatRequest, flush func() error) *ssestream.Stream[chunk] {
	var raw *http.Response
	body, err := encodeChatBody(model, req.messages, req.tools)
	if err == nil {
		err = client.Post(ctx, "chat/completions", json.RawMessage(body), &raw)
	}
	if err == nil && raw != nil && flush != nil {
		raw.Body = flushingBody{raw.Body, flush}
	}
	return ssestream.NewStream[chunk](ssestream.NewDecoder(raw), err)
}

// flushingBody is a model response that sends the user's stream
// (chatkit.Turn.Flush) before each read, which is where the agent may wait
// for the model: the text deltas of the chunks already read go out
// together, rather than one write to the client per delta. A failed
// flush means the client is gone, which the next Emit reports.
type flushingBody struct {
	io.ReadCloser
	flush func() error
}

func (b flushingBody) Read(p []byte) (int, error) {
	_ = b.flush()
	return b.ReadCloser.Read(p)
}
