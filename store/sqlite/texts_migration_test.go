package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// TestTextsMigration opens a database written before texts were per language: a staff
// text becomes the text of every language (nothing guesses at splitting it), and Candor's
// own automatic entries, always the Korean line then the English line, are split exactly.
func TestTextsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "candor.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	all := migrationFiles()
	entries, _ := fs.ReadDir(all, ".")
	for _, e := range entries {
		if e.Name() < "0007" {
			b, _ := fs.ReadFile(all, e.Name())
			before[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	if err := runMigrations(t.Context(), db, before); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO components (id, name, description, group_id, position, status, showcase, only_show_if_degraded)
			VALUES ('api', 'API · 에이피아이', '', NULL, 0, 'operational', 1, 0)`,
		`INSERT INTO incidents (id, title, impact, status, cause, started_at, created_at, updated_at, source, external_id)
			VALUES ('i1', 'Login fails · 로그인 실패', 'major', 'investigating', '', 1, 1, 1, '', '')`,
		`INSERT INTO incident_updates (id, incident_id, seq, kind, status, impact, message, components, notify, posted_by, created_at)
			VALUES ('u1', 'i1', 0, 'staff', 'investigating', '', '로그인 장애' || char(10) || char(10) || 'Login fails', '[{"component_id":"api","name":"API","old_status":"operational","new_status":"major_outage"}]', 1, 'ops', 1)`,
		`INSERT INTO incident_updates (id, incident_id, seq, kind, status, impact, message, components, notify, posted_by, created_at)
			VALUES ('u2', 'i1', 1, 'system', 'investigating', '', '안내한 시각이 지났습니다.' || char(10) || 'The announced time passed.', '[]', 1, 'candor', 2)`,
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
		c, err := tx.Component("api")
		if err != nil || c.Name != lang.Same("API · 에이피아이") || !c.Description.IsZero() {
			t.Errorf("component %+v %v", c, err)
		}
		inc, err := tx.Incident("i1")
		if err != nil {
			t.Fatal(err)
		}
		if inc.Title != lang.Same("Login fails · 로그인 실패") {
			t.Errorf("title %+v", inc.Title)
		}
		if u := inc.Updates[0]; u.Message != lang.Same("로그인 장애\n\nLogin fails") || u.Components[0].Name != lang.Same("API") {
			t.Errorf("staff entry %+v", u)
		}
		if u := inc.Updates[1]; u.Message != (lang.Text{KO: "안내한 시각이 지났습니다.", EN: "The announced time passed."}) {
			t.Errorf("automatic entry %+v", u.Message)
		}
		return nil
	})
	var raw string
	s.reader.QueryRow(`SELECT title FROM incidents WHERE id = 'i1'`).Scan(&raw)
	if !strings.HasPrefix(raw, "{") {
		t.Errorf("title stored as %q, want the JSON object form", raw)
	}
}
