-- Candor's first PostgreSQL schema: what SQLite's migrations 0001 to 0003 build.
--
-- Times are timestamptz (microseconds, as the contract keeps them); NULL is the zero time.
-- Optional references (a component's group) are NULL when unset; other text is NOT NULL
-- with '' for "none", as the domain types have it. Keys and names are COLLATE "C": lists
-- and token ranges sort by bytes, as SQLite's, whatever the database's locale.

-- meta holds the single row of store-wide counters. device_count is kept by the triggers
-- on devices, so counting 40 million devices reads one row instead of the whole table.
CREATE TABLE meta (
	id           integer PRIMARY KEY CHECK (id = 1),
	revision     bigint NOT NULL DEFAULT 0,
	device_count bigint NOT NULL DEFAULT 0
);
INSERT INTO meta (id) VALUES (1);

CREATE TABLE component_groups (
	id          text COLLATE "C" PRIMARY KEY,
	name        text COLLATE "C" NOT NULL,
	description text NOT NULL,
	position    integer NOT NULL,
	created_at  timestamptz,
	updated_at  timestamptz
);

CREATE TABLE components (
	id                    text COLLATE "C" PRIMARY KEY,
	name                  text COLLATE "C" NOT NULL,
	description           text NOT NULL,
	-- Deleting a group leaves its components ungrouped.
	group_id              text COLLATE "C" REFERENCES component_groups (id) ON DELETE SET NULL,
	position              integer NOT NULL,
	status                text NOT NULL,
	showcase              boolean NOT NULL,
	only_show_if_degraded boolean NOT NULL,
	start_date            timestamptz,
	created_at            timestamptz,
	updated_at            timestamptz
);
CREATE INDEX components_group_id ON components (group_id);

CREATE TABLE incidents (
	id                     text COLLATE "C" PRIMARY KEY,
	title                  text NOT NULL,
	impact                 text NOT NULL,
	status                 text NOT NULL,
	cause                  text NOT NULL,
	users_affected_percent double precision,
	started_at             timestamptz NOT NULL,
	identified_at          timestamptz,
	monitoring_at          timestamptz,
	resolved_at            timestamptz,
	created_at             timestamptz,
	updated_at             timestamptz,
	announced_eta          timestamptz,
	source                 text COLLATE "C" NOT NULL,
	external_id            text COLLATE "C" NOT NULL
);
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
	incident_id  text COLLATE "C" NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	component_id text COLLATE "C" NOT NULL,
	status       text NOT NULL,
	position     integer NOT NULL,
	PRIMARY KEY (incident_id, component_id)
);
CREATE INDEX incident_components_component_id ON incident_components (component_id);

-- incident_updates is the append-only timeline; seq is the timeline order, and the unique
-- key also serves loading timelines and the cascade from incidents.
CREATE TABLE incident_updates (
	id               text COLLATE "C" PRIMARY KEY,
	incident_id      text COLLATE "C" NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	seq              integer NOT NULL,
	kind             text NOT NULL,
	status           text NOT NULL,
	impact           text NOT NULL,
	message          text NOT NULL,
	-- Array of {component_id, name, old_status, new_status}.
	components       jsonb NOT NULL,
	announced_eta    timestamptz,
	notify           boolean NOT NULL,
	posted_by        text NOT NULL,
	created_at       timestamptz,
	-- The restoration estimate the entry published and the model's score of the time it
	-- announced (NULL when absent), and, on automatic entries, the promise whose passing
	-- they report.
	estimate         jsonb,
	announced_chance jsonb,
	missed_at        timestamptz,
	UNIQUE (incident_id, seq)
);

CREATE TABLE api_keys (
	id           text COLLATE "C" PRIMARY KEY,
	name         text COLLATE "C" NOT NULL,
	scope        text NOT NULL,
	hash         text COLLATE "C" NOT NULL,
	prefix       text NOT NULL,
	created_at   timestamptz,
	last_used_at timestamptz,
	revoked_at   timestamptz,
	CONSTRAINT api_keys_hash_key UNIQUE (hash)
);
-- A name is taken only while its key is unrevoked.
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE idempotency_records (
	scope        text COLLATE "C" NOT NULL,
	key          text COLLATE "C" NOT NULL,
	request_hash text NOT NULL,
	resource_id  text NOT NULL,
	status_code  integer NOT NULL,
	body         bytea,
	created_at   timestamptz,
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_records_created_at ON idempotency_records (created_at);

-- An identity is never reused, so paging by id stays stable; writes are serialized, so ids
-- also commit in order.
CREATE TABLE audit_log (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         timestamptz,
	actor_kind text NOT NULL,
	actor_name text NOT NULL,
	actor_addr text NOT NULL,
	action     text NOT NULL,
	target     text NOT NULL,
	detail     text NOT NULL
);

CREATE TABLE devices (
	token      text COLLATE "C" PRIMARY KEY,
	platform   text NOT NULL,
	locale     text COLLATE "C" NOT NULL,
	created_at timestamptz,
	updated_at timestamptz
);

-- Statement-level triggers with transition tables: deleting a thousand devices updates the
-- counter once, not a thousand times. An upsert that only updates inserts no row.
CREATE FUNCTION devices_count_insert() RETURNS trigger LANGUAGE plpgsql
	SET search_path FROM CURRENT AS $$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM inserted;
	IF n > 0 THEN
		UPDATE meta SET device_count = device_count + n WHERE id = 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE FUNCTION devices_count_delete() RETURNS trigger LANGUAGE plpgsql
	SET search_path FROM CURRENT AS $$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM deleted;
	IF n > 0 THEN
		UPDATE meta SET device_count = device_count - n WHERE id = 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER devices_count_insert AFTER INSERT ON devices
	REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION devices_count_insert();
CREATE TRIGGER devices_count_delete AFTER DELETE ON devices
	REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION devices_count_delete();

-- device_components is each device's subscription list ('*': everything), in its order,
-- with the device's locale copied in. The primary key serves the audience question: the
-- devices of one locale subscribed to one component are one run of the key, ordered by
-- token, so the first k tokens of a component are k index entries read and no more.
CREATE TABLE device_components (
	locale       text COLLATE "C" NOT NULL,
	component_id text COLLATE "C" NOT NULL,
	token        text COLLATE "C" NOT NULL REFERENCES devices (token) ON DELETE CASCADE,
	position     integer NOT NULL,
	PRIMARY KEY (locale, component_id, token)
);
-- A device's list, in order; also what the cascade from devices looks rows up by.
CREATE INDEX device_components_token ON device_components (token, position);

-- outbox_jobs holds every notification job, pending and done; "oldest first" is id order.
CREATE TABLE outbox_jobs (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind            text NOT NULL,
	status          text NOT NULL,
	incident_id     text COLLATE "C" NOT NULL,
	update_id       text COLLATE "C" NOT NULL,
	event           text NOT NULL,
	lang            text NOT NULL,
	condition       text NOT NULL,
	topic           text NOT NULL,
	attempts        integer NOT NULL,
	next_attempt_at timestamptz NOT NULL,
	lease_owner     text NOT NULL,
	lease_until     timestamptz,
	last_error      text NOT NULL,
	sent            integer NOT NULL,
	failed          integer NOT NULL,
	created_at      timestamptz,
	updated_at      timestamptz,
	expires_at      timestamptz,
	done_at         timestamptz,
	tokens          text[] NOT NULL,
	payload         bytea
);
-- Claims walk the pending jobs oldest first and test due time and lease in the index; jobs
-- leave it when they reach a final status, so the history never slows a claim.
CREATE INDEX outbox_jobs_claim ON outbox_jobs (id) INCLUDE (next_attempt_at, lease_until)
	WHERE status = 'pending';
-- When the next pending job can be claimed: the later of its next attempt and its lease end
-- (greatest ignores a NULL lease).
CREATE INDEX outbox_jobs_due ON outbox_jobs (greatest(next_attempt_at, lease_until))
	WHERE status = 'pending';
CREATE INDEX outbox_jobs_incident ON outbox_jobs (incident_id, id);
CREATE INDEX outbox_jobs_status ON outbox_jobs (status, id);
