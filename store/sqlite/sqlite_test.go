package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/migrate"
	"github.com/candorstatus/candor/store/storetest"
)

// openTest opens a store in a fresh directory (a missing subdirectory, which Open creates)
// and closes it when the test ends.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "candor-data", "candor.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) status.Store {
		s, _ := openTest(t)
		return s
	})
}

func TestPragmasOnEveryConnection(t *testing.T) {
	s, _ := openTest(t)
	want := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"busy_timeout": "10000",
	}
	pools := []struct {
		name      string
		db        *sql.DB
		conns     int
		queryOnly string
	}{
		{"writer", s.writer, 1, "0"},
		{"reader", s.reader, 4, "1"},
	}
	for _, p := range pools {
		t.Run(p.name, func(t *testing.T) {
			// Hold several connections at once so the pool has to open each.
			var conns []*sql.Conn
			for range p.conns {
				c, err := p.db.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			for i, c := range conns {
				for pragma, v := range want {
					if got := pragmaValue(t, c, pragma); got != v {
						t.Errorf("conn %d: PRAGMA %s = %q, want %q", i, pragma, got, v)
					}
				}
				if got := pragmaValue(t, c, "query_only"); got != p.queryOnly {
					t.Errorf("conn %d: PRAGMA query_only = %q, want %q", i, got, p.queryOnly)
				}
				c.Close()
			}
		})
	}
}

func pragmaValue(t *testing.T, c *sql.Conn, name string) string {
	t.Helper()
	var v string
	if err := c.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return strings.ToLower(v)
}

// TestWriteTakesLockAtBegin checks BEGIN IMMEDIATE: as soon as a Write starts, before it
// writes anything, another connection cannot start writing.
func TestWriteTakesLockAtBegin(t *testing.T) {
	s, path := openTest(t)
	other, err := sql.Open("sqlite", path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = s.Write(t.Context(), func(status.Tx) error {
		_, err := other.ExecContext(t.Context(), `BEGIN IMMEDIATE`)
		if err == nil {
			other.ExecContext(t.Context(), `ROLLBACK`)
			t.Error("another connection began a write transaction during a Write, want SQLITE_BUSY")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	s, path := openTest(t)
	if err := s.Write(t.Context(), func(tx status.Tx) error {
		if _, err := tx.BumpRevision(""); err != nil {
			return err
		}
		return tx.CreateComponent(&status.Component{ID: "api", Name: lang.Same("API"), Status: status.Operational})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ms, err := migrate.Load(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		err = s.Read(t.Context(), func(tx status.Tx) error {
			if rev, err := tx.Revision(); err != nil || rev != 1 {
				t.Errorf("reopen %d: Revision = %d, %v; want 1", i, rev, err)
			}
			_, err := tx.Component("api")
			return err
		})
		if err != nil {
			t.Errorf("reopen %d: %v", i, err)
		}
		var rows, versions int
		if err := s.reader.QueryRowContext(t.Context(),
			`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
			t.Fatal(err)
		}
		if rows != len(ms) || versions != len(ms) {
			t.Errorf("reopen %d: schema_migrations has %d rows, %d versions; want %d", i, rows, versions, len(ms))
		}
		s.Close()
	}
}

func TestMigrate(t *testing.T) {
	openDB := func(t *testing.T) *sql.DB {
		t.Helper()
		db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), false))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	tables := func(t *testing.T, db *sql.DB) string {
		t.Helper()
		var names sql.NullString
		if err := db.QueryRow(`SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema
			WHERE type = 'table' AND name LIKE 't%' ORDER BY name)`).Scan(&names); err != nil {
			t.Fatal(err)
		}
		return names.String
	}
	// 2 sorts after 10 as text: versions are numbers.
	good := fstest.MapFS{
		"10_second.sql": {Data: []byte(`ALTER TABLE t1 ADD COLUMN b TEXT; CREATE TABLE t2 (x);`)},
		"2_first.sql":   {Data: []byte(`CREATE TABLE t1 (a); INSERT INTO t1 (a) VALUES (1);`)},
	}

	t.Run("applies in version order, once", func(t *testing.T) {
		db := openDB(t)
		for range 2 {
			if err := runMigrations(t.Context(), db, good); err != nil {
				t.Fatal(err)
			}
		}
		if got := tables(t, db); got != "t1,t2" {
			t.Errorf("tables = %q, want t1,t2", got)
		}
		var n int
		db.QueryRow(`SELECT count(*) FROM t1`).Scan(&n)
		if n != 1 {
			t.Errorf("t1 has %d rows, want 1: a migration ran twice", n)
		}
	})

	t.Run("failed migration rolls back alone", func(t *testing.T) {
		db := openDB(t)
		bad := fstest.MapFS{
			"1_ok.sql":  good["2_first.sql"],
			"2_bad.sql": {Data: []byte(`CREATE TABLE t3 (x); INSERT INTO nope VALUES (1);`)},
		}
		if err := runMigrations(t.Context(), db, bad); err == nil || !strings.Contains(err.Error(), "2_bad.sql") {
			t.Fatalf("migrate = %v, want an error naming 2_bad.sql", err)
		}
		if got := tables(t, db); got != "t1" {
			t.Errorf("tables = %q, want t1 only", got)
		}
		var versions string
		db.QueryRow(`SELECT group_concat(version) FROM schema_migrations`).Scan(&versions)
		if versions != "1" {
			t.Errorf("recorded versions %q, want 1", versions)
		}
		var fk int
		db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
		if fk != 1 {
			t.Error("foreign keys left off after a failed migration")
		}
	})

	t.Run("foreign key violations fail the migration", func(t *testing.T) {
		db := openDB(t)
		fsys := fstest.MapFS{"1_fk.sql": {Data: []byte(`CREATE TABLE tp (id INTEGER PRIMARY KEY);
			CREATE TABLE tc (p INTEGER REFERENCES tp (id)); INSERT INTO tc VALUES (7);`)}}
		if err := runMigrations(t.Context(), db, fsys); err == nil {
			t.Fatal("migrate succeeded, want a foreign key error")
		}
		if got := tables(t, db); got != "" {
			t.Errorf("tables = %q, want none", got)
		}
	})

	t.Run("newer database refused", func(t *testing.T) {
		db := openDB(t)
		if err := runMigrations(t.Context(), db, good); err != nil {
			t.Fatal(err)
		}
		older := fstest.MapFS{"2_first.sql": good["2_first.sql"]}
		if err := runMigrations(t.Context(), db, older); err == nil {
			t.Error("migrate with fewer migrations than applied succeeded, want an error")
		}
	})

	for name, fsys := range map[string]fstest.MapFS{
		"bad name":          {"first.sql": {Data: []byte(`SELECT 1;`)}},
		"duplicate version": {"1_a.sql": {Data: []byte(`SELECT 1;`)}, "01_b.sql": {Data: []byte(`SELECT 1;`)}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := runMigrations(t.Context(), openDB(t), fsys); err == nil {
				t.Error("migrate succeeded, want an error")
			}
		})
	}
}

func TestPingDeletedFile(t *testing.T) {
	s, path := openTest(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	if code := status.ErrorCode(s.Ping(t.Context())); code != status.EUNAVAILABLE {
		t.Errorf("Ping on a deleted database: code %q, want %q", code, status.EUNAVAILABLE)
	}
	// Open connections still reach the unlinked file, and SQLite would write to it: a
	// change acknowledged there is lost at the next start.
	err := s.Write(t.Context(), func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err })
	if code := status.ErrorCode(err); code != status.EUNAVAILABLE {
		t.Errorf("Write on a deleted database: %v (code %q), want %q", err, code, status.EUNAVAILABLE)
	}
}

func TestReplacedFileUnavailable(t *testing.T) {
	s, path := openTest(t)
	other := filepath.Join(filepath.Dir(path), "restored.db")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if code := status.ErrorCode(s.Ping(t.Context())); code != status.EUNAVAILABLE {
		t.Errorf("Ping on a replaced database: code %q, want %q", code, status.EUNAVAILABLE)
	}
	err := s.Write(t.Context(), func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err })
	if code := status.ErrorCode(err); code != status.EUNAVAILABLE {
		t.Errorf("Write on a replaced database: %v (code %q), want %q", err, code, status.EUNAVAILABLE)
	}
}

func TestWriteWaitsOnOtherProcessThenUnavailable(t *testing.T) {
	s, path := openTest(t)
	// Another process holds the write lock longer than the caller will wait.
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	if _, err := other.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer other.ExecContext(context.Background(), `ROLLBACK`)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err = s.Write(ctx, func(status.Tx) error { return nil })
	if code := status.ErrorCode(err); code != status.EUNAVAILABLE {
		t.Errorf("Write while another process writes: %v (code %q), want %q", err, code, status.EUNAVAILABLE)
	}
	// Reads still work.
	if err := s.Read(t.Context(), func(tx status.Tx) error { _, err := tx.Revision(); return err }); err != nil {
		t.Errorf("Read while another process writes: %v", err)
	}
}

func TestFileIsOwnerOnly(t *testing.T) {
	_, path := openTest(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("database file mode %v, want no group or other access", perm)
	}
}

func TestOpenRejectsDSN(t *testing.T) {
	for _, p := range []string{"", "x.db?_pragma=foreign_keys(0)", "file:x.db"} {
		if _, err := Open(t.Context(), p); status.ErrorCode(err) != status.EINVALID {
			t.Errorf("Open(%q) = %v, want EINVALID", p, err)
		}
	}
}
