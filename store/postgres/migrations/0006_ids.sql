-- Group and component ids are unique across both kinds and never reused: what SQLite's
-- migration 0008 does (see there for why). used_ids remembers every id a group or a
-- component ever had.
CREATE TABLE used_ids (
	id   text COLLATE "C" PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('group', 'component'))
);

-- Components keep their ids (URLs, device subscriptions, FCM topics), and so do deleted
-- ones that Candor's own timelines and maintenances name; imported timelines may name
-- another page's components and are left out.
INSERT INTO used_ids (id, kind) SELECT id, 'component' FROM components;
INSERT INTO used_ids (id, kind)
	SELECT DISTINCT c->>'component_id', 'component'
	FROM incident_updates AS u, jsonb_array_elements(u.components) AS c
	WHERE u.kind <> 'import' AND coalesce(c->>'component_id', '') <> ''
	ON CONFLICT (id) DO NOTHING;
INSERT INTO used_ids (id, kind)
	SELECT DISTINCT c, 'component' FROM maintenances AS m, unnest(m.components) AS c WHERE c <> ''
	ON CONFLICT (id) DO NOTHING;

-- A group whose id a component has, or had, is renamed: "voice-calls" becomes
-- "voice-calls-group" (a random id if that is taken as well). No URL holds a group id.
CREATE TEMP TABLE group_renames ON COMMIT DROP AS
	SELECT g.id AS old_id, CASE
		WHEN g.id || '-group' NOT IN (SELECT id FROM used_ids UNION ALL SELECT id FROM component_groups)
		THEN g.id || '-group'
		ELSE 'g-' || substr(md5(random()::text), 1, 10) END AS new_id
	FROM component_groups AS g WHERE g.id IN (SELECT id FROM used_ids);
INSERT INTO component_groups (id, name, description, position, created_at, updated_at)
	SELECT r.new_id, g.name, g.description, g.position, g.created_at, g.updated_at
	FROM component_groups AS g JOIN group_renames AS r ON r.old_id = g.id;
UPDATE components AS c SET group_id = r.new_id FROM group_renames AS r WHERE c.group_id = r.old_id;
DELETE FROM component_groups WHERE id IN (SELECT old_id FROM group_renames);

INSERT INTO used_ids (id, kind) SELECT id, 'group' FROM component_groups;
