-- Webhook endpoints, their rendered messages and the deliveries owed: what SQLite's
-- migration 0013 builds; see there. The secret is stored as is (it must be recoverable to
-- sign); it is never listed or logged.
CREATE TABLE webhook_endpoints (
	id              text COLLATE "C" PRIMARY KEY,
	url             text NOT NULL,
	description     text NOT NULL,
	components      text NOT NULL,
	events          text NOT NULL,
	lang            text NOT NULL,
	format          text NOT NULL,
	secret          text NOT NULL,
	disabled_at     timestamptz,
	disabled_reason text NOT NULL,
	failing_since   timestamptz,
	failures        integer NOT NULL,
	last_success_at timestamptz,
	last_failure_at timestamptz,
	last_error      text NOT NULL,
	created_at      timestamptz,
	updated_at      timestamptz
);

CREATE TABLE webhook_messages (
	id         text COLLATE "C" PRIMARY KEY,
	event      text NOT NULL,
	subject_id text NOT NULL,
	format     text NOT NULL,
	lang       text NOT NULL,
	created_at timestamptz,
	body       bytea NOT NULL
);

CREATE TABLE webhook_deliveries (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	endpoint_id     text COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	message_id      text COLLATE "C" NOT NULL REFERENCES webhook_messages (id),
	status          text NOT NULL,
	attempts        integer NOT NULL,
	next_attempt_at timestamptz NOT NULL,
	lease_owner     text NOT NULL,
	lease_until     timestamptz,
	last_error      text NOT NULL,
	last_status     integer NOT NULL,
	last_latency    bigint NOT NULL,
	created_at      timestamptz,
	updated_at      timestamptz,
	done_at         timestamptz
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id);
