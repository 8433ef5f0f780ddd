-- Which write last changed an incident — created it, changed its row, its timeline or its
-- components: the public revision the database had then, plus one. A reader that read every
-- incident as of revision R reads only those with changed_rev > R to catch up
-- (IncidentsChangedSince) instead of the whole history. Triggers stamp it, so every way a
-- row changes counts, an operator's SQL fix included. 0: not changed since this migration,
-- which every reader has read already. (recursive_triggers is off: a trigger's own UPDATE
-- does not fire it again.)
ALTER TABLE incidents ADD COLUMN changed_rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_changed_rev ON incidents (changed_rev);

CREATE TRIGGER incidents_changed_insert AFTER INSERT ON incidents BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER incidents_changed_update AFTER UPDATE ON incidents BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER incident_updates_changed_insert AFTER INSERT ON incident_updates BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id = NEW.incident_id;
END;
CREATE TRIGGER incident_updates_changed_update AFTER UPDATE ON incident_updates BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id IN (OLD.incident_id, NEW.incident_id);
END;
CREATE TRIGGER incident_updates_changed_delete AFTER DELETE ON incident_updates BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id = OLD.incident_id;
END;
CREATE TRIGGER incident_components_changed_insert AFTER INSERT ON incident_components BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id = NEW.incident_id;
END;
CREATE TRIGGER incident_components_changed_update AFTER UPDATE ON incident_components BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id IN (OLD.incident_id, NEW.incident_id);
END;
CREATE TRIGGER incident_components_changed_delete AFTER DELETE ON incident_components BEGIN
	UPDATE incidents SET changed_rev = (SELECT revision FROM meta WHERE id = 1) + 1 WHERE id = OLD.incident_id;
END;
