package agent

import (
	"bufio"
	"bytes"
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
	return ssestream.NewStream[chunk](newSSEDecoder(raw), err)
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

// sseDecoder splits a text/event-stream response into events exactly as
// openai-go's decoder does (ssestream.NewDecoder: data lines joined, each
// ending in a newline; comments and other fields skipped; an event per
// blank line), reading lines through a 512-byte buffer instead of its
// scanner's 4 KB, which every open stream held for as long as the model
// streamed. A longer line is put together from pieces.
type sseDecoder struct {
	rc   io.ReadCloser
	r    *bufio.Reader
	long []byte // a line longer than r's buffer, so far
	evt  ssestream.Event
	err  error
}

// maxSSELine is the longest line the decoder accepts, as openai-go's.
const maxSSELine = bufio.MaxScanTokenSize << 9

// newSSEDecoder returns the decoder of res, or nil (as ssestream's) when
// there is no response.
func newSSEDecoder(res *http.Response) ssestream.Decoder {
	if res == nil || res.Body == nil {
		return nil
	}
	return &sseDecoder{rc: res.Body, r: bufio.NewReaderSize(res.Body, 512)}
}

// Next implements ssestream.Decoder.
func (d *sseDecoder) Next() bool {
	if d.err != nil {
		return false
	}
	event := ""
	var data []byte
	for {
		line, err := d.line()
		if err != nil {
			if err != io.EOF {
				d.err = err
			}
			return false
		}
		if len(line) == 0 {
			if len(data) == 0 {
				event = ""
				continue
			}
			d.evt = ssestream.Event{Type: event, Data: data}
			return true
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(name) {
		case "event":
			event = string(value)
		case "data":
			data = append(data, value...)
			data = append(data, '\n')
		}
	}
}

// line returns the next line without its end ("\n" or "\r\n"), the last
// one even without an end; io.EOF after it. The line is valid until the
// next call.
func (d *sseDecoder) line() ([]byte, error) {
	d.long = d.long[:0]
	for {
		part, err := d.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(d.long)+len(part) > maxSSELine {
				return nil, bufio.ErrTooLong
			}
			d.long = append(d.long, part...)
			continue
		}
		line := part
		if len(d.long) > 0 {
			d.long = append(d.long, part...)
			line = d.long
		}
		if err != nil && (err != io.EOF || len(line) == 0) {
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

// Event implements ssestream.Decoder.
func (d *sseDecoder) Event() ssestream.Event { return d.evt }

// Close implements ssestream.Decoder.
func (d *sseDecoder) Close() error { return d.rc.Close() }

// Err implements ssestream.Decoder.
func (d *sseDecoder) Err() error { return d.err }
