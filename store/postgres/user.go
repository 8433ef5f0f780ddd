package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const userColumns = `id, name, role, password_hash, created_at, updated_at, last_login_at, disabled_at`

func scanUser(sc interface{ Scan(...any) error }, u *status.User) error {
	return sc.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt},
		timeCol{&u.LastLoginAt}, timeCol{&u.DisabledAt})
}

// Users returns every user, disabled ones included, by name in byte order (names are
// unique, so the order is total).
func (t *tx) Users() ([]status.User, error) {
	rows, err := t.query(`SELECT ` + userColumns + ` FROM users ORDER BY name, id`)
	if err != nil {
		return nil, t.fail(err, "load users")
	}
	defer rows.Close()
	var us []status.User
	for rows.Next() {
		var u status.User
		if err := scanUser(rows, &u); err != nil {
			return nil, t.fail(err, "load users")
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load users")
	}
	return us, nil
}

// User returns a user by id; ENOTFOUND if absent.
func (t *tx) User(id string) (*status.User, error) {
	var u status.User
	err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE id = $1`, id), &u)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("User %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load user %s", id)
	}
	return &u, nil
}

// UserByName returns the user whose login name equals name regardless of case (see
// foldName), with the name as stored; ENOTFOUND if none.
func (t *tx) UserByName(name string) (*status.User, error) {
	var u status.User
	err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE name_key = $1`, status.NameKey(name)), &u)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("No user named %s.", name)
	}
	if err != nil {
		return nil, t.fail(err, "load user %s", name)
	}
	return &u, nil
}

// CreateUser inserts a user. EINVALID without an id, a name (valid UTF-8), a known role or
// a password hash; ECONFLICT if the id is taken or another user has the name regardless of
// case. Nothing is written on error.
func (t *tx) CreateUser(u *status.User) error {
	p := status.Problems{}
	if u.ID == "" {
		p.Add("id", "is required")
	}
	status.CheckNameText(p, u.Name)
	status.CheckUserRecord(p, u)
	if err := p.Err(); err != nil {
		return err
	}
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO users (`+userColumns+`, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			u.ID, u.Name, string(u.Role), u.PasswordHash, timeArg(u.CreatedAt), timeArg(u.UpdatedAt),
			timeArg(u.LastLoginAt), timeArg(u.DisabledAt), status.NameKey(u.Name))
		switch {
		case err == nil:
			return nil
		case isUnique(err, "users_pkey"):
			return conflict("User %s already exists.", u.ID)
		case isUnique(err):
			return &status.Error{Code: status.ECONFLICT, Message: "A user named " + u.Name + " already exists.",
				Fields: map[string]string{"name": "already taken"}}
		default:
			return t.fail(err, "create user %s", u.Name)
		}
	})
}

// SaveUser stores u's role, password hash, last login, disabled and updated times, clearing
// what is zero; it never changes the name or the creation time. ENOTFOUND if absent,
// EINVALID (writing nothing) without a known role or a password hash.
func (t *tx) SaveUser(u *status.User) error {
	p := status.Problems{}
	status.CheckUserRecord(p, u)
	if err := p.Err(); err != nil {
		return err
	}
	ok, err := t.execOne(`UPDATE users SET role = $1, password_hash = $2, updated_at = $3, last_login_at = $4,
			disabled_at = $5
		WHERE id = $6`,
		string(u.Role), u.PasswordHash, timeArg(u.UpdatedAt), timeArg(u.LastLoginAt), timeArg(u.DisabledAt), u.ID)
	if err != nil {
		return t.fail(err, "save user %s", u.ID)
	}
	if !ok {
		return notFound("User %s not found.", u.ID)
	}
	return nil
}

const sessionColumns = `hash, user_id, csrf_token, addr, created_at, last_seen_at, expires_at`

// CreateSession inserts a session. EINVALID without a hash, a user id, a CSRF token or an
// expiry; ENOTFOUND if the user is absent; ECONFLICT if the hash exists. Nothing is
// written on error. The statement checks both itself, so a sign-in needs no savepoint.
func (t *tx) CreateSession(s *status.Session) error {
	p := status.Problems{}
	if s.Hash == "" {
		p.Add("hash", "is required")
	}
	if s.UserID == "" {
		p.Add("user_id", "is required")
	}
	if s.CSRFToken == "" {
		p.Add("csrf_token", "is required")
	}
	if s.ExpiresAt.IsZero() {
		p.Add("expires_at", "is required")
	}
	if err := p.Err(); err != nil {
		return err
	}
	ok, err := t.execOne(`INSERT INTO sessions (`+sessionColumns+`)
		SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT FROM users WHERE id = $2)
		ON CONFLICT (hash) DO NOTHING`,
		s.Hash, s.UserID, s.CSRFToken, s.Addr, timeArg(s.CreatedAt), timeArg(s.LastSeenAt), timeArg(s.ExpiresAt))
	if err != nil {
		return t.fail(err, "create session for user %s", s.UserID)
	}
	if ok {
		return nil
	}
	var exists bool
	if err := t.queryRow(`SELECT EXISTS (SELECT FROM users WHERE id = $1)`, s.UserID).Scan(&exists); err != nil {
		return t.fail(err, "create session for user %s", s.UserID)
	}
	if !exists {
		return notFound("User %s not found.", s.UserID)
	}
	return conflict("The session already exists.") // never echo a secret's hash
}

// Session returns a session by hash, expired or not; ENOTFOUND if absent.
func (t *tx) Session(hash string) (*status.Session, error) {
	var s status.Session
	err := t.queryRow(`SELECT `+sessionColumns+` FROM sessions WHERE hash = $1`, hash).Scan(&s.Hash, &s.UserID,
		&s.CSRFToken, &s.Addr, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}, timeCol{&s.ExpiresAt})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Session not found.")
	}
	if err != nil {
		return nil, t.fail(err, "load session")
	}
	return &s, nil
}

// TouchSession stores a session's LastSeenAt and ExpiresAt; ENOTFOUND if absent, EINVALID
// for the zero expiry.
func (t *tx) TouchSession(hash string, lastSeen, expires time.Time) error {
	if expires.IsZero() {
		return invalid("expires_at", "is required", "A session needs an expiry.")
	}
	ok, err := t.execOne(`UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE hash = $3`,
		timeArg(lastSeen), timeArg(expires), hash)
	if err != nil {
		return t.fail(err, "touch session")
	}
	if !ok {
		return notFound("Session not found.")
	}
	return nil
}

// DeleteSession deletes a session; deleting an absent one is not an error.
func (t *tx) DeleteSession(hash string) error {
	if _, err := t.exec(`DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return t.fail(err, "delete session")
	}
	return nil
}

// The session sweeps, each an index range.
const (
	deleteUserSessionsQuery    = `DELETE FROM sessions WHERE user_id = $1`
	deleteExpiredSessionsQuery = `DELETE FROM sessions WHERE expires_at < $1`
)

// DeleteUserSessions deletes every session of a user and returns how many.
func (t *tx) DeleteUserSessions(userID string) (int, error) {
	tag, err := t.exec(deleteUserSessionsQuery, userID)
	if err != nil {
		return 0, t.fail(err, "delete sessions of user %s", userID)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteSessionsExpiredBefore deletes the sessions whose expiry is strictly before before
// (truncated to the microsecond, as stored times are) and returns how many.
func (t *tx) DeleteSessionsExpiredBefore(before time.Time) (int, error) {
	tag, err := t.exec(deleteExpiredSessionsQuery, timeArg(before))
	if err != nil {
		return 0, t.fail(err, "delete expired sessions")
	}
	return int(tag.RowsAffected()), nil
}
