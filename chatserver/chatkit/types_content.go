package chatkit

import "encoding/json"

// UserContent is one part of a user message: plain text ("input_text") or
// an @-mention tag ("input_tag").
type UserContent struct {
	Type string `json:"type"` // ContentInputText (or empty) or ContentInputTag
	Text string `json:"text"`
	// The rest is for tags only.
	ID          string         `json:"id,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
	Group       string         `json:"group,omitempty"`
	Interactive bool           `json:"interactive,omitempty"`
}

// User content part types.
const (
	ContentInputText = "input_text"
	ContentInputTag  = "input_tag"
)

// TextContent returns an "input_text" part.
func TextContent(text string) UserContent { return UserContent{Type: ContentInputText, Text: text} }

// MarshalJSON implements json.Marshaler.
func (c UserContent) MarshalJSON() ([]byte, error) {
	if c.Type == ContentInputTag {
		return marshalTyped(ContentInputTag, struct {
			ID          string         `json:"id"`
			Text        string         `json:"text"`
			Data        map[string]any `json:"data"`
			Group       string         `json:"group,omitempty"`
			Interactive bool           `json:"interactive"`
		}{c.ID, c.Text, emptyMapIfNil(c.Data), c.Group, c.Interactive})
	}
	return marshalTyped(ContentInputText, struct {
		Text string `json:"text"`
	}{c.Text})
}

// UnmarshalJSON implements json.Unmarshaler; it rejects unknown types and
// missing required fields.
func (c *UserContent) UnmarshalJSON(b []byte) error {
	type plain UserContent
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	switch p.Type {
	case ContentInputText:
		if err := requireKeys(b, "content part", "text"); err != nil {
			return err
		}
	case ContentInputTag:
		if err := requireKeys(b, "content part", "id", "text", "data"); err != nil {
			return err
		}
	default:
		return invalid("content part: unknown type %q", p.Type)
	}
	*c = UserContent(p)
	return nil
}

// InferenceOptions are the composer's model and tool-menu choices.
type InferenceOptions struct {
	// ToolChoice is the id of a composer tool-menu entry (a UI id, not an
	// LLM tool), or nil.
	ToolChoice *ToolChoice `json:"tool_choice,omitempty"`
	Model      string      `json:"model,omitempty"` // from the composer's model picker
}

// ToolChoice names the composer tool the user picked.
type ToolChoice struct {
	ID string `json:"id"`
}

// UnmarshalJSON implements json.Unmarshaler; id is required.
func (t *ToolChoice) UnmarshalJSON(b []byte) error {
	if err := requireKeys(b, "tool_choice", "id"); err != nil {
		return err
	}
	type plain ToolChoice
	return json.Unmarshal(b, (*plain)(t))
}

// Attachment is a file or image attached to a user message. TaskPilot
// does not store attachments; the type exists so that stored messages
// round-trip.
type Attachment struct {
	Type             string            `json:"type"` // "file" or "image"
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	MimeType         string            `json:"mime_type"`
	PreviewURL       string            `json:"preview_url,omitempty"` // images only (required there)
	UploadDescriptor *UploadDescriptor `json:"upload_descriptor,omitempty"`
	ThreadID         string            `json:"thread_id,omitempty"`
}

// UploadDescriptor tells the client where to upload an attachment's bytes.
type UploadDescriptor struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"` // "POST" or "PUT"
	Headers map[string]string `json:"headers"`
}

// MarshalJSON implements json.Marshaler; nil Headers encode as {}.
func (u UploadDescriptor) MarshalJSON() ([]byte, error) {
	type plain UploadDescriptor
	if u.Headers == nil {
		u.Headers = map[string]string{}
	}
	return json.Marshal(plain(u))
}

// AssistantContent is one text part of an assistant message (markdown).
type AssistantContent struct {
	Text        string       `json:"text"`
	Annotations []Annotation `json:"annotations"`
}

// MarshalJSON implements json.Marshaler.
func (c AssistantContent) MarshalJSON() ([]byte, error) {
	type plain AssistantContent
	c.Annotations = emptyIfNil(c.Annotations)
	return marshalTyped("output_text", plain(c))
}

// Annotation is a citation on assistant text. Index is the character offset
// of its footnote marker, or nil.
type Annotation struct {
	Source Source `json:"source"`
	Index  *int   `json:"index,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (a Annotation) MarshalJSON() ([]byte, error) {
	type plain Annotation
	return marshalTyped("annotation", plain(a))
}

// Source is what an annotation or a task cites: a URL ("url": Title, URL),
// a file ("file": Title, Filename) or an entity ("entity": Title, ID).
type Source struct {
	Type  string `json:"type"` // "url", "file" or "entity"
	Title string `json:"title"`
	// url
	URL         string `json:"url,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	// file
	Filename string `json:"filename,omitempty"`
	// entity
	ID          string         `json:"id,omitempty"`
	Icon        string         `json:"icon,omitempty"` // see ValidIcon
	Label       string         `json:"label,omitempty"`
	InlineLabel string         `json:"inline_label,omitempty"`
	Interactive bool           `json:"interactive,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
	// all
	Description string `json:"description,omitempty"`
	Timestamp   string `json:"timestamp,omitempty"`
	Group       string `json:"group,omitempty"`
}

// MarshalJSON implements json.Marshaler, writing only the fields of s.Type.
func (s Source) MarshalJSON() ([]byte, error) {
	type common struct {
		Description string `json:"description,omitempty"`
		Timestamp   string `json:"timestamp,omitempty"`
		Group       string `json:"group,omitempty"`
	}
	c := common{s.Description, s.Timestamp, s.Group}
	switch s.Type {
	case "file":
		return marshalTyped("file", struct {
			Title    string `json:"title"`
			Filename string `json:"filename"`
			common
		}{s.Title, s.Filename, c})
	case "entity":
		return marshalTyped("entity", struct {
			Title       string         `json:"title"`
			ID          string         `json:"id"`
			Icon        string         `json:"icon,omitempty"`
			Label       string         `json:"label,omitempty"`
			InlineLabel string         `json:"inline_label,omitempty"`
			Interactive bool           `json:"interactive"`
			Data        map[string]any `json:"data"`
			common
		}{s.Title, s.ID, s.Icon, s.Label, s.InlineLabel, s.Interactive, emptyMapIfNil(s.Data), c})
	default:
		return marshalTyped("url", struct {
			Title       string `json:"title"`
			URL         string `json:"url"`
			Attribution string `json:"attribution,omitempty"`
			common
		}{s.Title, s.URL, s.Attribution, c})
	}
}

// Task is one step shown in a workflow or a task item: "custom" (Title,
// Icon, Content), "web_search" (Title, TitleQuery, Queries, Sources),
// "thought" (Title, Content), "file" (Title, Sources) or "image" (Title).
type Task struct {
	Type string `json:"type"`
	// StatusIndicator is "none" (or empty), "loading" or "complete".
	StatusIndicator string   `json:"status_indicator"`
	Title           string   `json:"title,omitempty"`
	Icon            string   `json:"icon,omitempty"`    // custom; see ValidIcon
	Content         string   `json:"content,omitempty"` // custom, thought
	TitleQuery      string   `json:"title_query,omitempty"`
	Queries         []string `json:"queries,omitempty"`
	Sources         []Source `json:"sources,omitempty"` // url sources for web_search, file sources for file
}

// Task types.
const (
	TaskCustom    = "custom"
	TaskWebSearch = "web_search"
	TaskThought   = "thought"
	TaskFile      = "file"
	TaskImage     = "image"
)

// MarshalJSON implements json.Marshaler, writing only the fields of t.Type.
func (t Task) MarshalJSON() ([]byte, error) {
	status := t.StatusIndicator
	if status == "" {
		status = "none"
	}
	typ := t.Type
	if typ == "" {
		typ = TaskCustom
	}
	switch typ {
	case TaskWebSearch:
		return marshalTyped(typ, struct {
			Status     string   `json:"status_indicator"`
			Title      string   `json:"title,omitempty"`
			TitleQuery string   `json:"title_query,omitempty"`
			Queries    []string `json:"queries"`
			Sources    []Source `json:"sources"`
		}{status, t.Title, t.TitleQuery, emptyIfNil(t.Queries), emptyIfNil(t.Sources)})
	case TaskThought:
		return marshalTyped(typ, struct {
			Status  string `json:"status_indicator"`
			Title   string `json:"title,omitempty"`
			Content string `json:"content"`
		}{status, t.Title, t.Content})
	case TaskFile:
		return marshalTyped(typ, struct {
			Status  string   `json:"status_indicator"`
			Title   string   `json:"title,omitempty"`
			Sources []Source `json:"sources"`
		}{status, t.Title, emptyIfNil(t.Sources)})
	case TaskImage:
		return marshalTyped(typ, struct {
			Status string `json:"status_indicator"`
			Title  string `json:"title,omitempty"`
		}{status, t.Title})
	default:
		return marshalTyped(TaskCustom, struct {
			Status  string `json:"status_indicator"`
			Title   string `json:"title,omitempty"`
			Icon    string `json:"icon,omitempty"`
			Content string `json:"content,omitempty"`
		}{status, t.Title, t.Icon, t.Content})
	}
}

// Workflow is a collapsible list of tasks: "custom" steps or "reasoning"
// thoughts.
type Workflow struct {
	Type     string           `json:"type"` // "custom" or "reasoning"
	Tasks    []Task           `json:"tasks"`
	Summary  *WorkflowSummary `json:"summary,omitempty"`
	Expanded bool             `json:"expanded"`
}

// MarshalJSON implements json.Marshaler; nil Tasks encode as [].
func (w Workflow) MarshalJSON() ([]byte, error) {
	type plain Workflow
	w.Tasks = emptyIfNil(w.Tasks)
	if w.Type == "" {
		w.Type = "custom"
	}
	return json.Marshal(plain(w))
}

// WorkflowSummary closes a workflow: a title (and icon), or, when Title is
// empty, how long it took.
type WorkflowSummary struct {
	Title    string `json:"title,omitempty"`
	Icon     string `json:"icon,omitempty"`
	Duration int    `json:"duration,omitempty"` // seconds
}

// MarshalJSON implements json.Marshaler.
func (s WorkflowSummary) MarshalJSON() ([]byte, error) {
	if s.Title == "" {
		return json.Marshal(struct {
			Duration int `json:"duration"`
		}{s.Duration})
	}
	return json.Marshal(struct {
		Title string `json:"title"`
		Icon  string `json:"icon,omitempty"`
	}{s.Title, s.Icon})
}

// StructuredInput is one question of a structured input item:
// "multiple_choice" (Options, Multiple) or "freeform" (Description).
type StructuredInput struct {
	Type        string                  `json:"type"`
	ID          string                  `json:"id"`
	Question    string                  `json:"question"`
	Answer      *StructuredInputAnswer  `json:"answer,omitempty"`
	Options     []StructuredInputOption `json:"options,omitempty"`
	Multiple    bool                    `json:"multiple,omitempty"`
	Description string                  `json:"description,omitempty"`
}

// Structured input question types.
const (
	InputMultipleChoice = "multiple_choice"
	InputFreeform       = "freeform"
)

// MarshalJSON implements json.Marshaler, writing only the fields of s.Type.
func (s StructuredInput) MarshalJSON() ([]byte, error) {
	if s.Type == InputFreeform {
		return marshalTyped(InputFreeform, struct {
			ID          string                 `json:"id"`
			Question    string                 `json:"question"`
			Answer      *StructuredInputAnswer `json:"answer,omitempty"`
			Description string                 `json:"description,omitempty"`
		}{s.ID, s.Question, s.Answer, s.Description})
	}
	return marshalTyped(InputMultipleChoice, struct {
		ID       string                  `json:"id"`
		Question string                  `json:"question"`
		Answer   *StructuredInputAnswer  `json:"answer,omitempty"`
		Options  []StructuredInputOption `json:"options"`
		Multiple bool                    `json:"multiple"`
	}{s.ID, s.Question, s.Answer, emptyIfNil(s.Options), s.Multiple})
}

// StructuredInputOption is one choice of a multiple-choice question.
type StructuredInputOption struct {
	Value string `json:"value"`
}

// StructuredInputAnswer is the answer recorded for a question.
type StructuredInputAnswer struct {
	Values  []string `json:"values"`
	Skipped bool     `json:"skipped"`
}

// MarshalJSON implements json.Marshaler; nil Values encode as [].
func (a StructuredInputAnswer) MarshalJSON() ([]byte, error) {
	type plain StructuredInputAnswer
	a.Values = emptyIfNil(a.Values)
	return json.Marshal(plain(a))
}

// GeneratedImage is an image produced by the model.
type GeneratedImage struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}
