-- Planned maintenance and its timeline: what SQLite's migration 0004 builds.
--
-- Lists are arrays, NOT NULL, '{}' when empty (read back as nil): a maintenance names a
-- handful of components and reminders, always read and written whole. Durations are
-- bigint nanoseconds (time.Duration's unit), not intervals, so they round-trip exactly.
CREATE TABLE maintenances (
	id              text COLLATE "C" PRIMARY KEY,
	title           text NOT NULL,
	status          text NOT NULL,
	scheduled_for   timestamptz NOT NULL,
	scheduled_until timestamptz NOT NULL,
	notify          boolean NOT NULL,
	auto_complete   boolean NOT NULL,
	started_at      timestamptz,
	ended_at        timestamptz,
	late_notified   timestamptz,
	held_since      timestamptz,
	override_reason text NOT NULL,
	created_at      timestamptz,
	updated_at      timestamptz,
	-- Component ids, in the order given. No foreign key: the history of a maintenance
	-- outlives a deleted component.
	components      text[] NOT NULL,
	remind_before   bigint[] NOT NULL,
	reminders_sent  bigint[] NOT NULL,
	-- Incident ids, in the order given.
	held_by         text[] NOT NULL,
	-- Component id to its status before the work.
	prior_status    jsonb NOT NULL CHECK (jsonb_typeof(prior_status) = 'object')
);
-- Lists are ordered latest scheduled start first, ties by id; the scheduler asks for the
-- maintenances in a few statuses, each one run of the first index, already in list order.
CREATE INDEX maintenances_status ON maintenances (status, scheduled_for DESC, id);
CREATE INDEX maintenances_scheduled_for ON maintenances (scheduled_for DESC, id);

-- maintenance_updates is the append-only timeline; seq is the timeline order. The unique
-- key also serves loading timelines and the cascade from maintenances.
CREATE TABLE maintenance_updates (
	id             text COLLATE "C" PRIMARY KEY,
	maintenance_id text COLLATE "C" NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
	seq            integer NOT NULL,
	kind           text NOT NULL,
	status         text NOT NULL,
	message        text NOT NULL,
	notify         boolean NOT NULL,
	posted_by      text NOT NULL,
	created_at     timestamptz,
	-- What a system entry records ("started", "held", ...); '' for staff entries.
	event          text NOT NULL,
	UNIQUE (maintenance_id, seq)
);
