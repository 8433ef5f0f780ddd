-- Which write last changed an incident (created it, appended to its timeline, saved its
-- state): the public revision the store had when the write began, plus one. A reader that
-- read every incident as of revision R reads only those with changed_rev > R to catch up
-- (IncidentsChangedSince), instead of the whole history. 0: not changed since this
-- migration, which every reader has read already.
ALTER TABLE incidents ADD COLUMN changed_rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_changed_rev ON incidents (changed_rev);
