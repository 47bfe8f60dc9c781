package models

// ChangeKind says what happened to a task.
type ChangeKind string

// The kinds of task change. TasksResync is not about one task: it tells a
// subscriber that changes may have been missed (its buffer overflowed, or
// the database listener reconnected) and that it should read afresh.
const (
	TaskCreated   ChangeKind = "created"
	TaskUpdated   ChangeKind = "updated"
	TaskCompleted ChangeKind = "completed"
	TaskReopened  ChangeKind = "reopened"
	TaskDeleted   ChangeKind = "deleted"
	TaskRestored  ChangeKind = "restored"
	TasksResync   ChangeKind = "resync"
)

// TaskChange is one event of the task change feed: user UserID's task
// Number changed. Number is 0 for TasksResync.
type TaskChange struct {
	UserID string     `json:"user"`
	Number int64      `json:"task_id"`
	Kind   ChangeKind `json:"kind"`
}
