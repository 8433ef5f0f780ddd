package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/store/migrate"
)

// TestMigrateConcurrentOpen starts several replicas at once on an empty schema: each Open
// succeeds and each migration is applied once.
func TestMigrateConcurrentOpen(t *testing.T) {
	dbURL := newSchema(t)
	const replicas = 3
	var wg sync.WaitGroup
	stores := make([]*Store, replicas)
	errs := make([]error, replicas)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for i := range replicas {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dbURL) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}

	ms, err := migrate.Load(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	s := stores[0]
	applied := func() []string {
		t.Helper()
		rows, err := s.pool.Query(ctx, `SELECT name FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	if got := applied(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("schema_migrations = %v, want each of %v once", got, want)
	}
	// Migrate is idempotent.
	for _, s := range stores {
		if err := s.Migrate(ctx); err != nil {
			t.Errorf("Migrate again: %v", err)
		}
	}
	if got := applied(); len(got) != len(want) {
		t.Errorf("schema_migrations after Migrate again = %v, want %v", got, want)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// TestMigrateRefusesNewerSchema checks that a binary never runs on a schema it does not know.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	dbURL := newSchema(t)
	s := openTest(t, dbURL)
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate on a newer schema: %v, want a refusal", err)
	}
	s2, err := Open(t.Context(), dbURL)
	if err == nil {
		s2.Close()
		t.Fatal("Open on a newer schema succeeded")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open on a newer schema: %v, want a refusal naming the newer version", err)
	}
}

// TestMigrationFailureRollsBack applies a broken migration after a good one: the good one
// stays recorded, the broken one leaves nothing behind, and a fixed build carries on.
func TestMigrationFailureRollsBack(t *testing.T) {
	s := openTest(t, newSchema(t))
	ctx := t.Context()
	ms, err := migrate.Load(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	next := ms[len(ms)-1].Version + 1
	good := migrate.Migration{Version: next, Name: "good", SQL: `CREATE TABLE extra_good (id integer)`}
	bad := migrate.Migration{Version: next + 1, Name: "bad", SQL: `CREATE TABLE extra_bad (id integer); SELECT 1/0`}
	if err := s.migrate(ctx, append(ms, good, bad)); err == nil {
		t.Fatal("migrate with a failing migration succeeded")
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version >= $1`, next).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d of the new migrations recorded, want only the good one", n)
	}
	var bad2 *string
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('extra_bad')::text`).Scan(&bad2); err != nil {
		t.Fatal(err)
	}
	if bad2 != nil {
		t.Error("the failed migration's table exists")
	}
	fixed := migrate.Migration{Version: next + 1, Name: "fixed", SQL: `CREATE TABLE extra_bad (id integer)`}
	if err := s.migrate(ctx, append(ms, good, fixed)); err != nil {
		t.Errorf("migrate with the fixed migration: %v", err)
	}
}
