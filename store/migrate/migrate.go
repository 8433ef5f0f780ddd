// Package migrate applies numbered SQL schema changes to a database the same way for every
// store: files named NNNN_name.sql, in version order, each once, each in one transaction
// together with its record, and never to a database whose schema is newer than the build.
//
// The stores keep what differs between them: how a run is serialised (SQLite's write lock,
// PostgreSQL's advisory lock), the schema_migrations table's column types, and checks
// particular to one engine (SQLite's foreign_key_check after a table rebuild). Their
// histories are separate directories because the SQL is dialect-specific; a version
// number means something only within one store.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string // the file name, recorded with the version
	SQL     string
}

var fileName = regexp.MustCompile(`^([0-9]+)_[a-z0-9_]+\.sql$`)

// Load reads the *.sql files at the top of fsys, ordered by version. A file with another
// name, a version below 1 or two files sharing a version are refused: they would make the
// order ambiguous.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		v, err := strconv.Atoi(m[1])
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: bad version", e.Name())
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].Name, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}

// Target is one database's side of a run. The caller holds whatever keeps other
// migrators out for the whole run, so what Applied reports stays true until Run ends.
type Target interface {
	// Applied returns the versions the database has recorded.
	Applied(ctx context.Context) ([]int, error)
	// Apply runs m and records it in one transaction: a failure leaves neither.
	Apply(ctx context.Context, m Migration) error
}

// Run applies, in order, the migrations of ms that t has not recorded. It stops at the
// first failure, leaving those before it applied, so a fixed build carries on from there.
// It refuses a database that has recorded a version newer than any in ms: that database
// was written by a newer build, and this one would misread it.
func Run(ctx context.Context, t Target, ms []Migration) error {
	versions, err := t.Applied(ctx)
	if err != nil {
		return fmt.Errorf("load schema version: %w", err)
	}
	applied := make(map[int]bool, len(versions))
	newest := 0
	for _, v := range versions {
		applied[v] = true
		newest = max(newest, v)
	}
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	if newest > known {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d): upgrade Candor", newest, known)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := t.Apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}
