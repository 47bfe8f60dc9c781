package store

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/taskpilot/taskpilot/models"
)

// cursor is the position after the last task of a page: the sort it was
// made for, that task's sort key and its number. It travels as opaque
// base64url JSON.
type cursor struct {
	Sort   models.Sort `json:"s"`
	Int    int64       `json:"k,omitempty"` // due_key, priority_rank or deleted_us
	Str    string      `json:"t,omitempty"` // title_key
	Number int64       `json:"n"`
}

// cursorAfter encodes the position after row in a listing sorted by sort.
func cursorAfter(sort models.Sort, row taskRow) string {
	c := cursor{Sort: sort, Number: row.Number}
	switch sort {
	case models.SortDue:
		c.Int = row.DueKey
	case models.SortPriority:
		c.Int = int64(row.PriorityRank)
	case models.SortTitle:
		c.Str = row.TitleKey
	case models.SortDeleted:
		c.Int = row.DeletedUs
	}
	b, _ := json.Marshal(c) // cannot fail: plain fields
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses s and checks that it was made for sort.
func decodeCursor(s string, sort models.Sort) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	// A title key never holds a control character; PostgreSQL could not
	// even compare one holding NUL.
	if err != nil || c.Number < 1 || c.Sort == "" || strings.ContainsFunc(c.Str, unicode.IsControl) {
		return cursor{}, models.Invalid("cursor", "is not a cursor from a previous listing; list again without a cursor")
	}
	if c.Sort != sort {
		return cursor{}, models.Invalid("cursor", "was made for sort %q, not %q; list again without a cursor or with sort %q", c.Sort, sort, c.Sort)
	}
	return c, nil
}
