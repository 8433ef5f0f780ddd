-- Email subscribers (double opt-in), their link tokens (hashes only) and the per-recipient
-- progress of email jobs.
CREATE TABLE subscribers (
	id              TEXT PRIMARY KEY,
	email           TEXT NOT NULL UNIQUE,
	lang            TEXT NOT NULL,
	confirmed_at    INTEGER,
	confirm_sent_at INTEGER,
	bounces         INTEGER NOT NULL DEFAULT 0,
	last_bounce     TEXT NOT NULL DEFAULT '',
	added_by        TEXT NOT NULL DEFAULT '',
	created_at      INTEGER,
	updated_at      INTEGER
) STRICT;
-- An email job's audience walks subscribers by id and looks each up here by primary key.
CREATE TABLE subscriber_components (
	component_id  TEXT NOT NULL,
	subscriber_id TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	position      INTEGER NOT NULL,
	PRIMARY KEY (component_id, subscriber_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX subscriber_components_subscriber ON subscriber_components (subscriber_id, position);
CREATE TABLE subscriber_tokens (
	hash          TEXT PRIMARY KEY,
	subscriber_id TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	purpose       TEXT NOT NULL,
	created_at    INTEGER,
	expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX subscriber_tokens_subscriber ON subscriber_tokens (subscriber_id, purpose);
CREATE INDEX subscriber_tokens_expires ON subscriber_tokens (expires_at);
-- One row per recipient the SMTP server answered for: the job never mails it again.
CREATE TABLE email_deliveries (
	job_id        INTEGER NOT NULL REFERENCES outbox_jobs (id) ON DELETE CASCADE,
	subscriber_id TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	status        TEXT NOT NULL,
	error         TEXT NOT NULL,
	at            INTEGER,
	PRIMARY KEY (job_id, subscriber_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX email_deliveries_subscriber ON email_deliveries (subscriber_id);
-- Claims now pick by kind (email jobs have their own dispatcher): the kind joins the
-- covering claim index.
DROP INDEX outbox_jobs_claim;
CREATE INDEX outbox_jobs_claim ON outbox_jobs (id, next_attempt_at, lease_until, kind)
	WHERE status = 'pending';
