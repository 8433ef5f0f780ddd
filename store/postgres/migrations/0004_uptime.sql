-- Daily uptime roll-ups: one row per component and complete calendar day in the page's
-- zone, written by the uptime-rollup job (status.Service.RollUpUptime) from the incident
-- timelines. What SQLite's migration 0006 builds. The rows are derived data: the job can
-- always write them again, so exports leave them out.
--
-- A component's rows go with the component: they describe a component that no longer
-- exists, and a new component given the same id must not inherit its history. The primary
-- key serves one component's range in day order; the index on day serves every component's
-- range (reading only the days asked for, however long the history) and the latest
-- rolled-up day.
CREATE TABLE uptime_days (
	component_id        text COLLATE "C" NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	day                 date NOT NULL,
	no_data             boolean NOT NULL,
	tracked_minutes     integer NOT NULL,
	major_minutes       integer NOT NULL,
	partial_minutes     integer NOT NULL,
	degraded_minutes    integer NOT NULL,
	maintenance_minutes integer NOT NULL,
	incidents           integer NOT NULL,
	computed_at         timestamptz,
	PRIMARY KEY (component_id, day)
);
CREATE INDEX uptime_days_day ON uptime_days (day);
