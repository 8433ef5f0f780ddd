-- The staff console: users and their sessions, postmortems with follow-up actions, and
-- incident templates. What SQLite's migration 0005 builds.
--
-- A name a person types (a login name, a template name) is unique regardless of case:
-- name_key holds the name case-folded by Go (see foldName), so "Alice" and "alice" cannot
-- both exist, and the rule is the same in every back end and for every script, not only
-- ASCII. Lists are ordered by name itself, in byte order.

CREATE TABLE users (
	id            text COLLATE "C" PRIMARY KEY,
	name          text COLLATE "C" NOT NULL,
	name_key      text COLLATE "C" NOT NULL,
	role          text NOT NULL,
	password_hash text NOT NULL,
	created_at    timestamptz,
	updated_at    timestamptz,
	last_login_at timestamptz,
	disabled_at   timestamptz,
	CONSTRAINT users_name_key UNIQUE (name_key)
);

-- Only a hash of a session's secret is stored. An expired session stays until
-- DeleteSessionsExpiredBefore sweeps it (the index on expires_at serves that sweep); a
-- user's sessions go with the user.
CREATE TABLE sessions (
	hash         text COLLATE "C" PRIMARY KEY,
	user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token   text NOT NULL,
	addr         text NOT NULL,
	created_at   timestamptz,
	last_seen_at timestamptz,
	expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- At most one postmortem per incident, draft (published_at NULL) or published.
CREATE TABLE postmortems (
	incident_id  text COLLATE "C" PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
	cause        text NOT NULL,
	impact       text NOT NULL,
	timeline     text NOT NULL,
	author       text NOT NULL,
	published_at timestamptz,
	created_at   timestamptz,
	updated_at   timestamptz
);
-- Lists are ordered newest creation first, ties by incident id; NULL (the zero time) sorts
-- last, as in SQLite.
CREATE INDEX postmortems_created_at ON postmortems (created_at DESC NULLS LAST, incident_id);

-- A postmortem's follow-up actions, in its order (position), replaced as a whole with the
-- postmortem. Action ids are unique within their postmortem only. due_date is a calendar
-- day, NULL for none. The unique key on position also serves loading the actions in order.
CREATE TABLE postmortem_actions (
	incident_id text COLLATE "C" NOT NULL REFERENCES postmortems (incident_id) ON DELETE CASCADE,
	id          text COLLATE "C" NOT NULL,
	position    integer NOT NULL,
	title       text NOT NULL,
	owner       text NOT NULL,
	due_date    date,
	state       text NOT NULL,
	PRIMARY KEY (incident_id, id),
	UNIQUE (incident_id, position)
);

CREATE TABLE templates (
	id         text COLLATE "C" PRIMARY KEY,
	name       text COLLATE "C" NOT NULL,
	name_key   text COLLATE "C" NOT NULL,
	cause      text NOT NULL,
	impact     text NOT NULL,
	title_ko   text NOT NULL,
	title_en   text NOT NULL,
	message_ko text NOT NULL,
	message_en text NOT NULL,
	created_at timestamptz,
	updated_at timestamptz,
	CONSTRAINT templates_name_key UNIQUE (name_key)
);
