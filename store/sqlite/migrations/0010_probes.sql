-- Probes Candor runs itself, for components without monitoring, and their results rolled up
-- per minute.
--
-- Durations (timeout, interval, last latency) are nanoseconds. A component's probes go with
-- it. The probes job reads due probes through probes_due (enabled ones only) and claims
-- them by moving next_run_at on, inside one write, so with several replicas each probe runs
-- once per interval.
CREATE TABLE probes (
	id            TEXT PRIMARY KEY,
	component_id  TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	kind          TEXT NOT NULL,
	target        TEXT NOT NULL,
	method        TEXT NOT NULL,
	expect_status INTEGER NOT NULL,
	body_contains TEXT NOT NULL,
	cert_min_days INTEGER NOT NULL,
	timeout       INTEGER NOT NULL,
	interval      INTEGER NOT NULL,
	fail_after    INTEGER NOT NULL,
	recover_after INTEGER NOT NULL,
	status        TEXT NOT NULL,
	enabled       INTEGER NOT NULL,
	failures      INTEGER NOT NULL,
	successes     INTEGER NOT NULL,
	failing       INTEGER NOT NULL,
	failing_since INTEGER,
	last_run_at   INTEGER,
	next_run_at   INTEGER,
	last_ok       INTEGER NOT NULL,
	last_error    TEXT NOT NULL,
	last_latency  INTEGER NOT NULL,
	created_at    INTEGER,
	updated_at    INTEGER
) STRICT;
CREATE INDEX probes_component_id ON probes (component_id, id);
CREATE INDEX probes_due ON probes (next_run_at, id) WHERE enabled = 1;

-- One row per component and minute (minute: microseconds since the epoch of the minute's
-- start), every probe of the component added up: compact whatever the number of probes
-- and their intervals. The rows go with the component, and after 90 days (the probe-sweep
-- job). WITHOUT ROWID: the primary key is the table.
CREATE TABLE probe_minutes (
	component_id TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	minute       INTEGER NOT NULL,
	checks       INTEGER NOT NULL,
	failures     INTEGER NOT NULL,
	latency_sum  INTEGER NOT NULL,
	latency_max  INTEGER NOT NULL,
	PRIMARY KEY (component_id, minute)
) STRICT, WITHOUT ROWID;
CREATE INDEX probe_minutes_minute ON probe_minutes (minute);
