-- Webhook endpoints staff registered, the messages rendered for them and the deliveries
-- owed: an outbox of its own, because webhook deliveries go one at a time per endpoint, in
-- order, over about a day, unlike pushes.
--
-- The secret is stored as is: every request is signed with it, so it must be recoverable
-- (an HMAC key cannot be hashed like an API key). It is never listed or logged.
CREATE TABLE webhook_endpoints (
	id              TEXT PRIMARY KEY,
	url             TEXT NOT NULL,
	description     TEXT NOT NULL,
	components      TEXT NOT NULL, -- JSON array of component ids, or ["*"]
	events          TEXT NOT NULL, -- JSON array of event names
	lang            TEXT NOT NULL,
	format          TEXT NOT NULL,
	secret          TEXT NOT NULL,
	disabled_at     INTEGER,
	disabled_reason TEXT NOT NULL,
	failing_since   INTEGER,
	failures        INTEGER NOT NULL,
	last_success_at INTEGER,
	last_failure_at INTEGER,
	last_error      TEXT NOT NULL,
	created_at      INTEGER,
	updated_at      INTEGER
) STRICT;

-- One event rendered for one format and language; its id is the webhook-id header.
CREATE TABLE webhook_messages (
	id         TEXT PRIMARY KEY,
	event      TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	format     TEXT NOT NULL,
	lang       TEXT NOT NULL,
	created_at INTEGER,
	body       BLOB NOT NULL
) STRICT;

-- AUTOINCREMENT: ids are never reused, so an endpoint's order is id order.
CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	message_id      TEXT NOT NULL REFERENCES webhook_messages (id),
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	lease_owner     TEXT NOT NULL,
	lease_until     INTEGER,
	last_error      TEXT NOT NULL,
	last_status     INTEGER NOT NULL,
	last_latency    INTEGER NOT NULL,
	created_at      INTEGER,
	updated_at      INTEGER,
	done_at         INTEGER
) STRICT;
-- The head of each endpoint's queue: its pending deliveries in id order.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, id) WHERE status = 'pending';
-- What a claim walks: pending deliveries, earliest due first, until it has enough heads.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
-- An endpoint's recent deliveries, newest first; also what the cascade looks rows up by.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id);
