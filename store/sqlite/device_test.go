package sqlite

import (
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/candorstatus/candor/status"
)

// queryPlan returns the EXPLAIN QUERY PLAN details of query, one line each.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.reader.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestQueryPlans pins the plans the schema was designed for, on an empty database (no
// statistics), so a change to a query or an index cannot quietly turn an index walk into a
// scan of 40 million devices or of the whole job history.
func TestQueryPlans(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name    string
		query   string
		args    []any
		want    []string
		notWant []string
	}{
		{"audience: a lazy merge of ordered index runs", audienceQuery(3), []any{"ko", 10, "*", "api", "web"},
			[]string{"MERGE (UNION)", "SEARCH device_components USING PRIMARY KEY (locale=? AND component_id=?)"},
			[]string{"TEMP B-TREE", "SCAN"}},
		{"audience of one component", audienceQuery(1), []any{"ko", 10, "*"},
			[]string{"SEARCH device_components USING PRIMARY KEY (locale=? AND component_id=?)"},
			[]string{"TEMP B-TREE", "SCAN"}},
		{"claim walks pending jobs in id order", claimQuery, []any{"a", 2, 1, 10},
			[]string{"SCAN outbox_jobs USING COVERING INDEX outbox_jobs_claim"},
			[]string{"TEMP B-TREE"}},
		{"next job due reads one index entry", nextDueQuery, nil,
			[]string{"SCAN outbox_jobs USING INDEX outbox_jobs_due"},
			[]string{"TEMP B-TREE"}},
		{"a device's components", `SELECT component_id FROM device_components WHERE token = ? ORDER BY position`, []any{"t"},
			[]string{"SEARCH device_components USING COVERING INDEX device_components_token (token=?)"},
			[]string{"TEMP B-TREE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, s, tt.query, tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(plan, w) {
					t.Errorf("plan has %q:\n%s", w, plan)
				}
			}
		})
	}
}

// TestDeviceCountMatchesRows checks the triggers behind CountDevices: an upsert that
// updates counts nothing, a delete (of any number) counts down.
func TestDeviceCountMatchesRows(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	put := func(token string, comps ...string) {
		t.Helper()
		err := s.Write(ctx, func(tx status.Tx) error {
			return tx.PutDevice(&status.Device{Token: token, Platform: status.Web, Locale: "en", Components: comps,
				CreatedAt: time.Now(), UpdatedAt: time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	compare := func(what string, want int) {
		t.Helper()
		var counted, rows int
		err := s.Read(ctx, func(tx status.Tx) error {
			var err error
			counted, err = tx.CountDevices()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM devices`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if counted != want || rows != want {
			t.Errorf("%s: CountDevices = %d, rows = %d; want %d", what, counted, rows, want)
		}
	}
	compare("empty", 0)
	for i := range 5 {
		put(fmt.Sprintf("token-%020d", i), "*")
	}
	compare("after inserts", 5)
	put("token-00000000000000000001", "api", "web")
	put("token-00000000000000000002")
	compare("after replacing", 5)
	err := s.Write(ctx, func(tx status.Tx) error {
		_, err := tx.DeleteDevices([]string{"token-00000000000000000001", "nope", "token-00000000000000000001"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	compare("after a delete", 4)
	// A rolled-back delete leaves the count alone.
	s.Write(ctx, func(tx status.Tx) error {
		tx.DeleteDevices([]string{"token-00000000000000000000"})
		return fmt.Errorf("roll back")
	})
	compare("after a rolled-back delete", 4)
	var orphans int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM device_components
		WHERE token NOT IN (SELECT token FROM devices)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d subscriptions outlived their device", orphans)
	}
}

// TestUpgradeTo0003 opens a database that has the first two migrations and data: the third
// adds the device and outbox tables and starts the device count at zero.
func TestUpgradeTo0003(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_update_estimates.sql"} {
		b, err := fs.ReadFile(migrationFiles(), name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: b}
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := runMigrations(t.Context(), db, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE meta SET revision = 41`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open an 0002 database: %v", err)
	}
	defer s.Close()
	err = s.Write(t.Context(), func(tx status.Tx) error {
		if rev, err := tx.Revision(); err != nil || rev != 41 {
			t.Errorf("Revision after the upgrade = %d, %v; want 41", rev, err)
		}
		if n, err := tx.CountDevices(); err != nil || n != 0 {
			t.Errorf("CountDevices after the upgrade = %d, %v; want 0", n, err)
		}
		if err := tx.PutDevice(&status.Device{Token: "token-after-upgrade-1", Locale: "ko", Components: []string{"*"}}); err != nil {
			return err
		}
		if n, err := tx.CountDevices(); err != nil || n != 1 {
			t.Errorf("CountDevices after a registration = %d, %v; want 1", n, err)
		}
		return tx.InsertJobs([]status.OutboxJob{{Kind: status.JobSubscribe, Status: status.JobPending, NextAttemptAt: time.Now()}})
	})
	if err != nil {
		t.Fatal(err)
	}
}
