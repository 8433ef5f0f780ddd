-- Monitoring in: signals (alerts, external checks, probes past their threshold), the draft
-- incidents they open, and each component's monitoring settings.
--
-- signals holds one row per deduplication key (an Alertmanager fingerprint, a client's
-- dedup_key, a probe): every delivery updates the row, so repeats cost no rows. pending is
-- the reported state not yet in effect (status.Signal.Pending, computed in Go so both
-- stores agree); the signals job reads only pending rows, through the partial index. A
-- component's signals go with the component.
CREATE TABLE signals (
	key          TEXT PRIMARY KEY,
	component_id TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	source       TEXT NOT NULL,
	summary      TEXT NOT NULL,
	status       TEXT NOT NULL,
	firing       INTEGER NOT NULL,
	since        INTEGER,
	began_at     INTEGER,
	ended_at     INTEGER,
	last_seen_at INTEGER,
	repeats      INTEGER NOT NULL,
	active       TEXT NOT NULL,
	incident_id  TEXT NOT NULL,
	pending      INTEGER NOT NULL,
	created_at   INTEGER,
	updated_at   INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX signals_pending ON signals (key) WHERE pending = 1;
CREATE INDEX signals_component_id ON signals (component_id);
CREATE INDEX signals_incident_id ON signals (incident_id) WHERE incident_id <> '';

-- Draft incidents live apart from incidents, so no public query can ever see one. id
-- becomes the incident's id when published. components is a JSON array of
-- {component_id, status}; title and message are per-language texts (see 0007).
CREATE TABLE drafts (
	id              TEXT PRIMARY KEY,
	status          TEXT NOT NULL,
	title           TEXT NOT NULL,
	message         TEXT NOT NULL,
	impact          TEXT NOT NULL,
	cause           TEXT NOT NULL,
	components      TEXT NOT NULL,
	started_at      INTEGER NOT NULL,
	source          TEXT NOT NULL,
	summary         TEXT NOT NULL,
	auto_publish_at INTEGER,
	created_at      INTEGER,
	updated_at      INTEGER,
	closed_at       INTEGER,
	closed_by       TEXT NOT NULL
) STRICT;
CREATE INDEX drafts_created_at ON drafts (created_at DESC, id);
CREATE INDEX drafts_open ON drafts (created_at DESC, id) WHERE status = 'open';

-- A component's monitoring settings; absent means the defaults. template_id is not a
-- foreign key: a deleted template makes drafts fall back to Candor's own words.
-- auto_publish_after is in nanoseconds (0: never).
CREATE TABLE monitoring (
	component_id       TEXT PRIMARY KEY REFERENCES components (id) ON DELETE CASCADE,
	template_id        TEXT NOT NULL,
	auto_publish_after INTEGER NOT NULL,
	sparkline          INTEGER NOT NULL,
	updated_at         INTEGER
) STRICT, WITHOUT ROWID;
