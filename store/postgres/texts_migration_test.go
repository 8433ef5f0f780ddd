package postgres

import (
	"testing"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// TestTextsMigration runs migration 0005 over texts written before texts were per
// language, as SQLite's TestTextsMigration does for 0007.
func TestTextsMigration(t *testing.T) {
	s := openTest(t, newSchema(t))
	ctx := t.Context()
	for _, q := range []string{
		`DELETE FROM schema_migrations WHERE version = 5`,
		`INSERT INTO components (id, name, description, group_id, position, status, showcase, only_show_if_degraded)
			VALUES ('api', 'API · 에이피아이', '', NULL, 0, 'operational', true, false)`,
		`INSERT INTO incidents (id, title, impact, status, cause, started_at, created_at, updated_at, source, external_id)
			VALUES ('i1', 'Login fails', 'major', 'investigating', '', now(), now(), now(), '', '')`,
		`INSERT INTO incident_updates (id, incident_id, seq, kind, status, impact, message, components, notify, posted_by, created_at)
			VALUES ('u1', 'i1', 0, 'staff', 'investigating', '', E'로그인 장애\n\nLogin fails', '[{"component_id":"api","name":"API","old_status":"operational","new_status":"major_outage"}]', true, 'ops', now())`,
		`INSERT INTO incident_updates (id, incident_id, seq, kind, status, impact, message, components, notify, posted_by, created_at)
			VALUES ('u2', 'i1', 1, 'system', 'investigating', '', E'안내한 시각이 지났습니다.\nThe announced time passed.', '[]', true, 'candor', now())`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.Read(ctx, func(tx status.Tx) error {
		c, err := tx.Component("api")
		if err != nil || c.Name != lang.Same("API · 에이피아이") || !c.Description.IsZero() {
			t.Errorf("component %+v %v", c, err)
		}
		inc, err := tx.Incident("i1")
		if err != nil {
			t.Fatal(err)
		}
		if inc.Title != lang.Same("Login fails") {
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
}
