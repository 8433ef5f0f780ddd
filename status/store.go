package status

import (
	"context"
	"time"
)

// Store persists Candor's state. Implementations: store/sqlite (default) and store/postgres;
// both pass the contract suite in store/storetest.
//
// Errors: methods return *Error with ENOTFOUND for a missing record, ECONFLICT for a
// duplicate key and EUNAVAILABLE when the database cannot be reached; anything else is
// wrapped with context.
type Store interface {
	// Read runs fn in a read-only transaction that sees one consistent state.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in a read-write transaction. Writes are serialized across the whole
	// store (and across replicas for a shared database), so fn may read, decide and write
	// without races. The transaction commits durably when fn returns nil and rolls back
	// otherwise; fn's error is returned unchanged.
	Write(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database is reachable.
	Ping(ctx context.Context) error
	// CheckWritable reports whether a write can be made durable now: nil, or EUNAVAILABLE
	// saying why not (disk full, read-only file system or database) — a store can answer
	// reads and refuse every write. It may write (a change that changes nothing) to find
	// out.
	CheckWritable(ctx context.Context) error
	Close() error
}

// Tx is what a transaction can do. Reads inside a Write transaction see its own writes.
type Tx interface {
	// Revision returns the public revision: a counter bumped by every change the public can see.
	Revision() (int64, error)
	// BumpRevision increments the public revision and returns the new value. kind is what
	// changed (a Change kind, "" when it could be anything); a store shared by several
	// replicas passes it on, so they can skip work the change does not concern.
	BumpRevision(kind string) (int64, error)
	// RaiseRevision is BumpRevision to past+1 when the revision is not past it already, in
	// one step: an import starts past its source's revision, however large that is.
	RaiseRevision(past int64, kind string) (int64, error)

	// Groups returns every group ordered by position, then name.
	Groups() ([]Group, error)
	// PutGroup inserts the group or updates the one with its id; ECONFLICT when inserting
	// with an id IDTaken reports.
	PutGroup(g *Group) error
	// DeleteGroup deletes a group; its components become ungrouped. ENOTFOUND if absent.
	DeleteGroup(id string) error

	// Components returns every component ordered by position, then name.
	Components() ([]Component, error)
	// Component returns one component; ENOTFOUND if absent.
	Component(id string) (*Component, error)
	// CreateComponent inserts a component; ECONFLICT if its id is taken (see IDTaken).
	CreateComponent(c *Component) error
	// UpdateComponent replaces the stored component with the same id; ENOTFOUND if absent.
	UpdateComponent(c *Component) error
	// DeleteComponent deletes a component; ENOTFOUND if absent. Timelines keep its name.
	DeleteComponent(id string) error
	// IDTaken reports whether a group or a component has or ever had id. Ids are unique
	// across both kinds and never reused, so nothing keyed by id (Statuspage clients,
	// device subscriptions, uptime) mistakes a group for a component or a new component
	// for a deleted one: PutGroup (inserting) and CreateComponent return ECONFLICT for a
	// taken id, and the components that Candor's own timelines and maintenances name
	// (not imported timelines, which may name another page's components) count as taken.
	IDTaken(id string) (bool, error)

	// Incident returns an incident with its whole timeline; ENOTFOUND if absent.
	Incident(id string) (*Incident, error)
	// IncidentState returns an incident's own fields and the state derived from its
	// timeline (components included) without the timeline itself (Updates is empty), for
	// a write that appends to it with Incident.Apply; ENOTFOUND if absent.
	IncidentState(id string) (*Incident, error)
	// LatestUpdates returns the last n entries of an incident's timeline, in timeline
	// order, and how many entries it has in all: what a write answers with, at a cost that
	// does not grow with the timeline. ENOTFOUND if the incident is absent.
	LatestUpdates(id string, n int) ([]Update, int, error)
	// IncidentByExternalID finds an imported incident; ENOTFOUND if absent.
	IncidentByExternalID(source, externalID string) (*Incident, error)
	// Incidents returns the incidents matching f, with their timelines, newest start first.
	Incidents(f IncidentFilter) ([]Incident, error)
	// IncidentsChangedSince returns, with their timelines and newest start first, every
	// incident a write created or changed (appended to, saved the state of) after the
	// public revision was rev — never one last changed by a write that bumped the revision
	// to rev or below. A reader that read every incident as of revision rev brings its copy
	// up to date with them at the cost of what changed, not of the whole history (the
	// snapshot and the ETA model, on every write). Incidents are never deleted.
	IncidentsChangedSince(rev int64) ([]Incident, error)
	// IncidentTailsSince is IncidentsChangedSince for a reader that keeps the timelines it
	// read: each incident comes with the entries of its timeline from position from[id] on
	// (the whole timeline for an id not in from; none when from[id] is past its end), so
	// an update to an incident with thousands of entries costs the reader one entry, not
	// thousands.
	// Timelines are append-only — an entry once written is never changed or removed — so
	// the reader's first from[id] entries and these are the whole timeline.
	IncidentTailsSince(rev int64, from map[string]int) ([]IncidentTail, error)
	// CountIncidents counts the incidents matching f, ignoring its Limit and Offset.
	CountIncidents(f IncidentFilter) (int, error)
	// CreateIncident inserts an incident, its derived state and every update it carries;
	// ECONFLICT if its id is taken.
	CreateIncident(inc *Incident) error
	// AppendUpdate adds an entry to an incident's timeline; ENOTFOUND if the incident is absent.
	AppendUpdate(u *Update) error
	// SaveIncidentState stores the incident's derived state (status, impact, phase times,
	// components, announced time, updated time); ENOTFOUND if absent.
	SaveIncidentState(inc *Incident) error

	// APIKeys returns every key, revoked ones included, oldest first.
	APIKeys() ([]APIKey, error)
	// APIKeyByHash returns the key with that hash; ENOTFOUND if none.
	APIKeyByHash(hash string) (*APIKey, error)
	// CreateAPIKey inserts a key; ECONFLICT if an unrevoked key has the same name.
	CreateAPIKey(k *APIKey) error
	// RevokeAPIKey marks the unrevoked key with that name revoked; ENOTFOUND if none.
	RevokeAPIKey(name string, at time.Time) error
	// TouchAPIKey records that a key was used.
	TouchAPIKey(id string, at time.Time) error

	// Idempotency returns the record for a client's key; ENOTFOUND if none.
	Idempotency(scope, key string) (*IdempotencyRecord, error)
	// PutIdempotency inserts a record; ECONFLICT if one exists for the same scope and key.
	PutIdempotency(r *IdempotencyRecord) error
	// SetIdempotencyResponse stores the response sent for a record.
	SetIdempotencyResponse(scope, key string, statusCode int, body []byte) error
	// DeleteIdempotencyBefore forgets records created before t and returns how many.
	DeleteIdempotencyBefore(t time.Time) (int, error)

	// Maintenance returns a maintenance with its timeline; ENOTFOUND if absent.
	Maintenance(id string) (*Maintenance, error)
	// Maintenances returns the maintenances matching f with their timelines, latest
	// scheduled start first (ties by id).
	Maintenances(f MaintenanceFilter) ([]Maintenance, error)
	// CreateMaintenance inserts a maintenance and its updates; ECONFLICT if its id is taken.
	CreateMaintenance(m *Maintenance) error
	// SaveMaintenance stores every field of the maintenance except its id, CreatedAt and
	// timeline; ENOTFOUND if absent.
	SaveMaintenance(m *Maintenance) error
	// AppendMaintenanceUpdate adds an entry to a maintenance's timeline; ENOTFOUND if absent.
	AppendMaintenanceUpdate(u *MaintenanceUpdate) error
	// MaintenanceChecks returns a maintenance's pre-check list in its order (nil: none).
	MaintenanceChecks(maintenanceID string) ([]MaintenanceCheck, error)
	// PutMaintenanceChecks replaces a maintenance's pre-check list; EINVALID as
	// ValidateMaintenanceChecks, ENOTFOUND when the maintenance is absent. The list goes
	// with the maintenance.
	PutMaintenanceChecks(maintenanceID string, cs []MaintenanceCheck) error

	// Device returns a device by token; ENOTFOUND if absent.
	Device(token string) (*Device, error)
	// PutDevice inserts the device or replaces the one with its token (keeping CreatedAt).
	PutDevice(d *Device) error
	// DeleteDevices deletes the devices with these tokens and returns how many existed.
	DeleteDevices(tokens []string) (int, error)
	// DeviceTokens returns up to limit tokens of devices with locale that are subscribed to
	// any of components or to everything ("*"), ordered by token.
	DeviceTokens(components []string, locale string, limit int) ([]string, error)
	// Devices returns up to limit devices with tokens after `after` (byte order), with their
	// components, for paging through every device (exports).
	Devices(after string, limit int) ([]Device, error)
	// CountDevices counts every device.
	CountDevices() (int, error)

	// InsertJobs adds outbox jobs and sets their IDs.
	InsertJobs(jobs []OutboxJob) error
	// ClaimJobs leases up to limit pending jobs that are due at now and not leased by a live
	// dispatcher, oldest first, to owner until now+lease, and returns them. Email jobs are
	// left to the email dispatcher (ClaimJobsOfKind): one may take minutes.
	ClaimJobs(now time.Time, owner string, lease time.Duration, limit int) ([]OutboxJob, error)
	// ClaimJobsOfKind is ClaimJobs for the jobs of one kind only.
	ClaimJobsOfKind(kind JobKind, now time.Time, owner string, lease time.Duration, limit int) ([]OutboxJob, error)
	// SaveJob stores a job's progress: status, attempts, next attempt, lease, last error,
	// tokens, sent and failed counts, updated and done times. ENOTFOUND if absent. With
	// claimedBy set, it saves only while claimedBy still holds the job's lease: a dispatcher
	// too slow to finish within its lease, whose job another has claimed since, gets
	// ECONFLICT and overwrites nothing; when the job has reached a final status since
	// (superseded by a newer update), the error's Fields say so: {"status": "superseded"}.
	SaveJob(j *OutboxJob, claimedBy string) error
	// ExtendLeases moves the lease of owner's pending jobs among ids to until, and returns
	// how many it moved (jobs finished, superseded or claimed by another are left alone):
	// a dispatcher's heartbeat, so its lease can be short and a dead one's jobs are soon
	// taken over. EINVALID for an empty owner or the zero until.
	ExtendLeases(owner string, ids []int64, until time.Time) (int, error)
	// Jobs returns the jobs matching f, oldest first.
	Jobs(f JobFilter) ([]OutboxJob, error)
	// SupersedeJobs marks the incident's pending push and email jobs for updates other than
	// keepUpdateID superseded at now, and returns how many.
	SupersedeJobs(incidentID, keepUpdateID string, now time.Time) (int, error)
	// DeleteJobsBefore deletes up to limit finished jobs (any status but pending) that
	// reached it before t, oldest first, with their email deliveries, and returns how many.
	// EINVALID for a limit below 1.
	DeleteJobsBefore(t time.Time, limit int) (int, error)
	// NextJobDue returns the earliest time a pending job can be claimed — the later of its
	// next attempt and its lease end (ok=false: none pending).
	NextJobDue() (at time.Time, ok bool, err error)
	// JobBacklog counts the pending jobs of each kind that has any, with the oldest one's
	// CreatedAt, ordered by kind: what /metrics says of the outbox.
	JobBacklog() ([]JobBacklog, error)

	// WebhookEndpoints returns every webhook endpoint, oldest CreatedAt first (ties by id).
	WebhookEndpoints() ([]WebhookEndpoint, error)
	// WebhookEndpoint returns one endpoint; ENOTFOUND if absent.
	WebhookEndpoint(id string) (*WebhookEndpoint, error)
	// PutWebhookEndpoint inserts the endpoint or replaces the one with its id (keeping
	// CreatedAt); EINVALID as ValidateWebhookEndpoint.
	PutWebhookEndpoint(e *WebhookEndpoint) error
	// DeleteWebhookEndpoint deletes an endpoint and its deliveries; ENOTFOUND if absent.
	DeleteWebhookEndpoint(id string) error
	// RecordWebhookSuccess ends an endpoint's failure run at a success at: FailingSince
	// and LastError cleared, Failures 0, LastSuccessAt at; nothing else changes. ENOTFOUND
	// if absent.
	RecordWebhookSuccess(id string, at time.Time) error
	// InsertWebhookMessage stores a rendered message; ECONFLICT if its id is taken,
	// EINVALID without an id, an event or a body.
	InsertWebhookMessage(m *WebhookMessage) error
	// InsertWebhookDeliveries adds deliveries and sets their IDs, which only grow; EINVALID
	// (inserting none) for one without an endpoint, a message, a status or a next attempt
	// time, ENOTFOUND when its endpoint or message is absent.
	InsertWebhookDeliveries(ds []WebhookDelivery) error
	// ClaimWebhookDeliveries leases to owner until now+lease up to limit deliveries, each
	// the oldest pending one of its endpoint, that are due at now, not leased by a live
	// dispatcher and whose endpoint is enabled; earliest due first. So one endpoint never
	// has two deliveries in flight, and never a newer one before an older one. EINVALID
	// as ClaimJobs.
	ClaimWebhookDeliveries(now time.Time, owner string, lease time.Duration, limit int) ([]WebhookDelivery, error)
	// SaveWebhookDelivery stores a delivery's progress: status, attempts, next attempt,
	// lease, last error, status and latency, updated and done times. ENOTFOUND if absent;
	// with claimedBy set, ECONFLICT unless claimedBy still holds its lease.
	SaveWebhookDelivery(d *WebhookDelivery, claimedBy string) error
	// WebhookDeliveries returns the deliveries matching f, newest first, with their
	// messages' event, subject and body.
	WebhookDeliveries(f WebhookDeliveryFilter) ([]WebhookDelivery, error)
	// FailWebhookDeliveries marks an endpoint's pending deliveries failed with reason at
	// now (the endpoint was disabled) and returns how many.
	FailWebhookDeliveries(endpointID, reason string, now time.Time) (int, error)
	// DeleteWebhookDeliveriesBefore deletes sent and failed deliveries done before t, then
	// the messages created before t that no delivery names any more, and returns how many
	// deliveries it deleted.
	DeleteWebhookDeliveriesBefore(t time.Time) (int, error)
	// NextWebhookDue returns the earliest time a pending delivery of an enabled endpoint
	// can be claimed (ok=false: none pending).
	NextWebhookDue() (at time.Time, ok bool, err error)
	// PutWebhookToken stores a public endpoint's confirmation token record; EINVALID as
	// ValidateWebhookToken, ENOTFOUND when its endpoint does not exist, ECONFLICT when the
	// hash is taken.
	PutWebhookToken(k *WebhookToken) error
	// WebhookToken returns the token record with that hash, expired or not; ENOTFOUND if none.
	WebhookToken(hash string) (*WebhookToken, error)
	// DeleteWebhookTokens deletes an endpoint's tokens and returns how many.
	DeleteWebhookTokens(endpointID string) (int, error)
	// DeleteWebhookTokensExpiredBefore deletes tokens that expired before t; returns how many.
	DeleteWebhookTokensExpiredBefore(t time.Time) (int, error)
	// DeleteUnconfirmedWebhooks deletes public endpoints never confirmed, created before
	// createdBefore, that hold no token still valid at now (a confirmation asked for again
	// keeps its endpoint), with their tokens and deliveries, and returns how many. Staff
	// endpoints are never deleted by it.
	DeleteUnconfirmedWebhooks(createdBefore, now time.Time) (int, error)

	// Users returns every user, by name.
	Users() ([]User, error)
	// User returns a user by id; ENOTFOUND if absent.
	User(id string) (*User, error)
	// UserByName returns a user by login name; ENOTFOUND if absent.
	UserByName(name string) (*User, error)
	// CreateUser inserts a user; ECONFLICT if the id or name is taken.
	CreateUser(u *User) error
	// SaveUser stores a user's role, password hash, last login, disabled and updated times;
	// ENOTFOUND if absent.
	SaveUser(u *User) error

	// CreateSession inserts a session; ECONFLICT if its hash exists.
	CreateSession(s *Session) error
	// Session returns a session by hash; ENOTFOUND if absent (expired ones included).
	Session(hash string) (*Session, error)
	// TouchSession stores a session's LastSeenAt and ExpiresAt; ENOTFOUND if absent.
	TouchSession(hash string, lastSeen, expires time.Time) error
	// DeleteSession deletes a session; deleting an absent one is not an error.
	DeleteSession(hash string) error
	// DeleteUserSessions deletes every session of a user and returns how many.
	DeleteUserSessions(userID string) (int, error)
	// DeleteSessionsExpiredBefore deletes sessions that expired before t and returns how many.
	DeleteSessionsExpiredBefore(t time.Time) (int, error)

	// Postmortem returns an incident's postmortem (draft or published); ENOTFOUND if none.
	Postmortem(incidentID string) (*Postmortem, error)
	// PutPostmortem inserts or replaces an incident's postmortem with its actions (keeping
	// CreatedAt); ENOTFOUND if the incident is absent.
	PutPostmortem(p *Postmortem) error
	// Postmortems returns every postmortem, newest CreatedAt first.
	Postmortems() ([]Postmortem, error)

	// Templates returns every incident template, by name.
	Templates() ([]Template, error)
	// PutTemplate inserts or replaces a template (keeping CreatedAt).
	PutTemplate(t *Template) error
	// DeleteTemplate deletes a template; ENOTFOUND if absent.
	DeleteTemplate(id string) error

	// PutUptimeDays inserts the records or replaces the stored ones with the same component
	// and day, so writing the same records again changes nothing. EINVALID as
	// ValidateUptimeDays, ENOTFOUND when a record's component does not exist; on error it
	// writes none of them. A component's records are deleted with the component.
	PutUptimeDays(records []UptimeDayRecord) error
	// UptimeDays returns the records of component componentID ("": every component) with
	// days from `from` to `to` inclusive (YYYY-MM-DD), ordered by component id (bytes), then
	// day; EINVALID for a malformed day.
	UptimeDays(componentID, from, to string) ([]UptimeDayRecord, error)
	// LatestUptimeDay returns the latest day any record has, "" when there is none.
	LatestUptimeDay() (string, error)

	// Signal returns the signal with that key; ENOTFOUND if absent.
	Signal(key string) (*Signal, error)
	// PutSignal inserts the signal or replaces the one with its key (keeping CreatedAt).
	// EINVALID as ValidateSignalRecord; ENOTFOUND when its component does not exist. A
	// component's signals are deleted with the component.
	PutSignal(g *Signal) error
	// Signals returns the signals matching f, by key (bytes).
	Signals(f SignalFilter) ([]Signal, error)
	// DeleteSignalsEndedBefore deletes signals that are resolved, no longer pending and
	// ended before t, and returns how many.
	DeleteSignalsEndedBefore(t time.Time) (int, error)

	// Draft returns a draft incident; ENOTFOUND if absent.
	Draft(id string) (*Draft, error)
	// PutDraft inserts the draft or replaces the one with its id (keeping CreatedAt);
	// EINVALID as ValidateDraftRecord.
	PutDraft(d *Draft) error
	// Drafts returns the drafts matching f, newest CreatedAt first (ties by id).
	Drafts(f DraftFilter) ([]Draft, error)

	// MonitorSettingsOf returns a component's monitoring settings; ENOTFOUND if none were saved.
	MonitorSettingsOf(componentID string) (*MonitorSettings, error)
	// PutMonitorSettings inserts or replaces a component's monitoring settings; ENOTFOUND when
	// the component does not exist. They are deleted with the component.
	PutMonitorSettings(m *MonitorSettings) error
	// AllMonitorSettings returns every component's saved settings, by component id (bytes).
	AllMonitorSettings() ([]MonitorSettings, error)

	// Probe returns a probe; ENOTFOUND if absent.
	Probe(id string) (*Probe, error)
	// Probes returns the probes of component componentID ("": every component), by
	// component id, then id (bytes).
	Probes(componentID string) ([]Probe, error)
	// DueProbes returns up to limit enabled probes whose NextRunAt is at or before now,
	// earliest first (ties by id); EINVALID for a limit below 1.
	DueProbes(now time.Time, limit int) ([]Probe, error)
	// PutProbe inserts the probe or replaces the one with its id (keeping CreatedAt);
	// EINVALID as ValidateProbeRecord, ENOTFOUND when its component does not exist. A
	// component's probes are deleted with it.
	PutProbe(p *Probe) error
	// DeleteProbe deletes a probe; ENOTFOUND if absent. The per-minute results it added
	// stay with the component.
	DeleteProbe(id string) error
	// AddProbeMinutes adds each record's checks, failures and latency sum to the stored
	// record of the same component and minute (creating it), keeping the larger LatencyMax;
	// ENOTFOUND when a record's component does not exist, writing none of them.
	AddProbeMinutes(records []ProbeMinute) error
	// ProbeMinutes returns the records of component componentID with Minute from `from`
	// (inclusive) to `to` (exclusive), by minute.
	ProbeMinutes(componentID string, from, to time.Time) ([]ProbeMinute, error)
	// DeleteProbeMinutesBefore deletes the records with Minute before t and returns how many.
	DeleteProbeMinutesBefore(t time.Time) (int, error)

	// Subscriber returns an email subscriber with its components; ENOTFOUND if absent.
	Subscriber(id string) (*Subscriber, error)
	// SubscriberByEmail returns the subscriber with that normalised address; ENOTFOUND if none.
	SubscriberByEmail(email string) (*Subscriber, error)
	// PutSubscriber inserts the subscriber or replaces the one with its id (keeping
	// CreatedAt), its component list replaced whole. EINVALID as ValidateSubscriberRecord,
	// ECONFLICT when another subscriber has its address.
	PutSubscriber(s *Subscriber) error
	// DeleteSubscriber deletes a subscriber with its tokens; ENOTFOUND if absent.
	DeleteSubscriber(id string) error
	// Subscribers returns up to f.Limit subscribers with ids after f.After, by id (bytes),
	// with their components; EINVALID for a limit below 1.
	Subscribers(f SubscriberFilter) ([]Subscriber, error)
	// SubscriberCounts counts the confirmed subscribers of each component id ("*": all),
	// by component id.
	SubscriberCounts() ([]SubscriberCount, error)
	// PutSubscriberTokens inserts token records; EINVALID as ValidateSubscriberToken,
	// ENOTFOUND when a token's subscriber does not exist (then none is written).
	PutSubscriberTokens(ks []SubscriberToken) error
	// SubscriberToken returns the token record with that hash, expired or not; ENOTFOUND if none.
	SubscriberToken(hash string) (*SubscriberToken, error)
	// DeleteSubscriberTokens deletes a subscriber's tokens of one purpose and returns how many.
	DeleteSubscriberTokens(subscriberID string, purpose TokenPurpose) (int, error)
	// DeleteSubscriberTokensExpiredBefore deletes tokens that expired before t; returns how many.
	DeleteSubscriberTokensExpiredBefore(t time.Time) (int, error)
	// DeleteUnconfirmedSubscribers deletes subscribers never confirmed, created before
	// createdBefore, that hold no token still valid at now (a confirmation asked for again
	// keeps its subscriber), and returns how many.
	DeleteUnconfirmedSubscribers(createdBefore, now time.Time) (int, error)
	// EmailRecipients returns up to limit confirmed subscribers with fewer than MaxBounces
	// bounces, ids after `after`, subscribed to any of components or to everything ("*"),
	// that have no delivery recorded for job jobID, by id (bytes), without their
	// components: a page of an email job's audience. EINVALID for a limit below 1.
	EmailRecipients(jobID int64, components []string, after string, limit int) ([]Subscriber, error)
	// RecordEmailDeliveries records deliveries (one recorded before for the same job and
	// subscriber is kept, and so is a delivery to a subscriber deleted since — it is
	// skipped); each new bounce adds one to its subscriber's Bounces and sets LastBounce.
	RecordEmailDeliveries(ds []EmailDelivery) error
	// EmailDeliveries returns the deliveries recorded for a job, by subscriber id.
	EmailDeliveries(jobID int64) ([]EmailDelivery, error)

	// AppendAudit adds an audit entry and sets its ID.
	AppendAudit(e *AuditEntry) error
	// Audit returns up to limit entries older than beforeID (0: the newest), newest first.
	Audit(limit int, beforeID int64) ([]AuditEntry, error)
}

// IncidentFilter selects incidents.
type IncidentFilter struct {
	// Status is "", "open" or "resolved".
	Status string
	// ActiveSince keeps incidents open at or after this time (unresolved, or resolved at or
	// after it); zero keeps all.
	ActiveSince time.Time
	// StartedBefore keeps incidents that started strictly before this time; zero keeps all.
	StartedBefore time.Time
	Limit         int // 0: no limit
	Offset        int
	// StateOnly leaves the timelines out (Updates empty): the incidents' own fields and
	// derived state, components included — what a write that checks which incidents hold
	// a component needs, at a cost that does not grow with their timelines.
	StateOnly bool
}

// IncidentTail is an incident a write changed, with the end of its timeline
// (Tx.IncidentTailsSince).
type IncidentTail struct {
	Incident Incident // its own fields and derived state; Updates holds the entries from position From on
	From     int
}

// IdempotencyRecord remembers what a client's POST with an Idempotency-Key did, so a retry
// returns the same answer and creates nothing.
type IdempotencyRecord struct {
	Scope       string // who sent it (the API key id), so keys of different clients never clash
	Key         string
	RequestHash string // method, path and body, hashed
	ResourceID  string // what the request created or changed
	StatusCode  int    // 0 until the response was stored
	Body        []byte
	CreatedAt   time.Time
}
