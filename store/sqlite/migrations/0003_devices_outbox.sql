-- Devices that want pushes, and the outbox of notifications Candor owes.

-- meta.device_count is kept by the triggers below, so counting 40 million devices reads one
-- row instead of the whole table.
ALTER TABLE meta ADD COLUMN device_count INTEGER NOT NULL DEFAULT 0;

-- WITHOUT ROWID: the token is the key, stored once rather than in the table and again in
-- its index.
CREATE TABLE devices (
	token      TEXT PRIMARY KEY,
	platform   TEXT NOT NULL,
	locale     TEXT NOT NULL,
	created_at INTEGER,
	updated_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE TRIGGER devices_count_insert AFTER INSERT ON devices BEGIN
	UPDATE meta SET device_count = device_count + 1 WHERE id = 1;
END;
CREATE TRIGGER devices_count_delete AFTER DELETE ON devices BEGIN
	UPDATE meta SET device_count = device_count - 1 WHERE id = 1;
END;

-- device_components is each device's subscription list ('*': everything), in its order,
-- with the device's locale copied in. The primary key serves the audience question: the
-- devices of one locale subscribed to one component are one run of the key, ordered by
-- token, so the first k tokens of a component are k entries read and no more.
CREATE TABLE device_components (
	locale       TEXT NOT NULL,
	component_id TEXT NOT NULL,
	token        TEXT NOT NULL REFERENCES devices (token) ON DELETE CASCADE,
	position     INTEGER NOT NULL,
	PRIMARY KEY (locale, component_id, token)
) STRICT, WITHOUT ROWID;
-- A device's list, in order; also what the cascade from devices looks rows up by.
CREATE INDEX device_components_token ON device_components (token, position);

-- outbox_jobs holds every notification job, pending and done. AUTOINCREMENT: an id is
-- never reused, so "oldest first" is id order. Lists and payloads come last: SQLite reads
-- a row's leading columns without its overflow pages.
CREATE TABLE outbox_jobs (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	kind            TEXT NOT NULL,
	status          TEXT NOT NULL,
	incident_id     TEXT NOT NULL,
	update_id       TEXT NOT NULL,
	event           TEXT NOT NULL,
	lang            TEXT NOT NULL,
	condition       TEXT NOT NULL,
	topic           TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	lease_owner     TEXT NOT NULL,
	lease_until     INTEGER,
	last_error      TEXT NOT NULL,
	sent            INTEGER NOT NULL,
	failed          INTEGER NOT NULL,
	created_at      INTEGER,
	updated_at      INTEGER,
	expires_at      INTEGER,
	done_at         INTEGER,
	-- JSON array of strings.
	tokens          TEXT NOT NULL,
	payload         BLOB
) STRICT;
-- Claims walk the pending jobs oldest first and test due time and lease in the index; jobs
-- leave it when they reach a final status, so the history never slows a claim.
CREATE INDEX outbox_jobs_claim ON outbox_jobs (id, next_attempt_at, lease_until)
	WHERE status = 'pending';
-- When the next pending job can be claimed: the later of its next attempt and its lease end.
CREATE INDEX outbox_jobs_due ON outbox_jobs (max(next_attempt_at, coalesce(lease_until, next_attempt_at)))
	WHERE status = 'pending';
CREATE INDEX outbox_jobs_incident ON outbox_jobs (incident_id, id);
CREATE INDEX outbox_jobs_status ON outbox_jobs (status, id);
