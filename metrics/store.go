package metrics

import (
	"context"
	"time"

	"github.com/candorstatus/candor/status"
)

// Store wraps s so that every transaction and ping is timed. Timing the transaction, not
// each statement, measures what callers wait for (a write includes fsync, or the commit's
// round trip) at the one boundary every store shares.
func (m *Metrics) Store(s status.Store) status.Store { return &timedStore{Store: s, m: m} }

type timedStore struct {
	status.Store
	m *Metrics
}

func (t *timedStore) observe(op string, start time.Time, err error) {
	t.m.store.WithLabelValues(op, outcome(err)).Observe(time.Since(start).Seconds())
}

func (t *timedStore) Read(ctx context.Context, fn func(status.Tx) error) error {
	start := time.Now()
	err := t.Store.Read(ctx, fn)
	t.observe("read", start, err)
	return err
}

func (t *timedStore) Write(ctx context.Context, fn func(status.Tx) error) error {
	start := time.Now()
	err := t.Store.Write(ctx, fn)
	t.observe("write", start, err)
	return err
}

func (t *timedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := t.Store.Ping(ctx)
	t.observe("ping", start, err)
	return err
}
