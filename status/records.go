package status

import (
	"fmt"
	"math"
	"strings"
)

// What every store needs of a record before it writes it. Both back ends call these, so
// they refuse the same input with the same EINVALID errors (the contract suite checks it);
// the Service validates what people send long before, in their terms.

// CheckUserRecord adds to p what a stored user needs: a known role and a password hash.
func CheckUserRecord(p Problems, u *User) {
	if !u.Role.Valid() {
		p.Add("role", "must be one of %s", JoinNames(Roles))
	}
	if u.PasswordHash == "" {
		p.Add("password_hash", "is required")
	}
}

// ValidateIncidentRecord checks what a stored incident needs: a start time, and a share
// of users affected that is a finite number when set. NaN and ±Inf are refused here too,
// not only by the Service: SQLite's driver silently stores NaN as NULL, PostgreSQL stores
// it and then no JSON of the incident — snapshot, API, export — can be encoded (issue 18).
func ValidateIncidentRecord(inc *Incident) error {
	if inc.StartedAt.IsZero() {
		return fieldError("started_at", "required", "An incident needs a start time.")
	}
	if v := inc.UsersAffectedPercent; v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
		return fieldError("users_affected_percent", "must be a finite number", "An incident's share of users affected must be a finite number.")
	}
	return nil
}

// ValidateDeviceRecord checks what a stored device needs: a token and distinct, non-empty
// component ids.
func ValidateDeviceRecord(d *Device) error {
	if d.Token == "" {
		return fieldError("token", "required", "A device needs a token.")
	}
	seen := make(map[string]bool, len(d.Components))
	for _, c := range d.Components {
		if c == "" {
			return fieldError("components", "must not contain an empty id", "A device's component ids must not be empty.")
		}
		if seen[c] {
			return fieldError("components", "lists "+c+" twice", "A device lists component "+c+" twice.")
		}
		seen[c] = true
	}
	return nil
}

// ValidateJobRecord checks what the outbox needs of a job to ever be claimed or finished:
// a kind, a status and a next attempt time.
func ValidateJobRecord(j *OutboxJob) error {
	if j.Kind == "" {
		return fieldError("kind", "required", "An outbox job needs a kind.")
	}
	return ValidateJobProgress(j)
}

// ValidateJobProgress checks the progress fields SaveJob writes: a status and a next
// attempt time.
func ValidateJobProgress(j *OutboxJob) error {
	switch {
	case j.Status == "":
		return fieldError("status", "required", "An outbox job needs a status.")
	case j.NextAttemptAt.IsZero():
		return fieldError("next_attempt_at", "required", "An outbox job needs a next attempt time.")
	}
	return nil
}

// ValidateMaintenanceRecord checks what a stored maintenance needs: an id, a title, a
// known status and both scheduled times.
func ValidateMaintenanceRecord(m *Maintenance) error {
	p := Problems{}
	if m.ID == "" {
		p.Add("id", "is required")
	}
	if m.Title.IsZero() {
		p.Add("title", "is required")
	}
	if !m.Status.Valid() {
		p.Add("status", "must be one of %s", JoinNames(MaintenanceStatuses))
	}
	if m.ScheduledFor.IsZero() {
		p.Add("scheduled_for", "is required")
	}
	if m.ScheduledUntil.IsZero() {
		p.Add("scheduled_until", "is required")
	}
	return p.Err()
}

// ValidatePostmortemRecord checks what a stored postmortem needs: an incident id, and
// actions with ids unique within it, titles, known states and due dates in years 1 to 9999.
func ValidatePostmortemRecord(pm *Postmortem) error {
	p := Problems{}
	if pm.IncidentID == "" {
		p.Add("incident_id", "is required")
	}
	seen := make(map[string]bool, len(pm.Actions))
	for i, a := range pm.Actions {
		field := fmt.Sprintf("actions[%d]", i)
		switch {
		case a.ID == "":
			p.Add(field+".id", "is required")
		case seen[a.ID]:
			p.Add(field+".id", "repeats %s", a.ID)
		}
		seen[a.ID] = true
		if a.Title.IsZero() {
			p.Add(field+".title", "is required")
		}
		if !a.State.Valid() {
			p.Add(field+".state", "must be one of %s", JoinNames(FollowUpStates))
		}
		if y := a.DueDate.Year(); !a.DueDate.IsZero() && (y < 1 || y > 9999) {
			p.Add(field+".due_date", "must be in the years 1 to 9999")
		}
	}
	return p.Err()
}

// fieldError is an EINVALID error about one field.
func fieldError(field, problem, message string) error {
	return &Error{Code: EINVALID, Message: message, Fields: map[string]string{field: problem}}
}

// JoinNames lists the values of a string enum for a message: "a, b, c".
func JoinNames[T ~string](vs []T) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}
