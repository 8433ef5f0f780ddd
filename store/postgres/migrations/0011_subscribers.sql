-- Email subscribers (double opt-in), their link tokens (hashes only) and the per-recipient
-- progress of email jobs.
CREATE TABLE subscribers (
	id              text COLLATE "C" PRIMARY KEY,
	email           text NOT NULL UNIQUE,
	lang            text NOT NULL,
	confirmed_at    timestamptz,
	confirm_sent_at timestamptz,
	bounces         integer NOT NULL DEFAULT 0,
	last_bounce     text NOT NULL DEFAULT '',
	added_by        text NOT NULL DEFAULT '',
	created_at      timestamptz,
	updated_at      timestamptz
);
CREATE TABLE subscriber_components (
	component_id  text COLLATE "C" NOT NULL,
	subscriber_id text COLLATE "C" NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	position      integer NOT NULL,
	PRIMARY KEY (component_id, subscriber_id)
);
CREATE INDEX subscriber_components_subscriber ON subscriber_components (subscriber_id, position);
CREATE TABLE subscriber_tokens (
	hash          text PRIMARY KEY,
	subscriber_id text COLLATE "C" NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	purpose       text NOT NULL,
	created_at    timestamptz,
	expires_at    timestamptz NOT NULL
);
CREATE INDEX subscriber_tokens_subscriber ON subscriber_tokens (subscriber_id, purpose);
CREATE INDEX subscriber_tokens_expires ON subscriber_tokens (expires_at);
CREATE TABLE email_deliveries (
	job_id        bigint NOT NULL REFERENCES outbox_jobs (id) ON DELETE CASCADE,
	subscriber_id text COLLATE "C" NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	status        text NOT NULL,
	error         text NOT NULL,
	at            timestamptz,
	PRIMARY KEY (job_id, subscriber_id)
);
CREATE INDEX email_deliveries_subscriber ON email_deliveries (subscriber_id);
-- Claims now pick by kind (email jobs have their own dispatcher): the kind joins the claim
-- index.
DROP INDEX outbox_jobs_claim;
CREATE INDEX outbox_jobs_claim ON outbox_jobs (id) INCLUDE (next_attempt_at, lease_until, kind)
	WHERE status = 'pending';
