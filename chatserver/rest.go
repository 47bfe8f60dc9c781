package chatserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

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
	ConversationID string            `json:"conversation_id"`
	Response       string            `json:"response"`
	ToolCalls      []json.RawMessage `json:"tool_calls"`
}

// restFailure is the answer when the agent failed after the message was
// stored: the error, and the conversation to retry in.
type restFailure struct {
	Error          apiError `json:"error"`
	ConversationID string   `json:"conversation_id"`
}

// restChat answers POST /api/{user_id}/chat, the seed's REST contract, by
// driving the Kit like a ChatKit client: threads.create, or
// threads.add_user_message on conversation_id, collecting the stream's
// events.
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
	kitReq := chatkit.Request{Type: chatkit.ReqThreadsCreate, Params: &chatkit.ThreadCreateParams{Input: input}}
	if in.ConversationID != "" {
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
		kitReq = chatkit.Request{Type: chatkit.ReqThreadsAddUserMessage,
			Params: &chatkit.ThreadAddUserMessageParams{ThreadID: in.ConversationID, Input: input}}
	}
	res, err := s.opts.Kit.Handle(ctx, user, kitReq)
	if err != nil {
		s.writeKitError(c, err)
		return
	}
	var t turnResult
	t.threadID = in.ConversationID
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.streams, cancel)()
	if err := res.Stream(ctx, chatkit.EmitFunc(t.collect)); err != nil {
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

// turnResult collects what a turn streamed.
type turnResult struct {
	threadID      string
	userMessageID string
	texts         []string // assistant messages
	copyTexts     []string // widgets' copy text
	failed        *chatkit.ErrorEvent
}

// collect is the stream's emit function: it keeps what the answer needs
// of one event.
func (t *turnResult) collect(ev chatkit.Event) error {
	switch ev := ev.(type) {
	case *chatkit.ThreadCreatedEvent:
		t.threadID = ev.Thread.ID
	case *chatkit.ThreadItemDoneEvent:
		switch item := ev.Item.(type) {
		case *chatkit.UserMessageItem:
			t.userMessageID = item.ID
		case *chatkit.AssistantMessageItem:
			if s := strings.TrimSpace(item.Text()); s != "" {
				t.texts = append(t.texts, s)
			}
		case *chatkit.WidgetItem:
			if s := strings.TrimSpace(item.CopyText); s != "" {
				t.copyTexts = append(t.copyTexts, s)
			}
		}
	case *chatkit.ErrorEvent:
		failed := *ev
		if failed.Code == "" {
			failed.Code = chatkit.ErrorCodeCustom // as it is sent
		}
		t.failed = &failed
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

// toolCalls returns the tool calls of the turn that answered the user
// message userMsgID, oldest first: those among the items stored after
// it. The list is empty without Options.ToolCalls.
func (s *server) toolCalls(ctx context.Context, user, threadID, userMsgID string) ([]json.RawMessage, error) {
	calls := []json.RawMessage{}
	if s.opts.ToolCalls == nil {
		return calls, nil
	}
	items, err := s.opts.Kit.ItemsAfter(ctx, user, threadID, userMsgID)
	for _, item := range items {
		if call, ok := s.opts.ToolCalls.ToolCall(item); ok {
			calls = append(calls, call)
		}
	}
	return calls, err
}
