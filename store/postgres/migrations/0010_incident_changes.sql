-- Which write last changed an incident: what SQLite's migration 0012 adds; see there.
ALTER TABLE incidents ADD COLUMN changed_rev bigint NOT NULL DEFAULT 0;
CREATE INDEX incidents_changed_rev ON incidents (changed_rev);

CREATE FUNCTION incident_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.changed_rev := (SELECT revision FROM meta WHERE id = 1) + 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER incidents_changed BEFORE INSERT OR UPDATE ON incidents
	FOR EACH ROW EXECUTE FUNCTION incident_stamp();

-- A change to an incident's timeline or components stamps the incident (through the
-- trigger above).
CREATE FUNCTION incident_part_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		UPDATE incidents SET changed_rev = 0 WHERE id = OLD.incident_id;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		UPDATE incidents SET changed_rev = 0 WHERE id = NEW.incident_id;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER incident_updates_changed AFTER INSERT OR UPDATE OR DELETE ON incident_updates
	FOR EACH ROW EXECUTE FUNCTION incident_part_stamp();
CREATE TRIGGER incident_components_changed AFTER INSERT OR UPDATE OR DELETE ON incident_components
	FOR EACH ROW EXECUTE FUNCTION incident_part_stamp();
