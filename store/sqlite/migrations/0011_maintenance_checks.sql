-- A maintenance's pre-check list: items staff tick before the work may start, in their
-- order (position), replaced as a whole. done_at NULL: not ticked. The list goes with the
-- maintenance. (Post-checks need no table: their outcome is the maintenance's "problems"
-- timeline entry and the draft incident it opens.)
CREATE TABLE maintenance_checks (
	maintenance_id TEXT NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
	id             TEXT NOT NULL,
	position       INTEGER NOT NULL,
	text           TEXT NOT NULL,
	done_by        TEXT NOT NULL,
	done_at        INTEGER,
	PRIMARY KEY (maintenance_id, id),
	UNIQUE (maintenance_id, position)
) STRICT;
