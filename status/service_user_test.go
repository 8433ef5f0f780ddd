package status_test

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

const password = "correct horse"

func (en *env) user(name string, role status.Role) *status.User {
	en.t.Helper()
	u, err := en.svc.CreateUser(en.ctx, op, name, role, password)
	if err != nil {
		en.t.Fatal(err)
	}
	return u
}

// login signs in and fails the test if it is refused.
func (en *env) login(name, pw string) (string, *status.Session) {
	en.t.Helper()
	_, secret, sess, err := en.svc.Login(en.ctx, name, pw, "192.0.2.1")
	if err != nil {
		en.t.Fatalf("login %s: %v", name, err)
	}
	return secret, sess
}

// signedIn reports whether a session secret still signs its user in.
func (en *env) signedIn(secret string) bool {
	en.t.Helper()
	_, _, err := en.svc.SessionUser(en.ctx, secret)
	switch status.ErrorCode(err) {
	case "":
		return true
	case status.EUNAUTHORIZED:
		return false
	}
	en.t.Fatal(err)
	return false
}

func TestCreateUserRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.user("alice", status.RoleEditor)
	for _, tc := range []struct {
		name, user string
		role       status.Role
		password   string
		code       string
		field      string
	}{
		{"no name", "", status.RoleViewer, password, status.EINVALID, "name"},
		{"blank name", "   ", status.RoleViewer, password, status.EINVALID, "name"},
		{"name too long", long("a", 65), status.RoleViewer, password, status.EINVALID, "name"},
		{"name with capitals", "Bob", status.RoleViewer, password, status.EINVALID, "name"},
		{"name with a space", "bob smith", status.RoleViewer, password, status.EINVALID, "name"},
		{"name with an @", "bob@example.com", status.RoleViewer, password, status.EINVALID, "name"},
		{"name not in ASCII", "밥", status.RoleViewer, password, status.EINVALID, "name"},
		{"no role", "bob", "", password, status.EINVALID, "role"},
		{"unknown role", "bob", "owner", password, status.EINVALID, "role"},
		{"password too short", "bob", status.RoleViewer, long("p", status.MinPasswordLen-1), status.EINVALID, "password"},
		{"password too long in bytes", "bob", status.RoleViewer, long("p", status.MaxPasswordLen+1), status.EINVALID, "password"},
		{"password of few runes but too many bytes", "bob", status.RoleViewer, long("비", 25), status.EINVALID, "password"},
		{"name taken", "alice", status.RoleViewer, password, status.ECONFLICT, "name"},
		{"name taken with spaces around", " alice ", status.RoleViewer, password, status.ECONFLICT, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.CreateUser(en.ctx, op, tc.user, tc.role, tc.password)
			en.refused(err, tc.code, tc.field, before)
		})
	}
}

func TestCreateUserAcceptsBoundaries(t *testing.T) {
	en := newEnv(t, t0)
	for _, tc := range []struct {
		name, user, password string
	}{
		{"longest name", long("a", 64), password},
		{"name with every allowed sign", "a.b_c-9", password},
		{"shortest password", "short", long("p", status.MinPasswordLen)},
		{"longest password", "longest", long("p", status.MaxPasswordLen)},
		{"password of ten Korean runes", "korean", long("비", status.MinPasswordLen)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			if _, err := en.svc.CreateUser(en.ctx, op, tc.user, status.RoleViewer, tc.password); err != nil {
				t.Fatal(err)
			}
			en.login(tc.user, tc.password)
		})
	}
}

func TestCreateUser(t *testing.T) {
	en := newEnv(t, t0)
	for _, r := range status.Roles {
		u, err := en.svc.CreateUser(en.ctx, op, "  user-"+string(r)+" ", r, password)
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "user-"+string(r) || u.Role != r || !u.CreatedAt.Equal(t0) || u.PasswordHash == "" || strings.Contains(u.PasswordHash, password) {
			t.Errorf("created %+v", u)
		}
	}
	if a := en.lastAudit(); a.Action != "user.create" || a.Target != "user-admin" || a.Detail != "admin" {
		t.Errorf("audit %+v", a)
	}
	if us, _ := en.svc.Users(en.ctx); len(us) != 3 {
		t.Errorf("%d users, want 3", len(us))
	}
	if en.revision() != 0 {
		t.Errorf("users are not public, but the revision moved to %d", en.revision())
	}
}

func TestLogin(t *testing.T) {
	en := newEnv(t, t0)
	alice := en.user("alice", status.RoleEditor)

	var messages []string
	for _, tc := range []struct{ name, password string }{
		{"alice", "wrong password"},
		{"alice", ""},
		{"mallory", password},
		{"", ""},
	} {
		before := en.footprint()
		u, secret, sess, err := en.svc.Login(en.ctx, tc.name, tc.password, "192.0.2.1")
		en.refused(err, status.EUNAUTHORIZED, "", before)
		if u != nil || secret != "" || sess != nil {
			t.Errorf("refused login %q returned %v %q %v", tc.name, u, secret, sess)
		}
		messages = append(messages, status.ErrorMessage(err))
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("refusals say %q and %q: they must not tell a wrong name from a wrong password", messages[0], m)
		}
	}

	en.clock.Advance(time.Minute)
	u, secret, sess, err := en.svc.Login(en.ctx, " alice ", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != alice.ID || secret == "" || sess.Hash != status.HashSessionSecret(secret) || sess.Hash == secret || sess.UserID != alice.ID ||
		!sess.ExpiresAt.Equal(t0.Add(time.Minute+status.SessionIdle)) || sess.Addr != "192.0.2.1" {
		t.Errorf("session %+v for %+v", sess, u)
	}
	if !sess.CheckCSRF(sess.CSRFToken) || sess.CheckCSRF("") || sess.CheckCSRF(sess.CSRFToken+"x") {
		t.Errorf("CSRF check does not tell the session's token from others")
	}
	got, gotSess, err := en.svc.SessionUser(en.ctx, secret)
	if err != nil || got.ID != alice.ID || !got.LastLoginAt.Equal(t0.Add(time.Minute)) || gotSess.CSRFToken != sess.CSRFToken {
		t.Errorf("session user %+v %v", got, err)
	}
	// Names are matched as the store keys them, regardless of case.
	if u, _, _, err := en.svc.Login(en.ctx, "ALICE", password, ""); err != nil || u.ID != alice.ID {
		t.Errorf("login as ALICE: %v, %v", u, err)
	}
	if a := en.lastAudit(); a.Action != "user.login" || a.Actor.Kind != status.ActorUser || a.Actor.Name != "alice" || a.Actor.Addr != "" {
		t.Errorf("audit %+v", a)
	}

	if err := en.svc.Logout(en.ctx, status.Op{Actor: status.Actor{Kind: status.ActorUser, Name: "alice"}}, secret); err != nil {
		t.Fatal(err)
	}
	if en.signedIn(secret) {
		t.Errorf("signed in after logging out")
	}
}

func TestSessionsExpire(t *testing.T) {
	en := newEnv(t, t0)
	en.user("alice", status.RoleViewer)
	for _, bad := range []string{"", strings.Repeat("x", 201), "not-a-session"} {
		if en.signedIn(bad) {
			t.Errorf("secret %.10q signs in", bad)
		}
	}

	// Idle for SessionIdle: the session ends.
	idle, _ := en.login("alice", password)
	en.clock.Set(t0.Add(status.SessionIdle - time.Second))
	if !en.signedIn(idle) {
		t.Fatalf("session ended before its idle time")
	}
	// That use slid the expiry: it now ends SessionIdle after this use.
	en.clock.Set(t0.Add(2*status.SessionIdle - 2*time.Second))
	if !en.signedIn(idle) {
		t.Fatalf("use did not extend the session")
	}
	en.clock.Advance(status.SessionIdle)
	if en.signedIn(idle) {
		t.Errorf("session idle for %s still signs in", status.SessionIdle)
	}

	// In use all along, a session still ends SessionMax after sign-in.
	en.clock.Set(t0)
	busy, _ := en.login("alice", password)
	for at := time.Duration(0); at < status.SessionMax; at += status.SessionIdle - time.Hour {
		en.clock.Set(t0.Add(at))
		if !en.signedIn(busy) {
			t.Fatalf("session in use ended at +%s", at)
		}
	}
	en.clock.Set(t0.Add(status.SessionMax))
	if en.signedIn(busy) {
		t.Errorf("session still signs in %s after sign-in", status.SessionMax)
	}

	en.clock.Advance(time.Second)
	n, err := en.svc.SweepSessions(en.ctx)
	if err != nil || n != 2 {
		t.Errorf("swept %d sessions (%v), want both expired ones", n, err)
	}
}

func TestUpdateUser(t *testing.T) {
	en := newEnv(t, t0)
	alice := en.user("alice", status.RoleEditor)
	role := func(r status.Role) *status.Role { return &r }
	str := func(s string) *string { return &s }
	yes, no := true, false
	for _, tc := range []struct {
		name  string
		id    string
		patch status.UserPatch
		code  string
		field string
	}{
		{"unknown user", "nope", status.UserPatch{Role: role(status.RoleAdmin)}, status.ENOTFOUND, ""},
		{"unknown role", alice.ID, status.UserPatch{Role: role("root")}, status.EINVALID, "role"},
		{"short password", alice.ID, status.UserPatch{Password: str("short")}, status.EINVALID, "password"},
		{"long password", alice.ID, status.UserPatch{Password: str(long("p", status.MaxPasswordLen+1))}, status.EINVALID, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.UpdateUser(en.ctx, op, tc.id, tc.patch)
			en.refused(err, tc.code, tc.field, before)
		})
	}
	update := func(p status.UserPatch) *status.User {
		t.Helper()
		en.clock.Advance(time.Minute)
		u, err := en.svc.UpdateUser(en.ctx, op, alice.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	// A role change keeps the user's sessions.
	secret, _ := en.login("alice", password)
	if u := update(status.UserPatch{Role: role(status.RoleAdmin)}); u.Role != status.RoleAdmin {
		t.Errorf("role %s, want admin", u.Role)
	}
	if !en.signedIn(secret) {
		t.Errorf("a role change ended the session")
	}
	if a := en.lastAudit(); a.Action != "user.update" || a.Detail != "role=admin" {
		t.Errorf("audit %+v", a)
	}

	// A new password ends every session and replaces the old one.
	other, _ := en.login("alice", password)
	update(status.UserPatch{Password: str("a new passphrase")})
	if en.signedIn(secret) || en.signedIn(other) {
		t.Errorf("sessions survived a password change")
	}
	if _, _, _, err := en.svc.Login(en.ctx, "alice", password, ""); status.ErrorCode(err) != status.EUNAUTHORIZED {
		t.Errorf("old password: %v", err)
	}
	secret, _ = en.login("alice", "a new passphrase")

	// Disabling ends the sessions and refuses sign-in until enabled again.
	u := update(status.UserPatch{Disabled: &yes})
	if u.DisabledAt.IsZero() || en.signedIn(secret) {
		t.Errorf("disabled at %s, session signed in %v", u.DisabledAt, en.signedIn(secret))
	}
	before := en.footprint()
	_, _, _, err := en.svc.Login(en.ctx, "alice", "a new passphrase", "")
	en.refused(err, status.EUNAUTHORIZED, "", before)
	disabledAt := u.DisabledAt
	if u := update(status.UserPatch{Disabled: &yes}); !u.DisabledAt.Equal(disabledAt) {
		t.Errorf("disabling again moved the time from %s to %s", disabledAt, u.DisabledAt)
	}
	if u := update(status.UserPatch{Disabled: &no}); !u.DisabledAt.IsZero() {
		t.Errorf("enabled user disabled at %s", u.DisabledAt)
	}
	if a := en.lastAudit(); a.Detail != "enabled" {
		t.Errorf("audit detail %q, want enabled", a.Detail)
	}
	en.login("alice", "a new passphrase")
}

func TestSessionOfADisabledUserIsRefused(t *testing.T) {
	en := newEnv(t, t0)
	alice := en.user("alice", status.RoleEditor)
	secret, _ := en.login("alice", password)
	// Disabled behind the service's back (another replica, an old version): the session
	// must still not sign in.
	if err := en.store.Write(en.ctx, func(tx status.Tx) error {
		u, err := tx.User(alice.ID)
		if err != nil {
			return err
		}
		u.DisabledAt = t0
		return tx.SaveUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	if en.signedIn(secret) {
		t.Errorf("a disabled user's session signs in")
	}
}
