-- Texts the public reads are written per language. Each such column now holds a JSON
-- object, {"ko": "…", "en": "…"}, with the languages that have a text (see lang.Text):
-- one column per text keeps every query and index as it was, and a third language would
-- need no schema change.
--
-- A text written before this migration becomes the text of every language: nothing
-- guesses at splitting a staff text that holds two languages. Candor's own automatic
-- entries are the exception: they were always written as the Korean line, a line break and
-- the English line, so they are split exactly. '' becomes '{}' (no text).
-- Component names inside incident_updates.components stay strings until rewritten: a
-- string reads as the name in every language.

UPDATE component_groups SET
	name        = CASE name WHEN '' THEN '{}' ELSE json_object('ko', name, 'en', name) END,
	description = CASE description WHEN '' THEN '{}' ELSE json_object('ko', description, 'en', description) END;

UPDATE components SET
	name        = CASE name WHEN '' THEN '{}' ELSE json_object('ko', name, 'en', name) END,
	description = CASE description WHEN '' THEN '{}' ELSE json_object('ko', description, 'en', description) END;

UPDATE incidents SET title = CASE title WHEN '' THEN '{}' ELSE json_object('ko', title, 'en', title) END;

UPDATE incident_updates SET message = CASE
	WHEN message = '' THEN '{}'
	WHEN kind = 'system' AND instr(message, char(10)) > 0 THEN json_object(
		'ko', substr(message, 1, instr(message, char(10)) - 1),
		'en', substr(message, instr(message, char(10)) + 1))
	ELSE json_object('ko', message, 'en', message) END;

UPDATE maintenances SET title = CASE title WHEN '' THEN '{}' ELSE json_object('ko', title, 'en', title) END;

UPDATE maintenance_updates SET message = CASE
	WHEN message = '' THEN '{}'
	WHEN kind = 'system' AND instr(message, char(10)) > 0 THEN json_object(
		'ko', substr(message, 1, instr(message, char(10)) - 1),
		'en', substr(message, instr(message, char(10)) + 1))
	ELSE json_object('ko', message, 'en', message) END;

UPDATE postmortems SET
	cause    = CASE cause WHEN '' THEN '{}' ELSE json_object('ko', cause, 'en', cause) END,
	impact   = CASE impact WHEN '' THEN '{}' ELSE json_object('ko', impact, 'en', impact) END,
	timeline = CASE timeline WHEN '' THEN '{}' ELSE json_object('ko', timeline, 'en', timeline) END;

UPDATE postmortem_actions SET title = CASE title WHEN '' THEN '{}' ELSE json_object('ko', title, 'en', title) END;
