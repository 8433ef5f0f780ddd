// Package email owns Candor's email up to the wire: the localized Content of every email
// (pure functions and templ templates, plain text and HTML), the headers that thread an
// incident's emails and let people unsubscribe in one click (RFC 8058), and the Sender
// every transport implements — SMTP through github.com/wneessen/go-mail, or the log when
// no SMTP server is configured. The outbox dispatcher (notifier/dispatch) decides who gets
// what and records each answer.
package email

import (
	"context"
	"errors"
	"fmt"
)

// Mail is one email to one recipient, ready to send.
type Mail struct {
	From    string // "Page name <status@example.com>"
	To      string
	Subject string
	Text    string // the plain-text part
	HTML    string // the HTML part
	Lang    string // Content-Language
	// MessageID is this email's id ("<…@domain>"); InReplyTo and References name its
	// thread's root, so an incident's emails thread together in mail clients.
	MessageID  string
	InReplyTo  string
	References []string
	// Unsubscribe is the one-click unsubscribe URL (List-Unsubscribe, with
	// List-Unsubscribe-Post: List-Unsubscribe=One-Click); "" for a confirmation.
	Unsubscribe string
}

// Sender opens connections to the mail server.
type Sender interface {
	// Open returns a connection; several may be open at once, each used by one goroutine.
	Open(ctx context.Context) (Conn, error)
}

// Conn is one connection to the mail server, reused for many emails.
type Conn interface {
	// Send sends one email. Its error says what the server answered (see Classify).
	Send(ctx context.Context, m Mail) error
	// Close ends the connection.
	Close() error
}

// Class is what a failed send means for the recipient.
type Class int

// Classes.
const (
	// Temporary: a 4xx answer, a broken connection, a timeout — try again later.
	Temporary Class = iota
	// Bounce: the server refused the address or the message permanently (5xx): count a
	// bounce against the subscriber.
	Bounce
)

// Error is a failed send with the server's answer.
type Error struct {
	Class Class
	Code  int // the SMTP reply code, 0 when there was none (connection errors)
	// Broken reports that the connection cannot be used again.
	Broken bool
	Err    error
}

func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("smtp %d: %v", e.Code, e.Err)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns the class of a send error; anything not an *Error is temporary.
func Classify(err error) (Class, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Class, e.Broken
	}
	return Temporary, true
}
