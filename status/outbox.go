package status

import "time"

// JobKind is what an outbox job does.
type JobKind string

// Job kinds.
const (
	JobPush        JobKind = "push"              // deliver a push to a condition/topic or to tokens
	JobSubscribe   JobKind = "topic_subscribe"   // add tokens to an FCM topic
	JobUnsubscribe JobKind = "topic_unsubscribe" // remove tokens from an FCM topic
	JobEmail       JobKind = "email"             // email an update's subscribers, or one confirmation
)

// JobStatus is where an outbox job is in its life.
type JobStatus string

// Job statuses. Pending jobs are (re)tried; the others are final.
const (
	JobPending    JobStatus = "pending"
	JobSent       JobStatus = "sent"
	JobFailed     JobStatus = "failed"     // gave up; visible to staff with its last error
	JobSuperseded JobStatus = "superseded" // a newer update of the incident made it moot
	JobExpired    JobStatus = "expired"    // its TTL passed before it could be sent
)

// OutboxJob is a notification Candor owes someone, written in the same transaction as the
// change that caused it, so a crash can delay it but never lose it.
type OutboxJob struct {
	ID   int64
	Kind JobKind
	// IncidentID and UpdateID name what a push announces ("" for topic jobs).
	IncidentID string
	UpdateID   string
	Event      string // e.g. "created", "updated", "resolved", "eta_missed"
	Lang       string
	// Exactly one target for a push: Condition (an FCM topic condition), Topic, or Tokens.
	// Topic jobs use Topic and Tokens.
	Condition string
	Topic     string
	Tokens    []string
	// Payload is the push as the notifier encoded it, without its target.
	Payload       []byte
	Status        JobStatus
	Attempts      int
	NextAttemptAt time.Time
	// LeaseOwner and LeaseUntil mark a job claimed by a dispatcher; a lease that runs out
	// (its dispatcher died) makes the job claimable again.
	LeaseOwner string
	LeaseUntil time.Time
	LastError  string
	Sent       int // messages (or token subscriptions) acknowledged
	Failed     int // tokens given up on (dead or rejected)
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ExpiresAt  time.Time // not sent after this: the news would be stale
	DoneAt     time.Time // when it reached a final status
}

// JobBacklog is how many jobs of one kind are pending and since when the oldest waits.
type JobBacklog struct {
	Kind    JobKind
	Pending int
	Oldest  time.Time // the oldest pending job's CreatedAt
}

// JobConflictStatus returns the final status a SaveJob conflict reports the job has
// reached (e.g. JobSuperseded), or "" when the conflict is a lease lost to another
// dispatcher.
func JobConflictStatus(err error) JobStatus {
	if ErrorCode(err) != ECONFLICT {
		return ""
	}
	return JobStatus(ErrorFields(err)["status"])
}

// JobFilter selects outbox jobs.
type JobFilter struct {
	IncidentID string    // "" any
	Status     JobStatus // "" any
	Limit      int       // 0 no limit
}

// PushEvent is a timeline entry that may owe pushes.
type PushEvent struct {
	Kind     string // "created", "updated", "resolved", "eta_missed"
	Incident *Incident
	Update   *Update
	Now      time.Time
}

// MaintenanceEvent is a maintenance timeline entry that may owe pushes.
type MaintenanceEvent struct {
	Kind        string // "maintenance_scheduled", "maintenance_reminder", "maintenance_started", "maintenance_completed", "maintenance_late"
	Maintenance *Maintenance
	Update      *MaintenanceUpdate
	Now         time.Time
}

// Notifier plans the pushes a change owes. It runs inside the write transaction (it may
// read devices through tx) so the jobs commit atomically with the change.
type Notifier interface {
	// PlanPush returns the jobs announcing ev to the devices subscribed to its components.
	PlanPush(tx Tx, ev PushEvent) ([]OutboxJob, error)
	// PlanMaintenancePush does the same for a maintenance event.
	PlanMaintenancePush(tx Tx, ev MaintenanceEvent) ([]OutboxJob, error)
	// PlanTopicSync returns the jobs that move a device's FCM topic subscriptions from prev
	// (nil: new device) to next (nil: deleted device).
	PlanTopicSync(prev, next *Device, now time.Time) []OutboxJob
}
