package postgres

import (
	"context"
	"embed"
	"io/fs"

	"github.com/candorstatus/candor/store/migrate"
	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// migrationFiles returns the embedded migrations directory.
func migrationFiles() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Migrate applies the embedded migrations the database has not recorded yet, in version
// order, each in its own transaction, and records them in schema_migrations. It is
// idempotent, and safe to run from several replicas at once: it holds a session advisory
// lock while it works. It refuses a database whose schema is newer than this build.
func (s *Store) Migrate(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed()
	}
	ms, err := migrate.Load(migrationFiles())
	if err != nil {
		return err
	}
	return s.migrate(ctx, ms)
}

func (s *Store) migrate(ctx context.Context, ms []migrate.Migration) error {
	// A connection of its own: the session lock goes with it when it closes, however this
	// ends.
	conn, err := pgx.ConnectConfig(ctx, s.connConfig.Copy())
	if err != nil {
		return dbError(ctx, err, true, "migrate: connect")
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		conn.Close(ctx)
	}()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, s.migrateKey); err != nil {
		return dbError(ctx, err, true, "migrate: lock")
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return dbError(ctx, err, true, "migrate: create schema_migrations")
	}
	// The lock keeps every other migrator out, so what is recorded stays true until it ends.
	if err := migrate.Run(ctx, target{conn}, ms); err != nil {
		return dbError(ctx, err, true, "migrate")
	}
	return nil
}

// target is the PostgreSQL side of a migrate.Run on one locked connection.
type target struct{ conn *pgx.Conn }

func (t target) Applied(ctx context.Context) ([]int, error) {
	rows, err := t.conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

func (t target) Apply(ctx context.Context, m migrate.Migration) error {
	return applyMigration(ctx, t.conn, m)
}

// applyMigration runs m and records it in one transaction.
func applyMigration(ctx context.Context, conn *pgx.Conn, m migrate.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// No arguments: the simple protocol, which runs every statement of the file.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
