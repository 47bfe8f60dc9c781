package chatserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
)

// newFakeModel starts the fake model (package fakemodel) with script.
// Title requests fail, so threads keep the titles the engine gives them.
func newFakeModel(t testing.TB) *fakemodel.Model {
	m := fakemodel.New(t, script)
	m.SetTitle(http.StatusBadRequest, "")
	return m
}

// script decides the reply from the conversation so far:
//
//	last message from a tool       -> "Done! I ran <tool>."
//	"add <title>"                  -> add_task {"title": <title>}
//	"show my tasks"                -> list_tasks {}
//	"call <tool> <json>"           -> <tool> with the JSON arguments
//	"what day is it"               -> the system prompt's "Dates:" line
//	"slow"                         -> "Let me think" then, once released,
//	                                  " about it." (held in between)
//	anything else                  -> "You said: <text>"
func script(req fakemodel.Request) fakemodel.Reply {
	last := req.Last()
	if last["role"] == "tool" {
		name := req.ToolName(last)
		if name == "" {
			name = "a tool"
		}
		return fakemodel.Reply{Text: []string{"Done! ", "I ran " + name + "."}}
	}
	text := strings.TrimSpace(fakemodel.Text(last))
	lower := strings.ToLower(text)
	switch {
	case strings.HasPrefix(lower, "call "):
		name, args, _ := strings.Cut(text[5:], " ")
		return fakemodel.Reply{Calls: []fakemodel.Call{{Name: name, Args: args}}}
	case lower == "what day is it":
		for _, m := range req.Messages {
			if m["role"] != "system" {
				continue
			}
			for line := range strings.Lines(fakemodel.Text(m)) {
				if strings.HasPrefix(line, "Dates:") {
					return fakemodel.Reply{Text: []string{strings.TrimSpace(line)}}
				}
			}
		}
		return fakemodel.Reply{Text: []string{"no dates"}}
	case strings.HasPrefix(lower, "add "):
		args, _ := json.Marshal(map[string]string{"title": text[4:]})
		return fakemodel.Reply{Calls: []fakemodel.Call{{Name: "add_task", Args: string(args)}}}
	case lower == "show my tasks":
		return fakemodel.Reply{Calls: []fakemodel.Call{{Name: "list_tasks", Args: "{}"}}}
	case lower == "slow":
		return fakemodel.Reply{Text: []string{"Let me think", " about it."}, HoldAt: 1}
	}
	return fakemodel.Reply{Text: []string{"You said: ", text}}
}
