package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newUser(id, name string, role status.Role) *status.User {
	return &status.User{ID: id, Name: name, Role: role, PasswordHash: "$2a$10$hash-of-" + id,
		CreatedAt: base, UpdatedAt: base}
}

// fullUser returns a disabled user with every field set, named outside ASCII.
func fullUser() *status.User {
	return &status.User{ID: "u-full", Name: "Élodie.K", Role: status.RoleEditor,
		PasswordHash: "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		CreatedAt:    base, UpdatedAt: base.Add(time.Minute), LastLoginAt: base.Add(time.Hour + 7),
		DisabledAt: base.Add(2*time.Hour + 11)}
}

func createUsers(t *testing.T, s status.Store, us ...*status.User) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, u := range us {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
}

func users(t *testing.T, s status.Store) []status.User {
	t.Helper()
	var us []status.User
	read(t, s, func(tx status.Tx) error {
		var err error
		us, err = tx.Users()
		return err
	})
	return us
}

func testUserRoundTrip(t *testing.T, s status.Store) {
	check(t, "Users of an empty store", users(t, s), []status.User(nil))
	full := fullUser()
	requireAllSet(t, full)
	minimal := &status.User{ID: "u-min", Name: "bob", Role: status.RoleViewer, PasswordHash: "h"}
	alice, ops := newUser("u-alice", "Alice", status.RoleAdmin), newUser("u-ops", "_ops", status.RoleEditor)
	createUsers(t, s, minimal, full, ops, alice)

	read(t, s, func(tx status.Tx) error {
		for _, want := range []*status.User{full, minimal, alice} {
			got, err := tx.User(want.ID)
			if err != nil {
				return err
			}
			check(t, "User "+want.ID, got, want)
		}
		_, err := tx.User("nope")
		wantCode(t, "User unknown", err, status.ENOTFOUND)

		// Login names match regardless of case, Unicode included; the name comes back as
		// stored.
		for name, want := range map[string]*status.User{
			"Alice": alice, "alice": alice, "ALICE": alice, "Élodie.K": full, "éLODIE.k": full, "BOB": minimal,
		} {
			got, err := tx.UserByName(name)
			if err != nil {
				return fmt.Errorf("UserByName(%q): %w", name, err)
			}
			check(t, fmt.Sprintf("UserByName(%q)", name), got, want)
		}
		for _, name := range []string{"nope", "", "Alice ", "Elodie.K"} {
			_, err := tx.UserByName(name)
			wantCode(t, fmt.Sprintf("UserByName(%q)", name), err, status.ENOTFOUND)
		}
		return nil
	})
	// By name in byte order: upper case, then "_", then lower case, then non-ASCII.
	check(t, "Users", users(t, s), []status.User{*alice, *ops, *minimal, *full})
}

func testUserCreateErrors(t *testing.T, s status.Store) {
	alice, kim := newUser("u-alice", "alice", status.RoleAdmin), newUser("u-kim", "kim", status.RoleViewer)
	createUsers(t, s, alice, kim)

	with := func(id, name string, change func(u *status.User)) *status.User {
		u := newUser(id, name, status.RoleEditor)
		change(u)
		return u
	}
	same := func(*status.User) {}
	tests := []struct {
		name string
		u    *status.User
		code string
	}{
		{"taken id", with("u-alice", "someone", same), status.ECONFLICT},
		{"taken name", with("u-2", "alice", same), status.ECONFLICT},
		{"taken name in other case", with("u-2", "ALICE", same), status.ECONFLICT},
		{"taken name, Kelvin sign for K", with("u-2", "\u212Aim", same), status.ECONFLICT},
		{"no id", with("", "carol", same), status.EINVALID},
		{"no name", with("u-2", "", same), status.EINVALID},
		{"name not UTF-8", with("u-2", "caro\xff", same), status.EINVALID},
		{"no role", with("u-2", "carol", func(u *status.User) { u.Role = "" }), status.EINVALID},
		{"unknown role", with("u-2", "carol", func(u *status.User) { u.Role = "root" }), status.EINVALID},
		{"no password hash", with("u-2", "carol", func(u *status.User) { u.PasswordHash = "" }), status.EINVALID},
	}
	// A rejected CreateUser writes nothing, and fn may go on and commit.
	carol := newUser("u-carol", "carol", status.RoleEditor)
	write(t, s, func(tx status.Tx) error {
		for _, tt := range tests {
			wantCode(t, "CreateUser with "+tt.name, tx.CreateUser(tt.u), tt.code)
		}
		return tx.CreateUser(carol)
	})
	check(t, "Users after rejected creates", users(t, s), []status.User{*alice, *carol, *kim})
}

func testUserSave(t *testing.T, s status.Store) {
	before := fullUser()
	createUsers(t, s, before)
	// Every field changes; SaveUser keeps the stored name and creation time.
	after := &status.User{ID: before.ID, Name: "renamed", Role: status.RoleAdmin, PasswordHash: "$2a$12$new",
		CreatedAt: base.Add(24 * time.Hour), UpdatedAt: base.Add(3*time.Hour + 1),
		LastLoginAt: base.Add(3 * time.Hour), DisabledAt: base.Add(4*time.Hour + 5)}
	requireAllChanged(t, before, after, "ID")
	write(t, s, func(tx status.Tx) error { return tx.SaveUser(after) })
	want := *after
	want.Name, want.CreatedAt = before.Name, before.CreatedAt
	read(t, s, func(tx status.Tx) error {
		got, err := tx.User(before.ID)
		check(t, "User after SaveUser", got, &want)
		if err != nil {
			return err
		}
		got, err = tx.UserByName(before.Name)
		check(t, "UserByName after SaveUser", got, &want)
		if err != nil {
			return err
		}
		_, err = tx.UserByName(after.Name)
		wantCode(t, "UserByName of the name SaveUser was given", err, status.ENOTFOUND)
		return nil
	})

	// Zero times are cleared: the user signs in again only after being re-enabled.
	enabled := want
	enabled.LastLoginAt, enabled.DisabledAt = time.Time{}, time.Time{}
	write(t, s, func(tx status.Tx) error { return tx.SaveUser(&enabled) })

	// A rejected SaveUser writes nothing.
	bad := []*status.User{
		{ID: before.ID, Role: "", PasswordHash: "x", UpdatedAt: base.Add(9 * time.Hour)},
		{ID: before.ID, Role: "root", PasswordHash: "x", UpdatedAt: base.Add(9 * time.Hour)},
		{ID: before.ID, Role: status.RoleViewer, UpdatedAt: base.Add(9 * time.Hour)},
	}
	write(t, s, func(tx status.Tx) error {
		for _, u := range bad {
			wantCode(t, fmt.Sprintf("SaveUser(role %q, hash %q)", u.Role, u.PasswordHash), tx.SaveUser(u), status.EINVALID)
		}
		unknown := enabled
		unknown.ID = "nope"
		wantCode(t, "SaveUser unknown", tx.SaveUser(&unknown), status.ENOTFOUND)
		return nil
	})
	check(t, "Users after SaveUser", users(t, s), []status.User{enabled})
}

func session(t *testing.T, s status.Store, hash string) (*status.Session, error) {
	t.Helper()
	var got *status.Session
	var err error
	read(t, s, func(tx status.Tx) error {
		got, err = tx.Session(hash)
		return nil
	})
	return got, err
}

func newSession(hash, userID string, expires time.Time) *status.Session {
	return &status.Session{Hash: hash, UserID: userID, CSRFToken: "csrf-" + hash, Addr: "198.51.100.1",
		CreatedAt: base, LastSeenAt: base, ExpiresAt: expires}
}

func testSessions(t *testing.T, s status.Store) {
	alice, bob := newUser("u-alice", "alice", status.RoleAdmin), newUser("u-bob", "bob", status.RoleViewer)
	createUsers(t, s, alice, bob)
	full := &status.Session{Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		UserID: alice.ID, CSRFToken: "q8Zk3_Vb-Tn2", Addr: "2001:db8::7", CreatedAt: base,
		LastSeenAt: base.Add(time.Minute + 3), ExpiresAt: base.Add(12 * time.Hour)}
	requireAllSet(t, full)
	alice2 := newSession("alice-2", alice.ID, base.Add(12*time.Hour))
	bobLive := newSession("bob-live", bob.ID, base.Add(6*time.Hour))
	bobOld := newSession("bob-expired", bob.ID, base.Add(-time.Hour))
	write(t, s, func(tx status.Tx) error {
		for _, ss := range []*status.Session{full, alice2, bobLive, bobOld} {
			if err := tx.CreateSession(ss); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range []*status.Session{full, bobOld} { // expired ones too
		got, err := session(t, s, want.Hash)
		if err != nil {
			t.Fatalf("Session %s: %v", want.Hash, err)
		}
		check(t, "Session "+want.Hash, got, want)
	}
	_, err := session(t, s, "unknown")
	wantCode(t, "Session unknown", err, status.ENOTFOUND)

	// A rejected CreateSession writes nothing, and fn may go on.
	with := func(change func(ss *status.Session)) *status.Session {
		ss := newSession("new", bob.ID, base.Add(time.Hour))
		change(ss)
		return ss
	}
	write(t, s, func(tx status.Tx) error {
		for name, tt := range map[string]struct {
			ss   *status.Session
			code string
		}{
			"taken hash":   {with(func(ss *status.Session) { ss.Hash = full.Hash }), status.ECONFLICT},
			"unknown user": {with(func(ss *status.Session) { ss.UserID = "nope" }), status.ENOTFOUND},
			"no hash":      {with(func(ss *status.Session) { ss.Hash = "" }), status.EINVALID},
			"no user":      {with(func(ss *status.Session) { ss.UserID = "" }), status.EINVALID},
			"no csrf":      {with(func(ss *status.Session) { ss.CSRFToken = "" }), status.EINVALID},
			"no expiry":    {with(func(ss *status.Session) { ss.ExpiresAt = time.Time{} }), status.EINVALID},
		} {
			wantCode(t, "CreateSession with "+name, tx.CreateSession(tt.ss), tt.code)
		}
		return nil
	})
	got, _ := session(t, s, full.Hash)
	check(t, "Session after rejected creates", got, full)
	_, err = session(t, s, "new")
	wantCode(t, "Session of a rejected create", err, status.ENOTFOUND)

	// TouchSession changes LastSeenAt and ExpiresAt only.
	seen, expires := base.Add(2*time.Hour+123), base.Add(14*time.Hour+456)
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "TouchSession unknown", tx.TouchSession("unknown", seen, expires), status.ENOTFOUND)
		wantCode(t, "TouchSession with the zero expiry", tx.TouchSession(full.Hash, seen, time.Time{}), status.EINVALID)
		return tx.TouchSession(full.Hash, seen, expires)
	})
	touched := *full
	touched.LastSeenAt, touched.ExpiresAt = seen, expires
	got, _ = session(t, s, full.Hash)
	check(t, "Session after TouchSession", got, &touched)

	// DeleteSession is idempotent.
	write(t, s, func(tx status.Tx) error {
		for range 2 {
			if err := tx.DeleteSession(full.Hash); err != nil {
				return err
			}
		}
		return tx.DeleteSession("never-existed")
	})
	_, err = session(t, s, full.Hash)
	wantCode(t, "Session after DeleteSession", err, status.ENOTFOUND)

	// Expired strictly before t: bobLive expires at exactly base+6h (both truncated to the
	// microsecond) and stays.
	write(t, s, func(tx status.Tx) error {
		if n, err := tx.DeleteSessionsExpiredBefore(time.Time{}); err != nil || n != 0 {
			t.Errorf("DeleteSessionsExpiredBefore(zero) = %d, %v; want 0, nil", n, err)
		}
		n, err := tx.DeleteSessionsExpiredBefore(base.Add(6 * time.Hour))
		if n != 1 {
			t.Errorf("DeleteSessionsExpiredBefore(base+6h) = %d, want 1", n)
		}
		return err
	})
	for hash, code := range map[string]string{bobOld.Hash: status.ENOTFOUND, bobLive.Hash: "", alice2.Hash: ""} {
		_, err := session(t, s, hash)
		wantCode(t, "Session "+hash+" after DeleteSessionsExpiredBefore", err, code)
	}

	// DeleteUserSessions deletes one user's sessions only.
	write(t, s, func(tx status.Tx) error {
		for _, tt := range []struct {
			user string
			want int
		}{{bob.ID, 1}, {bob.ID, 0}, {"nope", 0}} {
			n, err := tx.DeleteUserSessions(tt.user)
			if err != nil {
				return err
			}
			if n != tt.want {
				t.Errorf("DeleteUserSessions(%s) = %d, want %d", tt.user, n, tt.want)
			}
		}
		return nil
	})
	_, err = session(t, s, bobLive.Hash)
	wantCode(t, "bob's session after DeleteUserSessions(bob)", err, status.ENOTFOUND)
	got, err = session(t, s, alice2.Hash)
	check(t, "alice's session after DeleteUserSessions(bob)", got, alice2)
	if err != nil {
		t.Error(err)
	}
}
