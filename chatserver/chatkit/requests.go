package chatkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/taskpilot/taskpilot/models"
)

// Bounds on requests, so that no list or field a client sends costs more
// than a request should (the HTTP layer also bounds the body). Ids follow
// models.ValidateID; the text a user types is cleaned with
// models.CleanText.
const (
	// MaxFeedbackItems bounds the item ids of one items.feedback.
	MaxFeedbackItems = 1000
	// MaxContentParts bounds the parts of one user message.
	MaxContentParts = 100
	// MaxAnswers bounds the answers of one structured input submission,
	// and the values of one answer.
	MaxAnswers = 100
	// MaxMetadataBytes bounds a request's metadata object, encoded.
	MaxMetadataBytes = 16 << 10
	// MaxThreadTitleLen bounds a thread title set with threads.update, in
	// characters (as for task titles).
	MaxThreadTitleLen = models.MaxTitleLen
)

// Request types of the ChatKit Python SDK 1.6.5. The first six stream
// their response; the others answer with one JSON document.
const (
	ReqThreadsCreate              = "threads.create"
	ReqThreadsAddUserMessage      = "threads.add_user_message"
	ReqThreadsAddClientToolOutput = "threads.add_client_tool_output"
	ReqThreadsAddStructuredInput  = "threads.add_structured_input"
	ReqThreadsRetryAfterItem      = "threads.retry_after_item"
	ReqThreadsCustomAction        = "threads.custom_action"

	ReqThreadsGetByID          = "threads.get_by_id"
	ReqThreadsList             = "threads.list"
	ReqThreadsUpdate           = "threads.update"
	ReqThreadsDelete           = "threads.delete"
	ReqItemsList               = "items.list"
	ReqItemsFeedback           = "items.feedback"
	ReqThreadsSyncCustomAction = "threads.sync_custom_action"
	ReqAttachmentsCreate       = "attachments.create"
	ReqAttachmentsDelete       = "attachments.delete"
	ReqInputTranscribe         = "input.transcribe"
)

// Request is a decoded ChatKit request. Params holds a pointer to the
// params struct of Type:
//
//	threads.create                  *ThreadCreateParams
//	threads.add_user_message        *ThreadAddUserMessageParams
//	threads.add_client_tool_output  *ThreadAddClientToolOutputParams
//	threads.add_structured_input    *ThreadAddStructuredInputParams
//	threads.retry_after_item        *ThreadRetryAfterItemParams
//	threads.custom_action           *ThreadCustomActionParams
//	threads.sync_custom_action      *ThreadCustomActionParams
//	threads.get_by_id               *ThreadGetByIDParams
//	threads.list                    *ListParams
//	threads.update                  *ThreadUpdateParams
//	threads.delete                  *ThreadDeleteParams
//	items.list                      *ItemsListParams
//	items.feedback                  *ItemFeedbackParams
//	attachments.create              *AttachmentCreateParams
//	attachments.delete              *AttachmentDeleteParams
//	input.transcribe                *InputTranscribeParams
type Request struct {
	Type   string
	Params any
	// Metadata is the request's optional metadata object. The reference
	// server parses and ignores it; so does Server.
	Metadata map[string]any
}

// IsStreaming reports whether the response to r is an SSE stream.
func (r Request) IsStreaming() bool { return requestKinds[r.Type].streaming }

// requestKind describes one request type: how to decode its params.
type requestKind struct {
	streaming bool
	params    func() any
	required  []string // keys params must contain, non-null
	present   []string // keys params must contain, null allowed
}

var requestKinds = map[string]requestKind{
	ReqThreadsCreate:              {true, func() any { return new(ThreadCreateParams) }, []string{"input"}, nil},
	ReqThreadsAddUserMessage:      {true, func() any { return new(ThreadAddUserMessageParams) }, []string{"thread_id", "input"}, nil},
	ReqThreadsAddClientToolOutput: {true, func() any { return new(ThreadAddClientToolOutputParams) }, []string{"thread_id"}, []string{"result"}},
	ReqThreadsAddStructuredInput:  {true, func() any { return new(ThreadAddStructuredInputParams) }, []string{"thread_id", "item_id", "input"}, nil},
	ReqThreadsRetryAfterItem:      {true, func() any { return new(ThreadRetryAfterItemParams) }, []string{"thread_id", "item_id"}, nil},
	ReqThreadsCustomAction:        {true, func() any { return new(ThreadCustomActionParams) }, []string{"thread_id", "action"}, nil},
	ReqThreadsSyncCustomAction:    {false, func() any { return new(ThreadCustomActionParams) }, []string{"thread_id", "action"}, nil},
	ReqThreadsGetByID:             {false, func() any { return new(ThreadGetByIDParams) }, []string{"thread_id"}, nil},
	ReqThreadsList:                {false, func() any { return new(ListParams) }, nil, nil},
	ReqThreadsUpdate:              {false, func() any { return new(ThreadUpdateParams) }, []string{"thread_id", "title"}, nil},
	ReqThreadsDelete:              {false, func() any { return new(ThreadDeleteParams) }, []string{"thread_id"}, nil},
	ReqItemsList:                  {false, func() any { return new(ItemsListParams) }, []string{"thread_id"}, nil},
	ReqItemsFeedback:              {false, func() any { return new(ItemFeedbackParams) }, []string{"thread_id", "item_ids", "kind"}, nil},
	ReqAttachmentsCreate:          {false, func() any { return new(AttachmentCreateParams) }, []string{"name", "size", "mime_type"}, nil},
	ReqAttachmentsDelete:          {false, func() any { return new(AttachmentDeleteParams) }, []string{"attachment_id"}, nil},
	ReqInputTranscribe:            {false, func() any { return new(InputTranscribeParams) }, []string{"audio_base64", "mime_type"}, nil},
}

// ParseRequest decodes and validates a request body. Unknown keys are
// ignored, as in the reference; an unknown type, a missing or mistyped
// field and an out-of-range value give a *RequestError.
func ParseRequest(body []byte) (Request, error) {
	var env struct {
		Type     *string         `json:"type"`
		Params   json.RawMessage `json:"params"`
		Metadata json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(body, &env); err != nil || !isObject(body) {
		return Request{}, invalid("body must be a JSON object with type and params")
	}
	if env.Type == nil {
		return Request{}, invalid("type: required")
	}
	kind, ok := requestKinds[*env.Type]
	if !ok {
		return Request{}, invalid("type: unknown request type %q", *env.Type)
	}
	req := Request{Type: *env.Type, Metadata: map[string]any{}}
	if len(env.Metadata) > MaxMetadataBytes {
		return Request{}, invalid("metadata: is %d bytes; the limit is %d", len(env.Metadata), MaxMetadataBytes)
	}
	if len(env.Metadata) > 0 && string(env.Metadata) != "null" {
		if err := json.Unmarshal(env.Metadata, &req.Metadata); err != nil || req.Metadata == nil {
			return Request{}, invalid("metadata: must be an object")
		}
	}
	if len(env.Params) == 0 || string(env.Params) == "null" {
		return Request{}, invalid("params: required")
	}
	if err := requireKeys(env.Params, "params", kind.required...); err != nil {
		return Request{}, err
	}
	if err := requirePresent(env.Params, "params", kind.present...); err != nil {
		return Request{}, err
	}
	req.Params = kind.params()
	if err := json.Unmarshal(env.Params, req.Params); err != nil {
		return Request{}, paramsError(err)
	}
	if v, ok := req.Params.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return Request{}, err
		}
	}
	return req, nil
}

func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// checkID checks a required id (models.ValidateID); path names it in the
// error, e.g. "params.thread_id".
func checkID(path, id string) error {
	if err := models.ValidateID(path, id); err != nil {
		return invalid("%s", err.Error())
	}
	return nil
}

// checkOptionalID is checkID for an id that may be empty.
func checkOptionalID(path, id string) error {
	if id == "" {
		return nil
	}
	return checkID(path, id)
}

// paramsError turns a decoding error into a *RequestError.
func paramsError(err error) error {
	if re, ok := errors.AsType[*RequestError](err); ok {
		return &RequestError{Reason: "params: " + re.Reason}
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return invalid("params.%s: must be %s, not %s", jsonPath(te.Field), jsonKind(te.Type.Kind().String()), te.Value)
	}
	return invalid("params: %v", err)
}

// jsonPath drops the names of embedded Go structs (capitalized) from a
// decoding error's field path, leaving the JSON keys.
func jsonPath(field string) string {
	var keys []string
	for k := range strings.SplitSeq(field, ".") {
		if k != "" && !unicode.IsUpper(rune(k[0])) {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ".")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64":
		return "an integer"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "a " + goKind
}

// UserMessageInput is the message a user sends with threads.create and
// threads.add_user_message.
type UserMessageInput struct {
	Content []UserContent `json:"content"`
	// Attachments are attachment ids. TaskPilot stores no attachments, so
	// the server rejects a non-empty list with ErrUnsupported.
	Attachments      []string         `json:"attachments"`
	QuotedText       string           `json:"quoted_text"`
	InferenceOptions InferenceOptions `json:"inference_options"`
}

// UnmarshalJSON implements json.Unmarshaler; content, attachments and
// inference_options are required (inference_options may be {}).
func (in *UserMessageInput) UnmarshalJSON(b []byte) error {
	if err := requireKeys(b, "input", "content", "attachments", "inference_options"); err != nil {
		return err
	}
	type plain UserMessageInput
	return json.Unmarshal(b, (*plain)(in))
}

// validate bounds the message and cleans the text a person typed
// (models.CleanText: NUL and other control characters removed).
func (in *UserMessageInput) validate() error {
	if len(in.Content) > MaxContentParts {
		return invalid("params.input.content: %d parts; the limit is %d", len(in.Content), MaxContentParts)
	}
	for i := range in.Content {
		c := &in.Content[i]
		c.Text = models.CleanText(c.Text)
		c.ID = models.CleanText(c.ID)
		c.Group = models.CleanText(c.Group)
	}
	in.QuotedText = models.CleanText(in.QuotedText)
	if len(in.Attachments) > MaxContentParts {
		return invalid("params.input.attachments: %d attachments; the limit is %d", len(in.Attachments), MaxContentParts)
	}
	if err := checkOptionalID("params.input.inference_options.model", in.InferenceOptions.Model); err != nil {
		return err
	}
	if tc := in.InferenceOptions.ToolChoice; tc != nil {
		return checkOptionalID("params.input.inference_options.tool_choice.id", tc.ID)
	}
	return nil
}

// ThreadCreateParams are the params of threads.create.
type ThreadCreateParams struct {
	Input UserMessageInput `json:"input"`
}

func (p *ThreadCreateParams) validate() error { return p.Input.validate() }

// ThreadAddUserMessageParams are the params of threads.add_user_message.
type ThreadAddUserMessageParams struct {
	ThreadID string           `json:"thread_id"`
	Input    UserMessageInput `json:"input"`
}

func (p *ThreadAddUserMessageParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	return p.Input.validate()
}

// ThreadAddClientToolOutputParams are the params of
// threads.add_client_tool_output. Result is any JSON value, null included.
type ThreadAddClientToolOutputParams struct {
	ThreadID string `json:"thread_id"`
	Result   any    `json:"result"`
}

func (p *ThreadAddClientToolOutputParams) validate() error {
	return checkID("params.thread_id", p.ThreadID)
}

// ThreadAddStructuredInputParams are the params of
// threads.add_structured_input.
type ThreadAddStructuredInputParams struct {
	ThreadID string                    `json:"thread_id"`
	ItemID   string                    `json:"item_id"`
	Input    StructuredInputSubmission `json:"input"`
}

func (p *ThreadAddStructuredInputParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	if err := checkID("params.item_id", p.ItemID); err != nil {
		return err
	}
	return p.Input.validate()
}

// StructuredInputSubmission answers a structured input item. Status is
// "answered" (the default) or "skipped"; Answers maps question ids to
// answers.
type StructuredInputSubmission struct {
	Status  string                           `json:"status"`
	Answers map[string]StructuredInputAnswer `json:"answers"`
}

func (s *StructuredInputSubmission) validate() error {
	switch s.Status {
	case "":
		s.Status = InputAnswered
	case InputAnswered, InputSkipped:
	default:
		return invalid(`params.input.status: must be "answered" or "skipped", not %q`, s.Status)
	}
	if len(s.Answers) > MaxAnswers {
		return invalid("params.input.answers: %d answers; the limit is %d", len(s.Answers), MaxAnswers)
	}
	for id, a := range s.Answers {
		if err := checkID("params.input.answers key", id); err != nil {
			return err
		}
		if len(a.Values) > MaxAnswers {
			return invalid("params.input.answers.%s: %d values; the limit is %d", id, len(a.Values), MaxAnswers)
		}
		for i, v := range a.Values {
			a.Values[i] = models.CleanText(v)
		}
	}
	return nil
}

// ThreadRetryAfterItemParams are the params of threads.retry_after_item;
// ItemID is a user message.
type ThreadRetryAfterItemParams struct {
	ThreadID string `json:"thread_id"`
	ItemID   string `json:"item_id"`
}

func (p *ThreadRetryAfterItemParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	return checkID("params.item_id", p.ItemID)
}

// ThreadCustomActionParams are the params of threads.custom_action and
// threads.sync_custom_action. ItemID is the widget item that sent the
// action, or empty.
type ThreadCustomActionParams struct {
	ThreadID string `json:"thread_id"`
	ItemID   string `json:"item_id"`
	Action   Action `json:"action"`
}

func (p *ThreadCustomActionParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	if err := checkOptionalID("params.item_id", p.ItemID); err != nil {
		return err
	}
	return checkID("params.action.type", p.Action.Type)
}

// Action is a widget action as the client sends it back: the Type and
// Payload of a widget.Action, with form values merged into the payload.
// Treat the payload as untrusted input.
type Action struct {
	Type    string `json:"type"`
	Payload any    `json:"payload,omitempty"`
}

// UnmarshalJSON implements json.Unmarshaler; type is required.
func (a *Action) UnmarshalJSON(b []byte) error {
	if err := requireKeys(b, "action", "type"); err != nil {
		return err
	}
	type plain Action
	return json.Unmarshal(b, (*plain)(a))
}

// ThreadGetByIDParams are the params of threads.get_by_id.
type ThreadGetByIDParams struct {
	ThreadID string `json:"thread_id"`
}

func (p *ThreadGetByIDParams) validate() error { return checkID("params.thread_id", p.ThreadID) }

// ListParams are the params of threads.list and the paging part of
// items.list. Limit 0 (or null) means DefaultPageSize, and the server
// serves at most MaxPageSize per page (the ChatKit playground asks for
// 9999 threads); Order defaults to "desc".
type ListParams struct {
	Limit int    `json:"limit"`
	Order Order  `json:"order"`
	After string `json:"after"`
}

func (p *ListParams) validate() error {
	switch p.Order {
	case "":
		p.Order = OrderDesc
	case OrderAsc, OrderDesc:
	default:
		return invalid(`params.order: must be "asc" or "desc", not %q`, p.Order)
	}
	if p.Limit < 0 {
		return invalid("params.limit: must not be negative")
	}
	return checkOptionalID("params.after", p.After)
}

// options returns the store query for p.
func (p ListParams) options() ListOptions {
	limit := p.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	return ListOptions{After: p.After, Limit: min(limit, MaxPageSize), Order: p.Order}
}

// ThreadUpdateParams are the params of threads.update. The title is
// trimmed and one line of at most MaxThreadTitleLen characters; empty
// removes it.
type ThreadUpdateParams struct {
	ThreadID string `json:"thread_id"`
	Title    string `json:"title"`
}

func (p *ThreadUpdateParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	title, err := models.ValidateLine("params.title", p.Title, MaxThreadTitleLen)
	if err != nil {
		return invalid("%s", err.Error())
	}
	p.Title = title
	return nil
}

// ThreadDeleteParams are the params of threads.delete.
type ThreadDeleteParams struct {
	ThreadID string `json:"thread_id"`
}

func (p *ThreadDeleteParams) validate() error { return checkID("params.thread_id", p.ThreadID) }

// ItemsListParams are the params of items.list.
type ItemsListParams struct {
	ThreadID string `json:"thread_id"`
	ListParams
}

func (p *ItemsListParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	return p.ListParams.validate()
}

// ItemFeedbackParams are the params of items.feedback.
type ItemFeedbackParams struct {
	ThreadID string   `json:"thread_id"`
	ItemIDs  []string `json:"item_ids"`
	Kind     string   `json:"kind"` // "positive" or "negative"
}

func (p *ItemFeedbackParams) validate() error {
	if err := checkID("params.thread_id", p.ThreadID); err != nil {
		return err
	}
	if len(p.ItemIDs) > MaxFeedbackItems {
		return invalid("params.item_ids: %d item ids; the limit is %d", len(p.ItemIDs), MaxFeedbackItems)
	}
	for i, id := range p.ItemIDs {
		if err := checkID(fmt.Sprintf("params.item_ids[%d]", i), id); err != nil {
			return err
		}
	}
	if p.Kind != FeedbackPositive && p.Kind != FeedbackNegative {
		return invalid(`params.kind: must be "positive" or "negative", not %q`, p.Kind)
	}
	return nil
}

// Feedback kinds.
const (
	FeedbackPositive = "positive"
	FeedbackNegative = "negative"
)

// AttachmentCreateParams are the params of attachments.create.
type AttachmentCreateParams struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	MimeType string `json:"mime_type"`
}

// AttachmentDeleteParams are the params of attachments.delete.
type AttachmentDeleteParams struct {
	AttachmentID string `json:"attachment_id"`
}

// InputTranscribeParams are the params of input.transcribe.
type InputTranscribeParams struct {
	AudioBase64 string `json:"audio_base64"`
	MimeType    string `json:"mime_type"` // e.g. "audio/webm;codecs=opus"
}
