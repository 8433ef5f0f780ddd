package status

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Session lifetimes: a session idle for SessionIdle ends; none lives past SessionMax.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
	// MinPasswordLen is short enough to remember, long enough to resist guessing; bcrypt
	// reads at most 72 bytes, so longer passwords are refused rather than silently cut.
	MinPasswordLen = 10
	MaxPasswordLen = 72
)

// BcryptCost is the work factor for new password hashes (tests lower it).
var BcryptCost = 12

// decoy is compared against when a login name is unknown, so a wrong name and a wrong
// password take the same time and do not reveal which names exist. It must cost what a
// real hash costs: at bcrypt's minimum cost an unknown name answered in 3 ms and a real one
// in 850 ms (issue 18). Made on first use at BcryptCost, and again if that changes.
var decoy struct {
	sync.Mutex
	cost int
	hash []byte
}

// decoyHash returns a hash at BcryptCost that no password matches.
func decoyHash() []byte {
	decoy.Lock()
	defer decoy.Unlock()
	if decoy.hash == nil || decoy.cost != BcryptCost {
		h, err := bcrypt.GenerateFromPassword([]byte(randomToken(24)), BcryptCost)
		if err != nil {
			panic("bcrypt failed: " + err.Error()) // only for a cost outside bcrypt's range
		}
		decoy.hash, decoy.cost = h, BcryptCost
	}
	return decoy.hash
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSessionSecret returns the stored form of a session cookie value.
func HashSessionSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func validateUserName(p Problems, name string) {
	if n := len(name); n == 0 || n > 64 {
		p.Add("name", "must be 1–64 characters")
		return
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			p.Add("name", "may contain only lower-case letters, digits, '.', '_' and '-'")
			return
		}
	}
}

func validatePassword(p Problems, pw string) {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		p.Add("password", "must be at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		p.Add("password", "must be at most %d bytes", MaxPasswordLen)
	}
}

// CreateUser adds a console user with a bcrypt-hashed password.
func (s *Service) CreateUser(ctx context.Context, op Op, name string, role Role, password string) (*User, error) {
	name = strings.TrimSpace(name)
	p := Problems{}
	validateUserName(p, name)
	if !role.Valid() {
		p.Add("role", "must be one of %s", joinValues(Roles))
	}
	validatePassword(p, password)
	if err := p.Err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return nil, err
	}
	u := &User{ID: NewID(), Name: name, Role: role, PasswordHash: string(hash)}
	err = s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		u.CreatedAt, u.UpdatedAt = now, now
		if err := tx.CreateUser(u); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return change{}, &Error{Code: ECONFLICT, Message: "A user named " + name + " already exists.",
					Fields: map[string]string{"name": "already taken"}}
			}
			return change{}, err
		}
		return change{resource: u.ID, audit: &AuditEntry{Action: "user.create", Target: name, Detail: string(role)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserPatch changes what is set.
type UserPatch struct {
	Role     *Role
	Password *string
	Disabled *bool
}

// UpdateUser changes a user's role, password or whether it may sign in. Disabling a user
// or changing its password ends its sessions.
func (s *Service) UpdateUser(ctx context.Context, op Op, id string, in UserPatch) (*User, error) {
	p := Problems{}
	if in.Role != nil && !in.Role.Valid() {
		p.Add("role", "must be one of %s", joinValues(Roles))
	}
	var hash []byte
	if in.Password != nil {
		validatePassword(p, *in.Password)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if in.Password != nil {
		var err error
		if hash, err = bcrypt.GenerateFromPassword([]byte(*in.Password), BcryptCost); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		var err error
		if u, err = tx.User(id); err != nil {
			return change{}, err
		}
		var what []string
		endSessions := false
		if in.Role != nil {
			u.Role = *in.Role
			what = append(what, "role="+string(u.Role))
		}
		if hash != nil {
			u.PasswordHash = string(hash)
			what, endSessions = append(what, "password"), true
		}
		if in.Disabled != nil {
			if *in.Disabled && u.DisabledAt.IsZero() {
				u.DisabledAt, endSessions = now, true
				what = append(what, "disabled")
			} else if !*in.Disabled && !u.DisabledAt.IsZero() {
				u.DisabledAt = time.Time{}
				what = append(what, "enabled")
			}
		}
		u.UpdatedAt = now
		if err := tx.SaveUser(u); err != nil {
			return change{}, err
		}
		if endSessions {
			if _, err := tx.DeleteUserSessions(u.ID); err != nil {
				return change{}, err
			}
		}
		return change{resource: u.ID, audit: &AuditEntry{Action: "user.update", Target: u.Name, Detail: strings.Join(what, ", ")}}, nil
	})
	return u, err
}

// Users lists every console user.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	var us []User
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		us, err = tx.Users()
		return err
	})
	return us, err
}

// Login checks a name and password and opens a session. It returns the cookie secret (only
// its hash is stored). Failures say only "invalid name or password".
func (s *Service) Login(ctx context.Context, name, password, addr string) (*User, string, *Session, error) {
	bad := Errorf(EUNAUTHORIZED, "Invalid name or password.")
	var u *User
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByName(strings.TrimSpace(name))
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(decoyHash(), []byte(password))
		return nil, "", nil, bad
	} else if err != nil {
		return nil, "", nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || !u.DisabledAt.IsZero() {
		return nil, "", nil, bad
	}
	secret := randomToken(32)
	sess := &Session{Hash: HashSessionSecret(secret), UserID: u.ID, CSRFToken: randomToken(24), Addr: addr}
	op := Op{Actor: Actor{Kind: ActorUser, Name: u.Name, Addr: addr}}
	err = s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = now, now, now.Add(SessionIdle)
		if err := tx.CreateSession(sess); err != nil {
			return change{}, err
		}
		u.LastLoginAt, u.UpdatedAt = now, now
		if err := tx.SaveUser(u); err != nil {
			return change{}, err
		}
		return change{audit: &AuditEntry{Action: "user.login", Target: u.Name}}, nil
	})
	if err != nil {
		return nil, "", nil, err
	}
	return u, secret, sess, nil
}

// SessionUser returns the user of a live session, sliding its idle expiry; EUNAUTHORIZED
// when the session is unknown, expired or its user disabled.
func (s *Service) SessionUser(ctx context.Context, secret string) (*User, *Session, error) {
	bad := Errorf(EUNAUTHORIZED, "Please sign in.")
	if secret == "" || len(secret) > 200 {
		return nil, nil, bad
	}
	hash := HashSessionSecret(secret)
	var u *User
	var sess *Session
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if sess, err = tx.Session(hash); err != nil {
			return err
		}
		u, err = tx.User(sess.UserID)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, bad
	} else if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !u.DisabledAt.IsZero() {
		return nil, nil, bad
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt = now
		sess.ExpiresAt = minTime(now.Add(SessionIdle), sess.CreatedAt.Add(SessionMax))
		if err := s.store.Write(ctx, func(tx Tx) error { return tx.TouchSession(hash, sess.LastSeenAt, sess.ExpiresAt) }); err != nil {
			s.log.WarnContext(ctx, "extend session", "err", err)
		}
	}
	return u, sess, nil
}

// CheckCSRF reports whether token matches the session's, in constant time.
func (sess *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFToken)) == 1
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, op Op, secret string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if err := tx.DeleteSession(HashSessionSecret(secret)); err != nil {
			return change{}, err
		}
		return change{audit: &AuditEntry{Action: "user.logout", Target: op.Actor.Name}}, nil
	})
}

// SweepSessions deletes expired sessions.
func (s *Service) SweepSessions(ctx context.Context) (int, error) {
	var n int
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteSessionsExpiredBefore(s.now())
		return err
	})
	return n, err
}

// Audit returns up to limit audit entries older than beforeID (0: newest).
func (s *Service) Audit(ctx context.Context, limit int, beforeID int64) ([]AuditEntry, error) {
	var es []AuditEntry
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		es, err = tx.Audit(limit, beforeID)
		return err
	})
	return es, err
}
