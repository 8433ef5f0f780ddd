-- Group and component ids are unique across both kinds and never reused, so nothing keyed
-- by id (Statuspage clients, widgets, device subscriptions, uptime) merges a group with a
-- component, or a new component with a deleted one. Ids used to be derived from names
-- alone, which gave the group "Voice calls" and its component "Voice calls" one id.
--
-- used_ids remembers every id a group or a component ever had.
CREATE TABLE used_ids (
	id   TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('group', 'component'))
) STRICT;

-- Components keep their ids: they are in URLs (/api/v1/components/{id}, the console,
-- ?component=), device subscriptions and FCM topic names. Deleted components that Candor's
-- own timelines and maintenances name keep theirs too; imported timelines are left out, as
-- they may name components of another page that never existed here.
INSERT INTO used_ids (id, kind) SELECT id, 'component' FROM components;
INSERT OR IGNORE INTO used_ids (id, kind)
	SELECT json_extract(c.value, '$.component_id'), 'component'
	FROM incident_updates AS u, json_each(u.components) AS c
	WHERE u.kind <> 'import' AND coalesce(json_extract(c.value, '$.component_id'), '') <> '';
INSERT OR IGNORE INTO used_ids (id, kind)
	SELECT c.value, 'component' FROM maintenances AS m, json_each(m.components) AS c
	WHERE c.value <> '';

-- A group whose id a component has, or had, is renamed instead: no URL holds a group id.
-- "voice-calls" becomes "voice-calls-group" (a random id if that is taken as well).
CREATE TEMP TABLE group_renames (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL UNIQUE);
INSERT INTO group_renames (old_id, new_id)
	SELECT g.id, CASE
		WHEN g.id || '-group' NOT IN (SELECT id FROM used_ids UNION ALL SELECT id FROM component_groups)
		THEN g.id || '-group'
		ELSE 'g-' || lower(hex(randomblob(5))) END
	FROM component_groups AS g WHERE g.id IN (SELECT id FROM used_ids);
-- Foreign keys are off while a migration runs; the check after it covers these two.
UPDATE components SET group_id = (SELECT new_id FROM group_renames WHERE old_id = components.group_id)
	WHERE group_id IN (SELECT old_id FROM group_renames);
UPDATE component_groups SET id = (SELECT new_id FROM group_renames WHERE old_id = component_groups.id)
	WHERE id IN (SELECT old_id FROM group_renames);
DROP TABLE group_renames;

INSERT INTO used_ids (id, kind) SELECT id, 'group' FROM component_groups;
