package chatkit

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Id prefixes, as the reference server uses them. Widgets and generated
// images are messages, so they get MessageIDPrefix too.
const (
	ThreadIDPrefix        = "thr"
	MessageIDPrefix       = "msg"
	ToolCallIDPrefix      = "tc"
	WorkflowIDPrefix      = "wf"
	TaskIDPrefix          = "tsk"
	AttachmentIDPrefix    = "atc"
	HiddenContextIDPrefix = "shcx"
)

// NewID returns prefix, an underscore and 16 random hex digits, e.g.
// "thr_1a2b3c4d5e6f7a8b". The reference server's ids have 8 (32 bits):
// a user's thread ids must be unique, and among some tens of thousands
// of threads two of 32 bits are likely to be equal (the new thread then
// fails), while 64 bits make that as good as impossible. Clients treat
// ids as opaque strings.
func NewID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Now returns the current time in UTC, truncated to microseconds (the
// precision of PostgreSQL timestamps and of the reference server).
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
