-- Texts the public reads are written per language: what SQLite's migration 0007 does. Each
-- such column holds the JSON object {"ko": "…", "en": "…"} as text (see lang.Text); a text
-- written before becomes the text of every language, except Candor's own automatic
-- entries, which were always the Korean line, a line break and the English line.

CREATE FUNCTION pg_temp.both(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN t = '' THEN '{}' ELSE jsonb_build_object('ko', t, 'en', t)::text END
$$;

CREATE FUNCTION pg_temp.entry(kind text, t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN t = '' THEN '{}'
		WHEN kind = 'system' AND strpos(t, E'\n') > 0 THEN jsonb_build_object(
			'ko', substr(t, 1, strpos(t, E'\n') - 1),
			'en', substr(t, strpos(t, E'\n') + 1))::text
		ELSE jsonb_build_object('ko', t, 'en', t)::text END
$$;

UPDATE component_groups SET name = pg_temp.both(name), description = pg_temp.both(description);
UPDATE components SET name = pg_temp.both(name), description = pg_temp.both(description);
UPDATE incidents SET title = pg_temp.both(title);
UPDATE incident_updates SET message = pg_temp.entry(kind, message);
UPDATE maintenances SET title = pg_temp.both(title);
UPDATE maintenance_updates SET message = pg_temp.entry(kind, message);
UPDATE postmortems SET cause = pg_temp.both(cause), impact = pg_temp.both(impact), timeline = pg_temp.both(timeline);
UPDATE postmortem_actions SET title = pg_temp.both(title);
