package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Defaults for the zero values of Config.
const (
	DefaultRequestTimeout    = 60 * time.Second
	DefaultFirstTokenTimeout = 20 * time.Second
	DefaultMaxRetries        = 2
	DefaultMaxToolRounds     = 8
	DefaultHistoryItems      = 20
	defaultBaseURL           = "https://api.openai.com/v1/"
)

// Config configures New. Only Tools is required.
type Config struct {
	// Model is the chat model, e.g. "gpt-4.1-mini". Empty means no model:
	// the agent answers commands only.
	Model string
	// APIKey is sent as a bearer token to the model endpoint.
	APIKey string
	// BaseURL is the OpenAI-compatible endpoint; empty means OpenAI's.
	// A model needs an APIKey or a BaseURL (local servers need no key).
	BaseURL string
	// HTTPClient makes the model requests; nil means a new http.Client.
	HTTPClient *http.Client
	// RequestTimeout bounds each model request attempt, streaming
	// included; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// FirstTokenTimeout bounds the wait for the first token of a model
	// reply (text, a tool call or a finish reason), from the start of the
	// request, retries included: a model that stalls longer ends the turn
	// with a retryable error. 0 means DefaultFirstTokenTimeout, a negative
	// value means no limit (RequestTimeout still applies).
	FirstTokenTimeout time.Duration
	// MaxRetries is how often a failed model request (connection error,
	// 408, 409, 429, 5xx) is retried; 0 means DefaultMaxRetries, a
	// negative value means never.
	MaxRetries int
	// MaxToolRounds bounds the model responses with tool calls in one
	// turn; 0 means DefaultMaxToolRounds.
	MaxToolRounds int
	// HistoryItems is how many of the newest thread items the model sees;
	// 0 means DefaultHistoryItems.
	HistoryItems int
	// Location is the users' time zone, for "today" and "tomorrow"; nil
	// means UTC.
	Location *time.Location
	// Tools connects to the TaskPilot MCP server as a user. Required.
	Tools Connector
	// Logger receives failures (Warn, Error) and tool calls (Debug); nil
	// discards.
	Logger *slog.Logger
	// Now is the clock for the system prompt's date; nil means time.Now.
	Now func() time.Time
	// Metrics records time to first token, tool calls and model errors;
	// nil records nothing.
	Metrics Metrics
}

// Agent answers ChatKit turns; see the package comment. It is safe for
// concurrent use.
type Agent struct {
	cfg     Config
	chat    *openai.ChatCompletionService // nil without a model
	client  *openai.Client                // streams the replies (chunk.go); nil without a model
	log     *slog.Logger
	fnTools toolCache
	prompts promptCache
}

var (
	_ chatkit.Responder         = (*Agent)(nil)
	_ chatkit.ActionHandler     = (*Agent)(nil)
	_ chatkit.SyncActionHandler = (*Agent)(nil)
	_ chatkit.Titler            = (*Agent)(nil)
)

// New returns an Agent for cfg. Without a model (Model empty, or neither
// APIKey nor BaseURL set) it works in commands-only mode.
func New(cfg Config) (*Agent, error) {
	if cfg.Tools == nil {
		return nil, errors.New("agent: no tools connector")
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.RequestTimeout < 0 {
		return nil, fmt.Errorf("agent: negative request timeout %v", cfg.RequestTimeout)
	}
	if cfg.FirstTokenTimeout == 0 {
		cfg.FirstTokenTimeout = DefaultFirstTokenTimeout
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MaxToolRounds <= 0 {
		cfg.MaxToolRounds = DefaultMaxToolRounds
	}
	if cfg.HistoryItems <= 0 {
		cfg.HistoryItems = DefaultHistoryItems
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	cfg.Model = strings.TrimSpace(cfg.Model)
	a := &Agent{cfg: cfg, log: cfg.Logger.With("component", "agent")}
	if cfg.Model != "" && (cfg.APIKey != "" || cfg.BaseURL != "") {
		opts := a.modelOptions()
		svc := openai.NewChatCompletionService(opts...)
		a.chat = &svc
		a.client = &openai.Client{Options: opts} // not NewClient: it reads the environment
	}
	return a, nil
}

// modelOptions are the openai-go options for every model request. They
// are explicit: nothing is read from the environment.
func (a *Agent) modelOptions() []option.RequestOption {
	client := a.cfg.HTTPClient
	if client == nil {
		client = &http.Client{Transport: modelTransport()}
	}
	base := a.cfg.BaseURL
	if base == "" {
		base = defaultBaseURL
	}
	opts := []option.RequestOption{
		option.WithHTTPClient(client),
		option.WithBaseURL(base),
		option.WithMaxRetries(a.cfg.MaxRetries),
		option.WithRequestTimeout(a.cfg.RequestTimeout),
		option.WithMiddleware(releaseSentBody),
	}
	if a.cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(a.cfg.APIKey))
	}
	return opts
}

// HasModel reports whether a model is configured; without one the agent
// answers commands only.
func (a *Agent) HasModel() bool { return a.chat != nil }

// Respond implements chatkit.Responder. A message starting with "/" is a
// command; any other goes to the model, or, without a model, gets a reply
// explaining how to configure one. A nil input (a resumed turn) finishes
// a bulk delete the user just confirmed or declined, or else runs the
// model on the thread as it is.
//
// Every tool call of the turn is confirmed in a workflow item that the
// server writes from the tool's result (see confirmer); it is stored
// before the next visible item and when the turn ends, failed or not.
func (a *Agent) Respond(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) (err error) {
	ctx, turn, conf := confirmTurn(ctx, turn)
	defer func() {
		if ctx.Err() != nil {
			return // the engine stores what the user saw
		}
		if endErr := conf.end(); err == nil {
			err = endErr
		}
	}()
	if input != nil {
		text := strings.TrimSpace(userText(input))
		if strings.HasPrefix(text, "/") {
			return a.command(ctx, turn, text)
		}
	}
	if input == nil {
		if done, err := a.answerConfirmDelete(ctx, turn); done || err != nil {
			return err
		}
	}
	if a.chat == nil {
		if input == nil {
			return nil
		}
		return say(turn, noModelReply)
	}
	return a.runModel(ctx, turn, input)
}

// userText returns the text of a user message, tags written as @text
// (see tags.go for what the model learns about tagged tasks).
func userText(m *chatkit.UserMessageItem) string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Type == chatkit.ContentInputTag {
			b.WriteString("@")
		}
		b.WriteString(c.Text)
	}
	return b.String()
}

// say sends text as one assistant message.
func say(turn *chatkit.Turn, text string) error {
	msg, err := chatkit.StartAssistantMessage(turn)
	if err != nil {
		return err
	}
	if err := msg.Delta(text); err != nil {
		return err
	}
	return msg.Done()
}

// Messages shown in error events; they never carry internals.
const (
	msgToolsDown = "I can't reach your task list right now. Please try again in a moment."
	msgModelDown = "The assistant isn't responding right now. Please try again in a moment."
)

// turnError turns a failure into the error Respond returns: the context's
// error when the turn was cancelled, else a StreamError with msg that
// offers a retry.
func turnError(ctx context.Context, msg string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &chatkit.StreamError{Message: msg, AllowRetry: true, Err: err}
}
