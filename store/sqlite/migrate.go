package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/candorstatus/candor/store/migrate"
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

// runMigrations applies the migrations in fsys that db has not recorded yet, in version order,
// each in its own transaction, and records them in schema_migrations.
//
// Foreign key enforcement is off while a migration runs, so a migration may rebuild a table
// the SQLite way (create new, copy, drop old, rename) without the drop cascading to other
// tables; PRAGMA foreign_key_check must pass before the migration commits.
func runMigrations(ctx context.Context, db *sql.DB, fsys fs.FS) (err error) {
	ms, err := migrate.Load(fsys)
	if err != nil {
		return err
	}
	// A dedicated connection: PRAGMA foreign_keys is per connection and cannot change
	// inside a transaction.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("disable foreign keys: %w", err)
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); ferr != nil {
			err = errors.Join(err, fmt.Errorf("enable foreign keys: %w", ferr))
			// Never hand the pool a connection without foreign keys.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return migrate.Run(ctx, target{conn}, ms)
}

// target is the SQLite side of a migrate.Run on one connection.
type target struct{ conn *sql.Conn }

func (t target) Applied(ctx context.Context) ([]int, error) {
	rows, err := t.conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

func (t target) Apply(ctx context.Context, m migrate.Migration) error {
	return applyMigration(ctx, t.conn, m)
}

// applyMigration runs m in one transaction unless it is already recorded. The check is
// inside the transaction, which holds the write lock (BEGIN IMMEDIATE), so two processes
// opening the same new file apply it once: the list migrate.Run works from was read
// before that lock.
func applyMigration(ctx context.Context, conn *sql.Conn, m migrate.Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	violation := rows.Next()
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if violation {
		return errors.New("foreign key violations after migration")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}
