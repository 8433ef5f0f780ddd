// Package notifier owns Candor's push notifications up to the wire: the localized Message a
// device receives, the pure Build that turns an incident or maintenance event into one, topic
// and condition naming for large audiences, and the Sender interface every transport (FCM in
// notifier/fcm, the LogSender here) implements, with the error classes the outbox acts on.
//
// The package does no I/O itself; it imports only the domain (status) and the page wording
// (templates), so every rule here is testable without Google.
package notifier

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"
)

// Message is one localized push ready to send; exactly one of Token, Topic, Condition is set.
type Message struct {
	Token, Topic, Condition string
	Title, Body             string
	// Data carries incident_id, status, impact, eta_p50, eta_p90, url, kind and lang, so the
	// app can deep-link and render its own view without parsing the text.
	Data map[string]string
	// CollapseKey is one per incident ("incident-<id>"): a newer push replaces the older one.
	CollapseKey string
	TTL         time.Duration // 0 < TTL <= MaxTTL
	High        bool          // high priority: wakes the device now
	// AnalyticsLabel tags the push in FCM's delivery reports, e.g. "incident-<id>".
	AnalyticsLabel string
}

// Payload limits FCM enforces on a message's notification and data, in bytes.
const (
	MaxPayload      = 4096 // token messages
	MaxTopicPayload = 2048 // topic and condition messages
	// MaxTTL is the longest a Candor push may wait for an offline device: a status alert
	// older than a day is noise, even though FCM would keep it for 28 days.
	MaxTTL = 24 * time.Hour
)

// Limit is the payload limit that applies to m's target.
func (m Message) Limit() int {
	if m.Topic != "" || m.Condition != "" {
		return MaxTopicPayload
	}
	return MaxPayload
}

// Target describes m's target for logs, redacting tokens.
func (m Message) Target() string {
	switch {
	case m.Token != "":
		return "token:" + RedactToken(m.Token)
	case m.Topic != "":
		return "topic:" + m.Topic
	default:
		return "condition:" + m.Condition
	}
}

// Validate checks what FCM would reject before anything is sent: the target, the TTL and the
// payload size. Senders use it to fail one bad message without failing its whole batch.
func (m Message) Validate() error {
	n := 0
	for _, s := range []string{m.Token, m.Topic, m.Condition} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("message needs exactly one of token, topic or condition")
	}
	if m.Topic != "" && !ValidTopic(m.Topic) {
		return fmt.Errorf("malformed topic name %q", m.Topic)
	}
	if m.TTL < 0 || m.TTL > MaxTTL {
		return fmt.Errorf("ttl %s outside (0, %s]", m.TTL, MaxTTL)
	}
	if m.AnalyticsLabel != "" && !labelPattern.MatchString(m.AnalyticsLabel) {
		return fmt.Errorf("malformed analytics label %q", m.AnalyticsLabel)
	}
	if size := PayloadSize(m.Title, m.Body, m.Data); size > m.Limit() {
		return fmt.Errorf("payload is %d bytes, over the %d-byte limit", size, m.Limit())
	}
	return nil
}

// labelPattern is FCM's rule for fcm_options.analytics_label.
var labelPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_.~%]{1,50}$`)

// PayloadSize is the size FCM's limits are checked against, taken here as the compact JSON
// of {"notification":{"title":…,"body":…},"data":{…}} — what the device receives. Both Build
// and the fake server (notifier/fcmfake) measure with it, so they agree.
func PayloadSize(title, body string, data map[string]string) int {
	n := len(`{"notification":{"title":,"body":},"data":{}}`) + jsonLen(title) + jsonLen(body)
	i := 0
	for k, v := range data {
		if i > 0 {
			n++ // comma
		}
		n += jsonLen(k) + 1 + jsonLen(v)
		i++
	}
	return n
}

// jsonLen is the length of s as a JSON string encoded by encoding/json (quotes included).
func jsonLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
			n += 2
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029':
			n += 6
		case r == utf8.RuneError && size == 1:
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// ErrorClass tells the outbox what to do with a failed push.
type ErrorClass int

// Error classes.
const (
	// ClassNone: delivered to FCM.
	ClassNone ErrorClass = iota
	// ClassRetry: transient (network, 429, 500, 503 …); retry with backoff, honouring
	// Result.RetryAfter.
	ClassRetry
	// ClassDeleteToken: the token is dead (UNREGISTERED, SENDER_ID_MISMATCH, or
	// INVALID_ARGUMENT about the token itself); delete it, do not retry.
	ClassDeleteToken
	// ClassPayload: FCM rejected the message itself — our bug; do not retry, do not delete.
	ClassPayload
	// ClassAuth: credentials are broken (THIRD_PARTY_AUTH_ERROR, our own OAuth); alert an
	// operator, keep the tokens, retry later.
	ClassAuth
)

func (c ErrorClass) String() string {
	switch c {
	case ClassNone:
		return "none"
	case ClassRetry:
		return "retry"
	case ClassDeleteToken:
		return "delete_token"
	case ClassPayload:
		return "payload"
	case ClassAuth:
		return "auth"
	}
	return fmt.Sprintf("ErrorClass(%d)", int(c))
}

// Result is the outcome of one message of a Send.
type Result struct {
	MessageID string // FCM's name for the message, "projects/p/messages/…", on success
	Err       error
	Class     ErrorClass
	// RetryAfter is the server's Retry-After when it sent one (0 otherwise).
	RetryAfter time.Duration
}

// TopicResult is the outcome of one token of a Subscribe or Unsubscribe.
type TopicResult struct {
	Token string
	Err   string // FCM's reason, e.g. "NOT_FOUND"; "" on success
	Class ErrorClass
}

// Sender sends pushes and manages topic subscriptions.
type Sender interface {
	// Send sends msgs; its results align with msgs. A non-nil error means nothing could be
	// attempted (e.g. the context was cancelled); per-message failures are in the results.
	Send(ctx context.Context, msgs []Message) ([]Result, error)
	// Subscribe adds tokens to topic; results align with tokens. A non-nil error means
	// nothing could be attempted (cancelled context, malformed topic name).
	Subscribe(ctx context.Context, topic string, tokens []string) ([]TopicResult, error)
	// Unsubscribe removes tokens from topic, with Subscribe's contract.
	Unsubscribe(ctx context.Context, topic string, tokens []string) ([]TopicResult, error)
}
