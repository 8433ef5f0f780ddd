package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/internal/testenv"
	"github.com/candorstatus/candor/lang"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/storetest"
)

// urlEnv names the variable that points the tests at a PostgreSQL server.
const urlEnv = "CANDOR_TEST_POSTGRES_URL"

// serverURL returns the test server's URL; when none is set the test skips, or fails when
// CANDOR_REQUIRE lists postgres.
func serverURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(urlEnv)
	if u == "" {
		testenv.Missing(t, testenv.Postgres, urlEnv+" is not set "+
			"(e.g. "+urlEnv+"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// admin runs statements on the test server outside any store, failing the test on error.
func admin(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL(t))
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newSchema creates a throwaway schema, dropped when the test ends, and returns a URL whose
// connections use it, so parallel and repeated runs never meet.
func newSchema(t *testing.T) string {
	t.Helper()
	base := serverURL(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "candor_test_" + hex.EncodeToString(b)
	admin(t, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { admin(t, `DROP SCHEMA `+schema+` CASCADE`) })
	return withSearchPath(t, base, schema)
}

// withSearchPath returns base with search_path set to schema. pgx sends parameters it does
// not know to the server as settings.
func withSearchPath(t *testing.T, base, schema string) string {
	t.Helper()
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema // key=value form
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", urlEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openTest opens a store on dbURL and closes it when the test ends.
func openTest(t *testing.T, dbURL string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	serverURL(t)
	storetest.Run(t, func(t *testing.T) status.Store {
		return openTest(t, newSchema(t))
	})
}

// TestFailedStatementKeepsTxUsable covers failures the contract suite cannot cause in SQLite:
// text PostgreSQL refuses is EINVALID, and the transaction goes on.
func TestFailedStatementKeepsTxUsable(t *testing.T) {
	s := openTest(t, newSchema(t))
	err := s.Write(t.Context(), func(tx status.Tx) error {
		// Texts are stored as JSON, which escapes a NUL; a group id is stored as it is.
		bad := &status.Component{ID: "nul", GroupID: "a\x00b", Name: lang.Same("A"), Status: status.Operational}
		if code := status.ErrorCode(tx.CreateComponent(bad)); code != status.EINVALID {
			t.Errorf("CreateComponent with a NUL byte: code %q, want %q", code, status.EINVALID)
		}
		return tx.CreateComponent(&status.Component{ID: "ok", Name: lang.Same("OK"), Status: status.Operational})
	})
	if err != nil {
		t.Fatalf("Write after a refused statement: %v", err)
	}
	s.Read(t.Context(), func(tx status.Tx) error {
		if _, err := tx.Component("ok"); err != nil {
			t.Errorf("component written after the refused one: %v", err)
		}
		return nil
	})
}
