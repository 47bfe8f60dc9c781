package chatkit_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/models"
)

// requestSeeds are realistic request bodies of every type, and hostile
// ones: NUL bytes in ids and text, huge lists and titles. The chatserver
// fuzz targets use them too (testdata/requests.seed).
func requestSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "requests.seed"))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, []byte(line))
		}
	}
	out = append(out,
		[]byte(`{"type":"items.feedback","params":{"thread_id":"thr_1","item_ids":[`+strings.Repeat(`"msg_1",`, 20_000)+`"msg_1"],"kind":"negative"}}`),
		[]byte(`{"type":"threads.update","params":{"thread_id":"thr_1","title":"`+strings.Repeat("x", 900_000)+`"}}`),
	)
	return out
}

// FuzzParseRequest: whatever the body, ParseRequest does not panic, fails
// only with a *RequestError, and what it accepts holds only ids that every
// database can store and compare (models.ValidateID) and lists within
// their bounds.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range requestSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := chatkit.ParseRequest(body)
		if err != nil {
			if _, ok := errors.AsType[*chatkit.RequestError](err); !ok {
				t.Fatalf("ParseRequest error %T %v, want a *RequestError", err, err)
			}
			return
		}
		p := reflect.ValueOf(req.Params).Elem()
		for _, name := range []string{"ThreadID", "ItemID", "After"} {
			if f := p.FieldByName(name); f.IsValid() && f.String() != "" {
				if err := models.ValidateID(name, f.String()); err != nil {
					t.Errorf("accepted %s: %v", name, err)
				}
			}
		}
		switch p := req.Params.(type) {
		case *chatkit.ItemFeedbackParams:
			if len(p.ItemIDs) > chatkit.MaxFeedbackItems {
				t.Errorf("accepted %d item ids", len(p.ItemIDs))
			}
		case *chatkit.ThreadUpdateParams:
			if _, err := models.ValidateLine("title", p.Title, chatkit.MaxThreadTitleLen); err != nil {
				t.Errorf("accepted title: %v", err)
			}
		case *chatkit.ThreadAddUserMessageParams:
			for _, c := range p.Input.Content {
				if c.Text != models.CleanText(c.Text) {
					t.Errorf("accepted text %q with control characters", c.Text)
				}
			}
		}
	})
}
