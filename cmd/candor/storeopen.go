package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/candorstatus/candor/app"
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

func (f storeFlags) open(ctx context.Context) (*app.Store, error) {
	url := strings.TrimSpace(*f.databaseURL)
	if url != "" && !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("--database-url must start with postgres:// or postgresql://")
	}
	return app.OpenStore(ctx, *f.dataDir, url)
}
