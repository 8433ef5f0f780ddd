package status

import "time"

// ActorKind tells what kind of principal acted.
type ActorKind string

// Actor kinds.
const (
	ActorAPIKey ActorKind = "apikey"
	ActorUser   ActorKind = "user"
	ActorSystem ActorKind = "system"
	ActorCLI    ActorKind = "cli"
)

// Actor is who performs a change; it is recorded in the audit log and as an update's author.
type Actor struct {
	Kind ActorKind
	Name string // key or user name
	Addr string // client address, when known
}

// System is the actor for changes Candor makes by itself.
var System = Actor{Kind: ActorSystem, Name: "candor"}

// AuditEntry records one staff or system action.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  Actor
	Action string // e.g. "incident.create"
	Target string // e.g. the incident id
	Detail string // a short human-readable summary
}
