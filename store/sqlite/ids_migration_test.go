package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/candorstatus/candor/status"
)

// TestIDsMigration opens a database written while group and component ids were both
// derived from names: a group that shares its id with a component is renamed (components
// keep theirs, which URLs, devices and FCM topics hold), its components follow it, and
// every id in use — deleted components Candor's timelines name included — stays taken.
func TestIDsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "candor.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	all := migrationFiles()
	entries, _ := fs.ReadDir(all, ".")
	for _, e := range entries {
		if e.Name() < "0008" {
			b, _ := fs.ReadFile(all, e.Name())
			before[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	if err := runMigrations(t.Context(), db, before); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO component_groups (id, name, description, position) VALUES
			('voice-calls', '{"ko":"음성 통화","en":"Voice calls"}', '{}', 0),
			('messaging', '{"en":"Messaging"}', '{}', 1),
			('old', '{"en":"Old"}', '{}', 2)`,
		`INSERT INTO components (id, name, description, group_id, position, status, showcase, only_show_if_degraded) VALUES
			('voice-calls', '{"en":"Voice calls"}', '{}', 'voice-calls', 0, 'operational', 1, 0),
			('video', '{"en":"Video"}', '{}', 'voice-calls', 1, 'operational', 1, 0),
			('chat', '{"en":"Chat"}', '{}', 'messaging', 2, 'operational', 1, 0)`,
		`INSERT INTO incidents (id, title, impact, status, cause, started_at, created_at, updated_at, source, external_id)
			VALUES ('i1', '{"en":"Down"}', 'major', 'resolved', '', 1, 1, 1, '', ''),
			('i2', '{"en":"Imported"}', 'major', 'resolved', '', 1, 1, 1, 'statuspage', 'x')`,
		// "old" was a component once (deleted since); "theirs" is another page's.
		`INSERT INTO incident_updates (id, incident_id, seq, kind, status, impact, message, components, notify, posted_by, created_at) VALUES
			('u1', 'i1', 0, 'staff', 'investigating', '', '{"en":"x"}', '[{"component_id":"old","name":{"en":"Old"},"old_status":"operational","new_status":"major_outage"}]', 1, 'ops', 1),
			('u2', 'i2', 0, 'import', 'investigating', '', '{"en":"x"}', '[{"component_id":"theirs","name":{"en":"Theirs"},"old_status":"operational","new_status":"major_outage"}]', 1, 'ops', 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Read(t.Context(), func(tx status.Tx) error {
		groups, err := tx.Groups()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range groups {
			ids = append(ids, g.ID)
		}
		if len(ids) != 3 || ids[0] != "voice-calls-group" || ids[1] != "messaging" || ids[2] != "old-group" {
			t.Errorf("group ids after the migration: %v, want voice-calls-group, messaging, old-group", ids)
		}
		if groups[0].Name.KO != "음성 통화" {
			t.Errorf("the renamed group lost its name: %+v", groups[0])
		}
		for id, group := range map[string]string{"voice-calls": "voice-calls-group", "video": "voice-calls-group", "chat": "messaging"} {
			c, err := tx.Component(id)
			if err != nil || c.GroupID != group {
				t.Errorf("component %s: %+v %v, want group %s", id, c, err, group)
			}
		}
		for id, want := range map[string]bool{"voice-calls": true, "voice-calls-group": true, "old": true, "messaging": true,
			"chat": true, "theirs": false} {
			if got, err := tx.IDTaken(id); err != nil || got != want {
				t.Errorf("IDTaken(%s) = %v %v, want %v", id, got, err, want)
			}
		}
		return nil
	})
}
