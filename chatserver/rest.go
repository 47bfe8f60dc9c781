package chatserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/models"
)

// restRequest is the body of POST /api/{user_id}/chat. The message may
// also come as "content".
type restRequest struct {
	ConversationID string  `json:"conversation_id"`
	Message        *string `json:"message"`
	Content        *string `json:"content"`
}

// restResponse is the answer of POST /api/{user_id}/chat.
type restResponse struct {
	ConversationID string                 `json:"conversation_id"`
	Response       string                 `json:"response"`
	ToolCalls      []agent.ToolCallRecord `json:"tool_calls"`
}

// restFailure is the answer when the agent failed after the message was
// stored: the error, and the conversation to retry in.
type restFailure struct {
	Error          apiError `json:"error"`
	ConversationID string   `json:"conversation_id"`
}

// restChat answers POST /api/{user_id}/chat, the seed's REST contract, by
// driving the Kit like a ChatKit client: threads.create, or
// threads.add_user_message on conversation_id, collecting the stream.
func (s *server) restChat(c *gin.Context) {
	withTimeZone(c)
	ctx := c.Request.Context()
	user := userOf(c)
	if c.Param("user_id") != user {
		writeError(c, http.StatusForbidden, "forbidden", "the path's user_id is not the authenticated user")
		return
	}
	body, err := s.readBody(c)
	if err != nil {
		s.writeKitError(c, err)
		return
	}
	var in restRequest
	if err := json.Unmarshal(body, &in); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		writeError(c, http.StatusBadRequest, "invalid_request", `body must be a JSON object {"conversation_id"?, "message"}`)
		return
	}
	text := in.Message
	if text == nil {
		text = in.Content
	}
	if text == nil || strings.TrimSpace(models.CleanText(*text)) == "" {
		writeError(c, http.StatusBadRequest, "invalid_request", "message: required, and not blank")
		return
	}
	message := models.CleanText(*text) // as ChatKit messages are
	if !s.checkMessage(c, utf8.RuneCountInString(message)) {
		return
	}
	if in.ConversationID != "" {
		if err := models.ValidateID("conversation_id", in.ConversationID); err != nil {
			writeError(c, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
	}

	input := chatkit.UserMessageInput{
		Content:     []chatkit.UserContent{chatkit.TextContent(message)},
		Attachments: []string{},
	}
	var kitReq kitRequest
	if in.ConversationID == "" {
		kitReq = kitRequest{Type: chatkit.ReqThreadsCreate, Params: chatkit.ThreadCreateParams{Input: input}}
	} else {
		unlock, ok, err := s.locks.TryLock(c.Request.Context(), user, in.ConversationID)
		if err != nil {
			s.writeKitError(c, fmt.Errorf("lock thread: %w", err))
			return
		}
		if !ok {
			writeThreadBusy(c)
			return
		}
		defer unlock()
		if err := s.checkThread(ctx, user, in.ConversationID); err != nil {
			s.writeKitError(c, err)
			return
		}
		kitReq = kitRequest{Type: chatkit.ReqThreadsAddUserMessage,
			Params: chatkit.ThreadAddUserMessageParams{ThreadID: in.ConversationID, Input: input}}
	}
	res, err := s.handle(ctx, user, kitReq)
	if err != nil {
		s.writeKitError(c, err)
		return
	}
	var t turnResult
	t.threadID = in.ConversationID
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.streams, cancel)()
	if err := res.Stream(ctx, t.collect); err != nil {
		s.writeKitError(c, err) // the client went away, or shutdown
		return
	}
	if t.failed != nil {
		if t.userMessageID == "" { // nothing was stored
			err := fmt.Errorf("rest chat: turn did not start: %s", t.failed.Code)
			if t.failed.AllowRetry { // the store was unavailable: see chatkit's errorEvent
				err = fmt.Errorf("%w: %w", chatkit.ErrUnavailable, err)
			}
			s.writeKitError(c, err)
			return
		}
		msg := "the assistant could not answer; send the message again to retry"
		if t.failed.Code == chatkit.ErrorCodeCustom && t.failed.Message != "" {
			msg = t.failed.Message
		}
		c.JSON(http.StatusBadGateway, restFailure{Error: apiError{Code: "agent_failed", Message: msg}, ConversationID: t.threadID})
		return
	}
	calls, err := s.toolCalls(ctx, user, t.threadID, t.userMessageID)
	if err != nil {
		s.log.ErrorContext(ctx, "rest chat: load tool calls", "err", err, "thread", t.threadID)
	}
	c.JSON(http.StatusOK, restResponse{ConversationID: t.threadID, Response: t.response(), ToolCalls: calls})
}

// kitRequest is a ChatKit request body.
type kitRequest struct {
	Type   string `json:"type"`
	Params any    `json:"params"`
}

// handle encodes req and passes it to the Kit.
func (s *server) handle(ctx context.Context, user string, req kitRequest) (chatkit.Result, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return chatkit.Result{}, fmt.Errorf("encode %s: %w", req.Type, err)
	}
	return s.opts.Kit.Handle(ctx, user, body)
}

// turnResult collects what a turn streamed.
type turnResult struct {
	threadID      string
	userMessageID string
	texts         []string // assistant messages
	copyTexts     []string // widgets' copy text
	failed        *chatkit.ErrorEvent
}

// streamEvent is the part of a stream event the REST endpoint reads.
type streamEvent struct {
	Type   string `json:"type"`
	Thread struct {
		ID string `json:"id"`
	} `json:"thread"`
	Item struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		CopyText string `json:"copy_text"`
		Content  []struct {
			Text string `json:"text"`
		} `json:"content"`
	} `json:"item"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	AllowRetry bool   `json:"allow_retry"`
}

// collect is the stream's send function: it decodes one SSE frame.
func (t *turnResult) collect(frame []byte) error {
	data, ok := bytes.CutPrefix(bytes.TrimSpace(frame), []byte("data: "))
	if !ok {
		return fmt.Errorf("unexpected frame %q", frame)
	}
	var ev streamEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	switch ev.Type {
	case "thread.created":
		t.threadID = ev.Thread.ID
	case "thread.item.done":
		switch ev.Item.Type {
		case chatkit.ItemUserMessage:
			t.userMessageID = ev.Item.ID
		case chatkit.ItemAssistantMessage:
			var b strings.Builder
			for _, part := range ev.Item.Content {
				b.WriteString(part.Text)
			}
			if s := strings.TrimSpace(b.String()); s != "" {
				t.texts = append(t.texts, s)
			}
		case chatkit.ItemWidget:
			if s := strings.TrimSpace(ev.Item.CopyText); s != "" {
				t.copyTexts = append(t.copyTexts, s)
			}
		}
	case "error":
		t.failed = &chatkit.ErrorEvent{Code: ev.Code, Message: ev.Message, AllowRetry: ev.AllowRetry}
	}
	return nil
}

// response is the assistant's answer: its messages, or, when it only
// showed widgets, their copy text.
func (t *turnResult) response() string {
	if len(t.texts) > 0 {
		return strings.Join(t.texts, "\n\n")
	}
	return strings.Join(t.copyTexts, "\n\n")
}

// toolCalls reads from the store the tool calls stored after the user
// message userMsgID, oldest first. It returns an empty list when the
// server has no Store.
func (s *server) toolCalls(ctx context.Context, user, threadID, userMsgID string) ([]agent.ToolCallRecord, error) {
	calls := []agent.ToolCallRecord{}
	if s.opts.Store == nil {
		return calls, nil
	}
	opts := chatkit.ListOptions{Limit: chatkit.DefaultPageSize, Order: chatkit.OrderDesc}
	for {
		page, err := s.opts.Store.LoadThreadItems(ctx, user, threadID, opts)
		if err != nil {
			return calls, fmt.Errorf("load items: %w", err)
		}
		for _, item := range page.Data {
			if item.Base().ID == userMsgID {
				slices.Reverse(calls)
				return calls, nil
			}
			if call, ok := agent.DecodeToolCall(item); ok {
				calls = append(calls, call)
			}
		}
		if !page.HasMore {
			slices.Reverse(calls)
			return calls, errors.New("user message not found among the thread's items")
		}
		opts.After = page.After
	}
}
