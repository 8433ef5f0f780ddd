package status

import (
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
)

// Role is what a console user may do.
type Role string

// Roles, weakest first. A viewer reads the console; an editor also posts incidents,
// updates, maintenance and postmortems; an admin also manages components, keys, users and
// templates and reads the audit log.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// Roles lists every role, weakest first.
var Roles = []Role{RoleViewer, RoleEditor, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Allows reports whether a user with role r may do what needs role need.
func (r Role) Allows(need Role) bool {
	return r.Valid() && slices.Index(Roles, r) >= slices.Index(Roles, need)
}

// User is a staff member who signs in to the console.
type User struct {
	ID           string
	Name         string // login name, unique
	Role         Role
	PasswordHash string // bcrypt
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time
	DisabledAt   time.Time // zero: active
}

// Session is a signed-in console session. Only a hash of its secret is stored.
type Session struct {
	Hash       string // hex SHA-256 of the cookie value
	UserID     string
	CSRFToken  string // per session, embedded in every form
	Addr       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// FollowUpState is where a postmortem follow-up action stands.
type FollowUpState string

// Follow-up states.
const (
	FollowUpOpen       FollowUpState = "open"
	FollowUpInProgress FollowUpState = "in_progress"
	FollowUpDone       FollowUpState = "done"
)

// FollowUpStates lists every state.
var FollowUpStates = []FollowUpState{FollowUpOpen, FollowUpInProgress, FollowUpDone}

// Valid reports whether s is a known state.
func (s FollowUpState) Valid() bool { return slices.Contains(FollowUpStates, s) }

// FollowUp is an action a postmortem commits to, so causes are followed up, not forgotten.
type FollowUp struct {
	ID      string
	Title   lang.Text
	Owner   string
	DueDate time.Time // a calendar day (midnight UTC of that date)
	State   FollowUpState
}

// Overdue reports whether the action is not done and its due day has passed at now in loc.
func (f FollowUp) Overdue(now time.Time, loc *time.Location) bool {
	if f.State == FollowUpDone || f.DueDate.IsZero() {
		return false
	}
	y, m, d := f.DueDate.Date()
	endOfDue := time.Date(y, m, d, 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	return !now.Before(endOfDue)
}

// Postmortem explains a resolved incident to the public: cause, impact, what happened, and
// what will be done so it does not happen again.
type Postmortem struct {
	IncidentID  string
	Cause       lang.Text // what went wrong, in the staff's words
	Impact      lang.Text // who was affected and how
	Timeline    lang.Text // narrative of what happened when
	Actions     []FollowUp
	Author      string
	PublishedAt time.Time // zero: draft, not public
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Template is a reusable incident text for a typical cause, in Korean and English, so
// staff post in seconds and say the same thing the same way.
type Template struct {
	ID        string
	Name      string
	Cause     Cause
	Impact    Impact
	Title     lang.Text
	Message   lang.Text
	CreatedAt time.Time
	UpdatedAt time.Time
}
