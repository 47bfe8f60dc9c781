package models

// ChangeKind says what happened to a task.
type ChangeKind string

// The kinds of task change. ChangeResync is not about one task: it tells a
// subscriber that changes may have been missed (its buffer overflowed, or
// the database listener reconnected) and that it should read afresh.
const (
	ChangeCreated   ChangeKind = "created"
	ChangeUpdated   ChangeKind = "updated"
	ChangeCompleted ChangeKind = "completed"
	ChangeReopened  ChangeKind = "reopened"
	ChangeDeleted   ChangeKind = "deleted"
	ChangeRestored  ChangeKind = "restored"
	ChangeResync    ChangeKind = "resync"
)

// TaskChange is one event of the task change feed: user UserID's task
// Number changed. Number is 0 for ChangeResync.
type TaskChange struct {
	UserID string     `json:"user"`
	Number int64      `json:"task_id"`
	Kind   ChangeKind `json:"kind"`
}
