-- Daily uptime roll-ups: one row per component and complete calendar day in the page's
-- zone, written by the uptime-rollup job (status.Service.RollUpUptime) from the incident
-- timelines. The rows are derived data: the job can always write them again, so exports
-- leave them out.
--
-- day is 'YYYY-MM-DD'; in that form text order is date order. A component's rows go with
-- the component: they describe a component that no longer exists, and a new component
-- given the same id must not inherit its history. WITHOUT ROWID: the primary key is the
-- table, and serves one component's range in day order. The index on day serves every
-- component's range (reading only the days asked for, however long the history) and the
-- latest rolled-up day.
CREATE TABLE uptime_days (
	component_id        TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
	day                 TEXT NOT NULL CHECK (date(day) IS day),
	no_data             INTEGER NOT NULL,
	tracked_minutes     INTEGER NOT NULL,
	major_minutes       INTEGER NOT NULL,
	partial_minutes     INTEGER NOT NULL,
	degraded_minutes    INTEGER NOT NULL,
	maintenance_minutes INTEGER NOT NULL,
	incidents           INTEGER NOT NULL,
	computed_at         INTEGER,
	PRIMARY KEY (component_id, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX uptime_days_day ON uptime_days (day);
