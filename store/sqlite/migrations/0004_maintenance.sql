-- Planned maintenance and its timeline.
--
-- Lists are JSON, NOT NULL, '[]' or '{}' when empty (read back as nil): a maintenance names
-- a handful of components and reminders, always read and written whole. Durations are JSON
-- arrays of integer nanoseconds (time.Duration's unit), so they round-trip exactly.
CREATE TABLE maintenances (
	id              TEXT PRIMARY KEY,
	title           TEXT NOT NULL,
	status          TEXT NOT NULL,
	scheduled_for   INTEGER NOT NULL,
	scheduled_until INTEGER NOT NULL,
	notify          INTEGER NOT NULL,
	auto_complete   INTEGER NOT NULL,
	started_at      INTEGER,
	ended_at        INTEGER,
	late_notified   INTEGER,
	held_since      INTEGER,
	override_reason TEXT NOT NULL,
	created_at      INTEGER,
	updated_at      INTEGER,
	-- JSON array of component ids, in the order given. No foreign key: the history of a
	-- maintenance outlives a deleted component.
	components      TEXT NOT NULL CHECK (json_type(components) = 'array'),
	-- JSON arrays of integer nanoseconds.
	remind_before   TEXT NOT NULL CHECK (json_type(remind_before) = 'array'),
	reminders_sent  TEXT NOT NULL CHECK (json_type(reminders_sent) = 'array'),
	-- JSON array of incident ids, in the order given.
	held_by         TEXT NOT NULL CHECK (json_type(held_by) = 'array'),
	-- JSON object: component id to its status before the work.
	prior_status    TEXT NOT NULL CHECK (json_type(prior_status) = 'object')
) STRICT;
-- Lists are ordered latest scheduled start first, ties by id; the scheduler asks for the
-- maintenances in a few statuses, each one run of the first index, already in list order.
CREATE INDEX maintenances_status ON maintenances (status, scheduled_for DESC, id);
CREATE INDEX maintenances_scheduled_for ON maintenances (scheduled_for DESC, id);

-- maintenance_updates is the append-only timeline; seq is the timeline order. The unique
-- key also serves loading timelines and the cascade from maintenances.
CREATE TABLE maintenance_updates (
	id             TEXT PRIMARY KEY,
	maintenance_id TEXT NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
	seq            INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	status         TEXT NOT NULL,
	message        TEXT NOT NULL,
	notify         INTEGER NOT NULL,
	posted_by      TEXT NOT NULL,
	created_at     INTEGER,
	-- What a system entry records ("started", "held", ...); '' for staff entries.
	event          TEXT NOT NULL,
	UNIQUE (maintenance_id, seq)
) STRICT;
