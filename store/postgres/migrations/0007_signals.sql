-- Monitoring in: signals, the draft incidents they open and each component's monitoring
-- settings. What SQLite's migration 0008 builds; see there for why each table looks as it
-- does. Keys and ids are COLLATE "C" so lists order by bytes, as in SQLite.
CREATE TABLE signals (
	key          text COLLATE "C" PRIMARY KEY,
	component_id text COLLATE "C" NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	source       text NOT NULL,
	summary      text NOT NULL,
	status       text NOT NULL,
	firing       boolean NOT NULL,
	since        timestamptz,
	began_at     timestamptz,
	ended_at     timestamptz,
	last_seen_at timestamptz,
	repeats      integer NOT NULL,
	active       text NOT NULL,
	incident_id  text COLLATE "C" NOT NULL,
	pending      boolean NOT NULL,
	created_at   timestamptz,
	updated_at   timestamptz
);
CREATE INDEX signals_pending ON signals (key) WHERE pending;
CREATE INDEX signals_component_id ON signals (component_id);
CREATE INDEX signals_incident_id ON signals (incident_id) WHERE incident_id <> '';

CREATE TABLE drafts (
	id              text COLLATE "C" PRIMARY KEY,
	status          text NOT NULL,
	title           text NOT NULL,
	message         text NOT NULL,
	impact          text NOT NULL,
	cause           text NOT NULL,
	components      text NOT NULL,
	started_at      timestamptz NOT NULL,
	source          text NOT NULL,
	summary         text NOT NULL,
	auto_publish_at timestamptz,
	created_at      timestamptz,
	updated_at      timestamptz,
	closed_at       timestamptz,
	closed_by       text NOT NULL
);
CREATE INDEX drafts_created_at ON drafts (created_at DESC NULLS LAST, id);
CREATE INDEX drafts_open ON drafts (created_at DESC NULLS LAST, id) WHERE status = 'open';

CREATE TABLE monitoring (
	component_id       text COLLATE "C" PRIMARY KEY REFERENCES components (id) ON DELETE CASCADE,
	template_id        text NOT NULL,
	auto_publish_after bigint NOT NULL,
	sparkline          boolean NOT NULL,
	updated_at         timestamptz
);
