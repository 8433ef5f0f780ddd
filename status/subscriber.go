package status

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Subscriber is an email address that wants to hear about incidents and maintenance. The
// address is personal data: log it only through RedactEmail.
type Subscriber struct {
	ID    string
	Email string // normalised (NormalizeEmail), unique
	Lang  string // "ko" or "en": every email to it is written in this language
	// Components are component ids, or ["*"] for everything.
	Components []string
	// ConfirmedAt is when the address confirmed (double opt-in) or staff added it; zero:
	// unconfirmed, nothing but a confirmation is ever sent to it.
	ConfirmedAt time.Time
	// ConfirmSentAt is when the last confirmation email was queued: one per address per
	// hour, so the form cannot mail-bomb someone.
	ConfirmSentAt time.Time
	// Bounces counts permanent (5xx) answers for this address; at MaxBounces it gets no
	// more mail. LastBounce is the last such answer.
	Bounces    int
	LastBounce string
	AddedBy    string // "" when the person subscribed themselves; the staff name otherwise
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MaxBounces is how many permanent failures stop all mail to an address.
const MaxBounces = 3

// ConfirmTTL is how long a confirmation link works.
const ConfirmTTL = 48 * time.Hour

// ConfirmEvery is the least time between two confirmation emails to one address.
const ConfirmEvery = time.Hour

// LinkTTL is how long the preferences and unsubscribe links of an email work.
const LinkTTL = 365 * 24 * time.Hour

// All reports whether the subscriber wants every component.
func (s *Subscriber) All() bool { return slices.Contains(s.Components, AllComponents) }

// Confirmed reports whether mail other than a confirmation may be sent to s.
func (s *Subscriber) Confirmed() bool { return !s.ConfirmedAt.IsZero() }

// Bouncing reports whether s has bounced at all; Stopped whether mail to it stopped.
func (s *Subscriber) Bouncing() bool { return s.Bounces > 0 }

// Stopped reports whether mail to s stopped because it bounced MaxBounces times.
func (s *Subscriber) Stopped() bool { return s.Bounces >= MaxBounces }

// MaxEmailLength is RFC 5321's limit on a forward path.
const MaxEmailLength = 254

// NormalizeEmail parses a bare address with net/mail and returns it with its domain in
// lower case (the local part is the receiving server's business, but nearly every server
// treats it case-insensitively, so it is lower-cased too: one person, one subscription).
// EINVALID for anything that is not one plain address.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := func() (string, error) {
		return "", fieldError("email", "must be an email address", "That is not an email address.")
	}
	if s == "" || len(s) > MaxEmailLength || strings.ContainsAny(s, "<>\r\n") {
		return bad()
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return bad()
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 || !strings.Contains(a.Address[at+1:], ".") || strings.ContainsAny(a.Address, " \"") {
		return bad()
	}
	return strings.ToLower(a.Address), nil
}

// RedactEmail shows enough of an address for logs to tell addresses apart without
// revealing it: "a…@example.com".
func RedactEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "…"
	}
	return s[:1] + "…" + s[at:]
}

// TokenPurpose is what a link token may be used for — one purpose only.
type TokenPurpose string

// Token purposes.
const (
	TokenConfirm     TokenPurpose = "confirm"
	TokenManage      TokenPurpose = "manage"
	TokenUnsubscribe TokenPurpose = "unsubscribe"
)

// SubscriberToken is a link token as stored: its hash only. The token itself exists in
// one email and nowhere else.
type SubscriberToken struct {
	Hash         string
	SubscriberID string
	Purpose      TokenPurpose
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// NewLinkToken returns a random token for a link (32 bytes, base64url) and its hash.
func NewLinkToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashLinkToken(token)
}

// HashLinkToken is how a link token is stored and looked up.
func HashLinkToken(token string) string {
	sum := sha256.Sum256([]byte("candor-link:" + token))
	return hex.EncodeToString(sum[:])
}

// DeliveryStatus is what happened to one email of an email job.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliverySent    DeliveryStatus = "sent"    // the SMTP server accepted it
	DeliveryBounced DeliveryStatus = "bounced" // the SMTP server refused it permanently (5xx)
)

// EmailDelivery records one recipient of an email job that the SMTP server answered for,
// so that recipient is never sent the job again.
type EmailDelivery struct {
	JobID        int64
	SubscriberID string
	Status       DeliveryStatus
	Error        string // the server's answer for a bounce
	At           time.Time
}

// SubscriberFilter selects subscribers.
type SubscriberFilter struct {
	After    string // ids after this (byte order), for paging
	Limit    int    // required, at least 1
	Bouncing bool   // only those with bounces
}

// SubscriberCount is how many confirmed subscribers want a component ("*": everything).
type SubscriberCount struct {
	ComponentID string
	Count       int
}

// ValidateSubscriberRecord checks what a stored subscriber needs: an id, a normalised
// address, a known language and distinct, non-empty component ids (at least one).
func ValidateSubscriberRecord(s *Subscriber) error {
	if s.ID == "" {
		return fieldError("id", "required", "A subscriber needs an id.")
	}
	if n, err := NormalizeEmail(s.Email); err != nil || n != s.Email {
		return fieldError("email", "must be a normalised email address", "A subscriber needs a normalised email address.")
	}
	if !slices.Contains(Locales, s.Lang) {
		return fieldError("lang", "must be one of ko, en", "A subscriber's language must be ko or en.")
	}
	if len(s.Components) == 0 {
		return fieldError("components", "required", "A subscriber needs components or \"*\".")
	}
	seen := make(map[string]bool, len(s.Components))
	for _, c := range s.Components {
		if c == "" || seen[c] {
			return fieldError("components", "must be distinct, non-empty ids", "A subscriber's component ids must be distinct and non-empty.")
		}
		seen[c] = true
	}
	return nil
}

// ValidateSubscriberToken checks a token record: a hash, a subscriber, a purpose, an expiry.
func ValidateSubscriberToken(k *SubscriberToken) error {
	switch {
	case k.Hash == "":
		return fieldError("hash", "required", "A token needs its hash.")
	case k.SubscriberID == "":
		return fieldError("subscriber_id", "required", "A token needs a subscriber.")
	case k.Purpose != TokenConfirm && k.Purpose != TokenManage && k.Purpose != TokenUnsubscribe:
		return fieldError("purpose", "must be confirm, manage or unsubscribe", "A token's purpose must be confirm, manage or unsubscribe.")
	case k.ExpiresAt.IsZero():
		return fieldError("expires_at", "required", "A token needs an expiry.")
	}
	return nil
}
