package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// testConsoleReadYourWrites checks that every console read inside a Write sees the writes
// before it, and that they commit together.
func testConsoleReadYourWrites(t *testing.T, s status.Store) {
	u := newUser("u-alice", "Alice", status.RoleEditor)
	ss := newSession("sess-1", u.ID, base.Add(time.Hour))
	tm := newTemplate("tpl-net", "network")
	pm := fullPostmortem("a")
	write(t, s, func(tx status.Tx) error {
		if err := tx.CreateIncident(newIncident("a", base)); err != nil {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		got, err := tx.UserByName("alice")
		if err != nil {
			return fmt.Errorf("UserByName inside the creating Write: %w", err)
		}
		check(t, "UserByName inside the Write", got, u)
		saved := *u
		saved.LastLoginAt, saved.UpdatedAt = base.Add(time.Minute), base.Add(time.Minute)
		if err := tx.SaveUser(&saved); err != nil {
			return err
		}
		us, err := tx.Users()
		check(t, "Users inside the Write", us, []status.User{saved})
		if err != nil {
			return err
		}

		if err := tx.CreateSession(ss); err != nil {
			return err
		}
		if err := tx.TouchSession(ss.Hash, base.Add(2*time.Minute), base.Add(2*time.Hour)); err != nil {
			return err
		}
		gotS, err := tx.Session(ss.Hash)
		if err != nil {
			return fmt.Errorf("Session inside the creating Write: %w", err)
		}
		if !gotS.ExpiresAt.Equal(stored(base.Add(2 * time.Hour))) {
			t.Errorf("Session inside the Write expires %s, want the touched expiry", gotS.ExpiresAt)
		}
		if n, err := tx.DeleteUserSessions(u.ID); err != nil || n != 1 {
			t.Errorf("DeleteUserSessions inside the Write = %d, %v; want 1", n, err)
		}
		_, err = tx.Session(ss.Hash)
		wantCode(t, "Session deleted inside the Write", err, status.ENOTFOUND)

		if err := tx.PutPostmortem(pm); err != nil {
			return err
		}
		gotP, err := tx.Postmortem("a")
		check(t, "Postmortem inside the Write", gotP, storedPostmortem(pm))
		if err != nil {
			return err
		}
		ps, err := tx.Postmortems()
		check(t, "Postmortems inside the Write", ps, []status.Postmortem{*storedPostmortem(pm)})
		if err != nil {
			return err
		}

		if err := tx.PutTemplate(tm); err != nil {
			return err
		}
		ts, err := tx.Templates()
		check(t, "Templates inside the Write", ts, []status.Template{*tm})
		if err != nil {
			return err
		}
		if err := tx.DeleteTemplate(tm.ID); err != nil {
			return err
		}
		ts, err = tx.Templates()
		check(t, "Templates after a delete inside the Write", ts, []status.Template(nil))
		return err
	})
	read(t, s, func(tx status.Tx) error {
		if _, err := tx.User(u.ID); err != nil {
			return err
		}
		_, err := tx.Postmortem("a")
		return err
	})
}
