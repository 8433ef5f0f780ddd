// Package status is Candor's domain: components, incidents and their timelines, API keys,
// the rules that govern them, the Store contract that persists them and the Service that is
// the one write path for staff, the API, scheduled jobs and the importer.
//
// It imports nothing of HTTP, templates, SQL or FCM; adapters depend on it, never the reverse.
package status

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status code in exactly one place.
const (
	EINVALID      = "invalid"      // the input breaks a rule; Fields names each problem
	ENOTFOUND     = "not_found"    // the thing does not exist
	ECONFLICT     = "conflict"     // the request contradicts the current state
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // credentials lack the scope
	EUNAVAILABLE  = "unavailable"  // a dependency (the store) is down; try again later
	EINTERNAL     = "internal"     // a bug or an unexpected failure; details stay in the log
)

// Error is an application error: a code the caller can act on and a message a person can read.
type Error struct {
	Code    string
	Message string
	// Fields maps an input field to what is wrong with it, for forms and API clients.
	Fields map[string]string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain; other errors get a
// generic text so internals never leak to clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field problems of the first *Error in err's chain, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects per-field validation problems and turns them into one EINVALID error.
type Problems map[string]string

// Add records a problem with field unless one is already recorded for it.
func (p Problems) Add(field, format string, args ...any) {
	if _, ok := p[field]; !ok {
		p[field] = fmt.Sprintf(format, args...)
	}
}

// Err returns nil when there are no problems, or an EINVALID *Error listing them.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := "Invalid input."
	if len(p) == 1 {
		for f, m := range p {
			msg = fmt.Sprintf("Invalid %s: %s", f, m)
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string(p)}
}
