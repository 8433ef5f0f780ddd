-- The staff console: users and their sessions, postmortems with follow-up actions, and
-- incident templates.
--
-- A name a person types (a login name, a template name) is unique regardless of case:
-- name_key holds the name case-folded by Go (see foldName), so "Alice" and "alice" cannot
-- both exist, and the rule is the same in every back end and for every script, not only
-- ASCII. Lists are ordered by name itself, in byte order.

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	name_key      TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER,
	updated_at    INTEGER,
	last_login_at INTEGER,
	disabled_at   INTEGER
) STRICT;

-- Only a hash of a session's secret is stored. WITHOUT ROWID: the hash is the key, stored
-- once. An expired session stays until DeleteSessionsExpiredBefore sweeps it (the index on
-- expires_at serves that sweep); a user's sessions go with the user.
CREATE TABLE sessions (
	hash         TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token   TEXT NOT NULL,
	addr         TEXT NOT NULL,
	created_at   INTEGER,
	last_seen_at INTEGER,
	expires_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- At most one postmortem per incident, draft (published_at NULL) or published.
CREATE TABLE postmortems (
	incident_id  TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
	cause        TEXT NOT NULL,
	impact       TEXT NOT NULL,
	timeline     TEXT NOT NULL,
	author       TEXT NOT NULL,
	published_at INTEGER,
	created_at   INTEGER,
	updated_at   INTEGER
) STRICT;
-- Lists are ordered newest creation first, ties by incident id; NULL (the zero time) sorts
-- last.
CREATE INDEX postmortems_created_at ON postmortems (created_at DESC, incident_id);

-- A postmortem's follow-up actions, in its order (position), replaced as a whole with the
-- postmortem. Action ids are unique within their postmortem only. due_date is a calendar
-- day, 'YYYY-MM-DD', NULL for none. The unique key on position also serves loading the
-- actions in order.
CREATE TABLE postmortem_actions (
	incident_id TEXT NOT NULL REFERENCES postmortems (incident_id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	position    INTEGER NOT NULL,
	title       TEXT NOT NULL,
	owner       TEXT NOT NULL,
	due_date    TEXT CHECK (due_date IS NULL OR date(due_date) IS due_date),
	state       TEXT NOT NULL,
	PRIMARY KEY (incident_id, id),
	UNIQUE (incident_id, position)
) STRICT;

CREATE TABLE templates (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL UNIQUE,
	cause      TEXT NOT NULL,
	impact     TEXT NOT NULL,
	title_ko   TEXT NOT NULL,
	title_en   TEXT NOT NULL,
	message_ko TEXT NOT NULL,
	message_en TEXT NOT NULL,
	created_at INTEGER,
	updated_at INTEGER
) STRICT;
