package status

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// WebhookFormat is the body shape an endpoint receives.
type WebhookFormat string

// Webhook formats.
const (
	// FormatStatuspage is the body Statuspage sends its webhook subscribers, plus Candor's
	// "eta" object, so receivers written for Statuspage work unchanged.
	FormatStatuspage WebhookFormat = "statuspage"
	FormatSlack      WebhookFormat = "slack"   // a Slack incoming-webhook message (blocks + text)
	FormatDiscord    WebhookFormat = "discord" // a Discord webhook message (embeds)
)

// WebhookFormats lists every format.
var WebhookFormats = []WebhookFormat{FormatStatuspage, FormatSlack, FormatDiscord}

// Valid reports whether f is a known format.
func (f WebhookFormat) Valid() bool { return slices.Contains(WebhookFormats, f) }

// WebhookEvent is what an endpoint may subscribe to.
type WebhookEvent string

// Webhook events. Their names are part of the API and of stored endpoints: never rename.
const (
	EventIncidentCreated      WebhookEvent = "incident.created"
	EventIncidentUpdated      WebhookEvent = "incident.updated"
	EventIncidentResolved     WebhookEvent = "incident.resolved"
	EventIncidentETAMissed    WebhookEvent = "incident.eta_missed"
	EventComponentStatus      WebhookEvent = "component.status_changed"
	EventMaintenanceScheduled WebhookEvent = "maintenance.scheduled"
	EventMaintenanceStarted   WebhookEvent = "maintenance.started"
	EventMaintenanceCompleted WebhookEvent = "maintenance.completed"
	// EventTest is what "send test event" sends; no endpoint subscribes to it.
	EventTest WebhookEvent = "test"
)

// WebhookEvents lists the events an endpoint may subscribe to.
var WebhookEvents = []WebhookEvent{EventIncidentCreated, EventIncidentUpdated, EventIncidentResolved,
	EventIncidentETAMissed, EventComponentStatus, EventMaintenanceScheduled, EventMaintenanceStarted,
	EventMaintenanceCompleted}

// Valid reports whether e is an event an endpoint may subscribe to.
func (e WebhookEvent) Valid() bool { return slices.Contains(WebhookEvents, e) }

// IncidentWebhookEvent maps a push kind ("created", "updated", "resolved", "eta_missed")
// to its webhook event.
func IncidentWebhookEvent(kind string) WebhookEvent {
	switch kind {
	case "created":
		return EventIncidentCreated
	case "resolved":
		return EventIncidentResolved
	case "eta_missed":
		return EventIncidentETAMissed
	}
	return EventIncidentUpdated
}

// WebhookEndpoint is a URL staff registered to receive events.
//
// Secret is kept as is in the store: it must be recoverable to sign every request (an HMAC
// key cannot be hashed like an API key). It is shown once, when created or rotated, never
// listed, never logged, and exported only with --include-secrets.
type WebhookEndpoint struct {
	ID          string
	URL         string
	Description string
	// Components are the component ids whose events are sent, or ["*"] for everything.
	Components []string
	Events     []WebhookEvent
	Lang       string // "ko" or "en": the language of the texts sent
	Format     WebhookFormat
	Secret     string // "whsec_" + base64 of 24 random bytes
	// DisabledAt is set when staff or the dispatcher (after failing for DisableAfter)
	// disabled the endpoint; nothing is sent to it until it is enabled again.
	DisabledAt     time.Time
	DisabledReason string
	// FailingSince is the first failed attempt since the last success (zero: healthy);
	// Failures counts the failed attempts since then.
	FailingSince  time.Time
	Failures      int
	LastSuccessAt time.Time
	LastFailureAt time.Time
	LastError     string
	// ContactEmail is who is told by email about the endpoint — its confirmation, and its
	// disabling after a day of failures — normalised (NormalizeEmail); "" for nobody.
	// Personal data: log it only through RedactEmail.
	ContactEmail string
	// Public marks an endpoint someone subscribed from the status page rather than staff
	// registered: it has a ContactEmail, and nothing is sent to it before that address
	// confirms (ConfirmedAt). Until then it is disabled with PendingReason.
	Public bool
	// ConfirmedAt is when a public endpoint's contact confirmed it (zero: waiting).
	ConfirmedAt time.Time
	// ConfirmSentAt is when a confirmation (or a reminder of the removal link) was last
	// queued for a public endpoint: one per contact address per ConfirmEvery.
	ConfirmSentAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PendingReason is the DisabledReason of a public endpoint waiting for its confirmation.
const PendingReason = "waiting for its contact to confirm by email"

// StaffDisabledReason is the DisabledReason of an endpoint staff turned off.
const StaffDisabledReason = "disabled by staff"

// FailedOff reports whether e was turned off by the dispatcher after failing — confirmed,
// and not turned off by staff: the one disabled state a public endpoint's contact may undo
// (EnableWebhookByLink).
func (e *WebhookEndpoint) FailedOff() bool {
	return e.Disabled() && !e.Pending() && e.DisabledReason != StaffDisabledReason && e.Failures > 0
}

// Disabled reports whether nothing is sent to e.
func (e *WebhookEndpoint) Disabled() bool { return !e.DisabledAt.IsZero() }

// Pending reports whether e is a public endpoint its contact has not confirmed: nothing but
// the confirmation email is sent about it, and nothing at all to its URL.
func (e *WebhookEndpoint) Pending() bool { return e.Public && e.ConfirmedAt.IsZero() }

// Wants reports whether e subscribes to ev about any of components (a component event
// names one; an incident or maintenance those it affects; none matches only "*").
func (e *WebhookEndpoint) Wants(ev WebhookEvent, components []string) bool {
	if e.Disabled() || e.Pending() || !slices.Contains(e.Events, ev) {
		return false
	}
	if slices.Contains(e.Components, AllComponents) {
		return true
	}
	for _, c := range components {
		if slices.Contains(e.Components, c) {
			return true
		}
	}
	return false
}

// webhookSecretPrefix marks a Standard Webhooks signing secret.
const webhookSecretPrefix = "whsec_"

// NewWebhookSecret returns a fresh signing secret: "whsec_" and the base64 of 24 random
// bytes, the form Standard Webhooks libraries accept.
func NewWebhookSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// WebhookSecretKey returns the HMAC key a secret stands for.
func WebhookSecretKey(secret string) ([]byte, error) {
	if !strings.HasPrefix(secret, webhookSecretPrefix) {
		return nil, fmt.Errorf("webhook secret lacks the %q prefix", webhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, webhookSecretPrefix))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("webhook secret is not base64 of at least 16 bytes")
	}
	return key, nil
}

// MaxWebhookURL bounds an endpoint URL.
const MaxWebhookURL = 2048

// ValidateWebhookURL checks an endpoint URL: absolute http or https with a host, no
// user name or password (a secret in a URL ends up in logs), no fragment. Whether http and
// private addresses are allowed is the delivery's setting, checked by the caller and on
// every connection.
func ValidateWebhookURL(raw string) error {
	bad := func(msg string) error { return fieldError("url", "invalid", msg) }
	if raw == "" {
		return fieldError("url", "required", "A webhook needs a URL.")
	}
	if len(raw) > MaxWebhookURL {
		return bad(fmt.Sprintf("The URL is longer than %d characters.", MaxWebhookURL))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("The URL cannot be parsed.")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("The URL must start with https:// (or http://).")
	case u.Host == "" || u.Hostname() == "":
		return bad("The URL needs a host.")
	case u.User != nil:
		return bad("The URL must not carry a user name or password; authenticate with the signature instead.")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("The URL must not have a fragment (#…).")
	case strings.ContainsAny(raw, " \t\r\n"):
		return bad("The URL must not contain spaces.")
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return bad("The URL's port is not a number.")
		}
	}
	return nil
}

// ValidateWebhookEndpoint checks an endpoint before it is stored: what ValidateWebhookURL
// checks, events and components, a language, a format and a well-formed secret.
func ValidateWebhookEndpoint(e *WebhookEndpoint) error {
	if e.ID == "" {
		return fieldError("id", "required", "A webhook needs an id.")
	}
	if err := ValidateWebhookURL(e.URL); err != nil {
		return err
	}
	if len(e.Description) > 200 {
		return fieldError("description", "too_long", "The description is longer than 200 characters.")
	}
	if err := CheckText(e.Description, SingleLine); err != nil {
		return fieldError("description", "invalid", "The description "+err.Error()+".")
	}
	if len(e.Events) == 0 {
		return fieldError("events", "required", "Choose at least one event.")
	}
	for i, ev := range e.Events {
		if !ev.Valid() {
			return fieldError("events", "invalid", fmt.Sprintf("Unknown event %q; events are %s.", ev, JoinNames(WebhookEvents)))
		}
		if slices.Contains(e.Events[:i], ev) {
			return fieldError("events", "repeated", fmt.Sprintf("Event %q is listed twice.", ev))
		}
	}
	if len(e.Components) == 0 {
		return fieldError("components", "required", `Choose components, or ["*"] for everything.`)
	}
	if len(e.Components) > MaxDeviceComponents {
		return fieldError("components", "too_many", fmt.Sprintf("At most %d components.", MaxDeviceComponents))
	}
	for i, c := range e.Components {
		if c == "" || slices.Contains(e.Components[:i], c) {
			return fieldError("components", "invalid", "Component ids must be non-empty and listed once.")
		}
	}
	if !slices.Contains(Locales, e.Lang) {
		return fieldError("lang", "invalid", "The language must be ko or en.")
	}
	if !e.Format.Valid() {
		return fieldError("format", "invalid", fmt.Sprintf("The format must be one of %s.", JoinNames(WebhookFormats)))
	}
	if _, err := WebhookSecretKey(e.Secret); err != nil {
		return fieldError("secret", "invalid", "The signing secret is malformed.")
	}
	if e.ContactEmail != "" {
		if n, err := NormalizeEmail(e.ContactEmail); err != nil || n != e.ContactEmail {
			return fieldError("contact_email", "invalid", "The contact must be one normalised email address.")
		}
	}
	if e.Public && e.ContactEmail == "" {
		return fieldError("contact_email", "required", "A webhook subscribed from the status page needs a contact email.")
	}
	if e.Pending() && !e.Disabled() {
		return fieldError("confirmed_at", "required", "A webhook subscribed from the status page is sent nothing before its contact confirms it.")
	}
	return nil
}

// WebhookToken is a confirmation link token of a public endpoint as stored: its hash only
// (HashLinkToken), like a subscriber's. The token itself exists in one email only.
type WebhookToken struct {
	Hash       string
	EndpointID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// ValidateWebhookToken checks a token record: a hash, an endpoint, an expiry.
func ValidateWebhookToken(k *WebhookToken) error {
	switch {
	case k.Hash == "":
		return fieldError("hash", "required", "A token needs its hash.")
	case k.EndpointID == "":
		return fieldError("endpoint_id", "required", "A token needs an endpoint.")
	case k.ExpiresAt.IsZero():
		return fieldError("expires_at", "required", "A token needs an expiry.")
	}
	return nil
}

// WebhookRemoveToken is the token of e's removal link. Unlike the other link tokens it is
// not random and stored but derived (HMAC-SHA256 under e's signing key, 256 bits): the
// link is in every statuspage body sent to e ("meta.unsubscribe"), written once for every
// endpoint of a format and language and personalised as it is sent, so the token must be
// recomputable at each send without storing it in clear. Only who holds the signing
// secret (the receiver) or was mailed the link can compute it; rotating the secret changes
// it. "" when e's secret is malformed (then no link matches).
func WebhookRemoveToken(e *WebhookEndpoint) string {
	key, err := WebhookSecretKey(e.Secret)
	if err != nil {
		return ""
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("candor-webhook-remove:" + e.ID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// ValidWebhookRemoveToken reports whether token is e's removal token (in constant time).
func ValidWebhookRemoveToken(e *WebhookEndpoint, token string) bool {
	want := WebhookRemoveToken(e)
	return want != "" && hmac.Equal([]byte(want), []byte(token))
}

// WebhookMessage is one event rendered for one format and language: the body every
// endpoint of that format and language receives, stored once however many endpoints get it.
// Its ID is the webhook-id header, the same on every retry, so receivers can drop repeats.
type WebhookMessage struct {
	ID        string // "msg_…"
	Event     WebhookEvent
	SubjectID string // the incident, maintenance or component it is about
	Format    WebhookFormat
	Lang      string
	Body      []byte
	CreatedAt time.Time
}

// NewWebhookMessageID returns a fresh message id.
func NewWebhookMessageID() string { return "msg_" + newID(20) }

// WebhookDelivery is one message owed to one endpoint: an outbox row written in the same
// transaction as the change it announces. An endpoint's deliveries are sent in ID order,
// one at a time: a delivery is not attempted while an older one to the same endpoint is
// pending.
type WebhookDelivery struct {
	ID         int64
	EndpointID string
	MessageID  string
	// Event, SubjectID and Body are the message's, read with the delivery.
	Event     WebhookEvent
	SubjectID string
	Body      []byte

	Status        JobStatus // pending, sent or failed
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time
	LastError     string
	// LastStatus is the HTTP status of the last attempt (0: no answer); LastLatency how long
	// it took.
	LastStatus  int
	LastLatency time.Duration
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DoneAt      time.Time
}

// WebhookDeliveryFilter selects deliveries.
type WebhookDeliveryFilter struct {
	EndpointID string    // "" any
	Status     JobStatus // "" any
	Limit      int       // 0 no limit
}

// ValidateWebhookMessage checks what a stored message needs: an id, an event and a body.
func ValidateWebhookMessage(m *WebhookMessage) error {
	switch {
	case m.ID == "":
		return fieldError("id", "required", "A webhook message needs an id.")
	case m.Event == "":
		return fieldError("event", "required", "A webhook message needs an event.")
	case len(m.Body) == 0:
		return fieldError("body", "required", "A webhook message needs a body.")
	}
	return nil
}

// ValidateWebhookDelivery checks what a stored delivery needs: an endpoint, a message, a
// status and a next attempt time.
func ValidateWebhookDelivery(d *WebhookDelivery) error {
	switch {
	case d.EndpointID == "":
		return fieldError("endpoint_id", "required", "A webhook delivery needs an endpoint.")
	case d.MessageID == "":
		return fieldError("message_id", "required", "A webhook delivery needs a message.")
	case d.Status == "":
		return fieldError("status", "required", "A webhook delivery needs a status.")
	case d.NextAttemptAt.IsZero():
		return fieldError("next_attempt_at", "required", "A webhook delivery needs a next attempt time.")
	}
	return nil
}
