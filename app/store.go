package app

import (
	"context"
	"fmt"

	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/sqlite"
)

// Store is an open store with what differs between back ends.
type Store struct {
	status.Store
	// Locker runs each periodic job on one replica (PostgreSQL) or locally (SQLite).
	Locker periodic.Locker
	// Listen, when set, calls fn with each revision another replica commits and the kind
	// of change it was ("" when unknown).
	Listen func(ctx context.Context, fn func(rev int64, kind string)) error
	// Desc names it for logs: "postgresql" or "sqlite PATH".
	Desc string
}

// OpenStore opens PostgreSQL at databaseURL when it is set, else the embedded SQLite in
// dataDir, applying migrations.
func OpenStore(ctx context.Context, dataDir, databaseURL string) (*Store, error) {
	if databaseURL != "" {
		st, err := postgres.Open(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		return &Store{Store: st, Locker: st, Listen: st.Listen, Desc: "postgresql"}, nil
	}
	st, err := sqlite.Open(ctx, DBPath(dataDir))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dataDir, err)
	}
	return &Store{Store: st, Locker: periodic.LocalLocker{}, Desc: "sqlite " + DBPath(dataDir)}, nil
}
