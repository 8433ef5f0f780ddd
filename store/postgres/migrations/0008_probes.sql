-- Probes and their per-minute results: what SQLite's migration 0009 builds; see there.
CREATE TABLE probes (
	id            text COLLATE "C" PRIMARY KEY,
	component_id  text COLLATE "C" NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	name          text NOT NULL,
	kind          text NOT NULL,
	target        text NOT NULL,
	method        text NOT NULL,
	expect_status integer NOT NULL,
	body_contains text NOT NULL,
	cert_min_days integer NOT NULL,
	timeout       bigint NOT NULL,
	interval      bigint NOT NULL,
	fail_after    integer NOT NULL,
	recover_after integer NOT NULL,
	status        text NOT NULL,
	enabled       boolean NOT NULL,
	failures      integer NOT NULL,
	successes     integer NOT NULL,
	failing       boolean NOT NULL,
	failing_since timestamptz,
	last_run_at   timestamptz,
	next_run_at   timestamptz,
	last_ok       boolean NOT NULL,
	last_error    text NOT NULL,
	last_latency  bigint NOT NULL,
	created_at    timestamptz,
	updated_at    timestamptz
);
CREATE INDEX probes_component_id ON probes (component_id, id);
CREATE INDEX probes_due ON probes (next_run_at, id) WHERE enabled;

CREATE TABLE probe_minutes (
	component_id text COLLATE "C" NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	minute       timestamptz NOT NULL,
	checks       integer NOT NULL,
	failures     integer NOT NULL,
	latency_sum  bigint NOT NULL,
	latency_max  bigint NOT NULL,
	PRIMARY KEY (component_id, minute)
);
CREATE INDEX probe_minutes_minute ON probe_minutes (minute);
