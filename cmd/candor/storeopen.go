package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/candorstatus/candor/jobs"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/sqlite"
)

// storeFlags are the flags every command that opens the store shares.
type storeFlags struct {
	dataDir     *string
	databaseURL *string
}

func registerStore(fs *flag.FlagSet, env Env) storeFlags {
	return storeFlags{
		dataDir: dataDirFlag(fs, env),
		databaseURL: fs.String("database-url", envOr(env, "CANDOR_DATABASE_URL", ""),
			"PostgreSQL URL (postgres://…); when set, used instead of the embedded SQLite in --data-dir (env CANDOR_DATABASE_URL)"),
	}
}

// openedStore is a store with what differs between back ends.
type openedStore struct {
	status.Store
	// locker runs each periodic job on one replica (PostgreSQL) or locally (SQLite).
	locker jobs.Locker
	// listen, when set, calls fn with each revision another replica commits.
	listen func(ctx context.Context, fn func(int64)) error
	desc   string
}

func (f storeFlags) open(ctx context.Context) (*openedStore, error) {
	if url := strings.TrimSpace(*f.databaseURL); url != "" {
		if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
			return nil, fmt.Errorf("--database-url must start with postgres:// or postgresql://")
		}
		st, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		return &openedStore{Store: st, locker: st, listen: st.Listen, desc: "postgresql"}, nil
	}
	st, err := sqlite.Open(ctx, dbPath(*f.dataDir))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", *f.dataDir, err)
	}
	return &openedStore{Store: st, locker: jobs.LocalLocker{}, desc: "sqlite " + dbPath(*f.dataDir)}, nil
}
