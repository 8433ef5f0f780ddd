-- Candor's first schema.
--
-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL is the zero time.
-- Optional references (a component's group) are NULL when unset; other text is NOT NULL
-- with '' for "none", as the domain types have it.

-- meta holds the single row of store-wide counters.
CREATE TABLE meta (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	revision INTEGER NOT NULL
) STRICT;
INSERT INTO meta (id, revision) VALUES (1, 0);

CREATE TABLE component_groups (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	position    INTEGER NOT NULL,
	created_at  INTEGER,
	updated_at  INTEGER
) STRICT;

CREATE TABLE components (
	id                    TEXT PRIMARY KEY,
	name                  TEXT NOT NULL,
	description           TEXT NOT NULL,
	-- Deleting a group leaves its components ungrouped.
	group_id              TEXT REFERENCES component_groups (id) ON DELETE SET NULL,
	position              INTEGER NOT NULL,
	status                TEXT NOT NULL,
	showcase              INTEGER NOT NULL,
	only_show_if_degraded INTEGER NOT NULL,
	start_date            INTEGER,
	created_at            INTEGER,
	updated_at            INTEGER
) STRICT;
CREATE INDEX components_group_id ON components (group_id);

CREATE TABLE incidents (
	id                     TEXT PRIMARY KEY,
	title                  TEXT NOT NULL,
	impact                 TEXT NOT NULL,
	status                 TEXT NOT NULL,
	cause                  TEXT NOT NULL,
	users_affected_percent REAL,
	started_at             INTEGER NOT NULL,
	identified_at          INTEGER,
	monitoring_at          INTEGER,
	resolved_at            INTEGER,
	created_at             INTEGER,
	updated_at             INTEGER,
	announced_eta          INTEGER,
	source                 TEXT NOT NULL,
	external_id            TEXT NOT NULL
) STRICT;
CREATE INDEX incidents_status ON incidents (status);
-- Lists are ordered newest start first, ties by id.
CREATE INDEX incidents_started_at ON incidents (started_at DESC, id);
CREATE INDEX incidents_resolved_at ON incidents (resolved_at);
-- The page's most frequent question, "what is open?", reads only open incidents.
CREATE INDEX incidents_open ON incidents (started_at DESC, id) WHERE status <> 'resolved';
-- A second import of the same history must find, not duplicate, an incident.
CREATE UNIQUE INDEX incidents_source_external_id ON incidents (source, external_id)
	WHERE external_id <> '';

-- incident_components is the derived set of components an incident holds. No foreign key
-- to components: an incident's history outlives a deleted component.
CREATE TABLE incident_components (
	incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	component_id TEXT NOT NULL,
	status       TEXT NOT NULL,
	position     INTEGER NOT NULL,
	PRIMARY KEY (incident_id, component_id)
) STRICT;
CREATE INDEX incident_components_component_id ON incident_components (component_id);

-- incident_updates is the append-only timeline; seq is the timeline order.
CREATE TABLE incident_updates (
	id            TEXT PRIMARY KEY,
	incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	seq           INTEGER NOT NULL,
	kind          TEXT NOT NULL,
	status        TEXT NOT NULL,
	impact        TEXT NOT NULL,
	message       TEXT NOT NULL,
	-- JSON array of {component_id, name, old_status, new_status}.
	components    TEXT NOT NULL,
	announced_eta INTEGER,
	notify        INTEGER NOT NULL,
	posted_by     TEXT NOT NULL,
	created_at    INTEGER,
	UNIQUE (incident_id, seq)
) STRICT;

CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	scope        TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL,
	created_at   INTEGER,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
-- A name is taken only while its key is unrevoked.
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE idempotency_records (
	scope        TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	resource_id  TEXT NOT NULL,
	status_code  INTEGER NOT NULL,
	body         BLOB,
	created_at   INTEGER,
	PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_records_created_at ON idempotency_records (created_at);

-- AUTOINCREMENT: an id is never reused, so paging by id stays stable.
CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         INTEGER,
	actor_kind TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	actor_addr TEXT NOT NULL,
	action     TEXT NOT NULL,
	target     TEXT NOT NULL,
	detail     TEXT NOT NULL
) STRICT;
