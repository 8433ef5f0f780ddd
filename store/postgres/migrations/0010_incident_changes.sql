-- Which write last changed an incident: what SQLite's migration 0012 adds; see there.
ALTER TABLE incidents ADD COLUMN changed_rev bigint NOT NULL DEFAULT 0;
CREATE INDEX incidents_changed_rev ON incidents (changed_rev);
