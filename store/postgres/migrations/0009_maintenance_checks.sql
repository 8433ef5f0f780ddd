-- A maintenance's pre-check list: what SQLite's migration 0010 builds; see there.
CREATE TABLE maintenance_checks (
	maintenance_id text COLLATE "C" NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
	id             text COLLATE "C" NOT NULL,
	position       integer NOT NULL,
	text           text NOT NULL,
	done_by        text NOT NULL,
	done_at        timestamptz,
	PRIMARY KEY (maintenance_id, id),
	UNIQUE (maintenance_id, position)
);
