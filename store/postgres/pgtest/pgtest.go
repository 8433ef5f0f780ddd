// Package pgtest gives tests in any package a throwaway PostgreSQL schema on the server
// named by CANDOR_TEST_POSTGRES_URL, and skips them with a clear message when it is unset.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/internal/testenv"
)

// URLEnv names the variable holding the test server's URL.
const URLEnv = "CANDOR_TEST_POSTGRES_URL"

// ServerURL returns the test server's URL; when none is set the test skips, or fails when
// CANDOR_REQUIRE lists postgres.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(URLEnv)
	if u == "" {
		testenv.Missing(t, testenv.Postgres, URLEnv+" is not set "+
			"(e.g. "+URLEnv+"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

func admin(t testing.TB, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerURL(t))
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// NewSchema creates a schema dropped when the test ends and returns a URL whose
// connections use it, so parallel and repeated runs never meet.
func NewSchema(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "candor_test_" + hex.EncodeToString(b)
	admin(t, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { admin(t, `DROP SCHEMA `+schema+` CASCADE`) })
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", URLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
