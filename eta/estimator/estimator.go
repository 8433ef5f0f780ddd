// Package estimator keeps the ETA model in step with the incident history in the store and
// answers status.Estimator from it. The model itself (package eta) is pure; this package
// owns when it is rebuilt: after incidents change, and hourly as recency weights age and
// the outcomes of published ranges become known. Each rebuild replays the history through
// the model's online self-correction (eta.Tracker), the same replay the backtest scores.
package estimator

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/status"
)

// Estimator implements status.Estimator over a model rebuilt in the background.
type Estimator struct {
	store status.Store
	clock status.Clock
	log   *slog.Logger
	cfg   eta.Config

	model atomic.Pointer[eta.Model]
	kick  chan struct{}

	mu      sync.Mutex // serialises rebuilds: the tracker is not safe for concurrent use
	tracker *eta.Tracker
	// backgroundAbove is the history size above which a cold replay runs in the
	// background (see Rebuild); eta.ReplayLimit, lowered by tests.
	backgroundAbove int

	// histMu guards the history as last read: what the model learns from each incident,
	// by id, and the public revision it was read at, so a rebuild reads only the incidents
	// written since (issue 19: not the whole history on every change).
	histMu  sync.Mutex
	history map[string]eta.Record
	histRev int64
}

// New returns a Estimator with an empty-history model; call Rebuild before serving.
func New(store status.Store, clock status.Clock, log *slog.Logger) *Estimator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Estimator{store: store, clock: clock, log: log, cfg: eta.DefaultConfig(), kick: make(chan struct{}, 1)}
	f.tracker, f.backgroundAbove = eta.NewTracker(f.cfg), eta.ReplayLimit
	f.model.Store(eta.Build(nil, clock.Now(), f.cfg))
	return f
}

// Record reduces an incident to what the model uses.
func Record(inc *status.Incident) eta.Record {
	r := eta.Record{ID: inc.ID, Components: inc.ComponentIDs(), Impact: string(inc.Impact), Cause: string(inc.Cause),
		Start: inc.StartedAt, Identified: inc.IdentifiedAt, Monitoring: inc.MonitoringAt}
	if !inc.Open() {
		r.End = inc.ResolvedAt
	}
	return r
}

func query(inc *status.Incident, now time.Time) eta.Query {
	return eta.Query{Components: inc.ComponentIDs(), Impact: string(inc.Impact), Cause: string(inc.Cause),
		Start: inc.StartedAt, Identified: inc.IdentifiedAt, Monitoring: inc.MonitoringAt, Now: now}
}

// Rebuild reads the incidents written since the last rebuild (the whole history the first
// time) and replaces the model. A rebuild replays the
// self-correction over the history (eta.Tracker); once the tracker is warm that costs
// little more than building the model, but a cold replay (the first rebuild, or one after
// the past was edited) rebuilds the model at every checkpoint of up to eta.ReplayLimit
// incidents, which takes tens of seconds with 10 000 incidents of history. With a history
// that large, Rebuild publishes the uncorrected model at once and the corrected one when
// the replay is done, in the background, so that serving does not wait for it; later
// rebuilds wait for it instead.
func (f *Estimator) Rebuild(ctx context.Context) error {
	recs, err := f.load(ctx)
	if err != nil {
		return fmt.Errorf("load incident history: %w", err)
	}
	f.mu.Lock()
	now := f.clock.Now()
	if len(recs) > f.backgroundAbove && f.tracker.Cold(recs) {
		f.model.Store(eta.Build(recs, now, f.cfg))
		f.log.Info("eta model: replaying its self-correction in the background", "incidents", len(recs))
		go func() {
			defer f.mu.Unlock()
			f.build(recs, now)
		}()
		return nil
	}
	defer f.mu.Unlock()
	f.build(recs, now)
	return nil
}

// load returns what the model learns from every incident, newest start first (ties by
// id): the history last read brought up to date with the incidents written since, or all
// of them on the first load or when the counts disagree.
func (f *Estimator) load(ctx context.Context) ([]eta.Record, error) {
	f.histMu.Lock()
	defer f.histMu.Unlock()
	err := f.store.Read(ctx, func(tx status.Tx) error {
		rev, err := tx.Revision()
		if err != nil {
			return err
		}
		if f.history != nil && f.histRev <= rev {
			changed, err := tx.IncidentsChangedSince(f.histRev)
			if err != nil {
				return err
			}
			n, err := tx.CountIncidents(status.IncidentFilter{})
			if err != nil {
				return err
			}
			for i := range changed {
				f.history[changed[i].ID] = Record(&changed[i])
			}
			if len(f.history) == n {
				f.histRev = rev
				return nil
			}
		}
		incs, err := tx.Incidents(status.IncidentFilter{})
		if err != nil {
			return err
		}
		f.history = make(map[string]eta.Record, len(incs))
		for i := range incs {
			f.history[incs[i].ID] = Record(&incs[i])
		}
		f.histRev = rev
		return nil
	})
	if err != nil {
		f.history = nil // read it all next time
		return nil, err
	}
	recs := make([]eta.Record, 0, len(f.history))
	for _, r := range f.history {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b eta.Record) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return recs, nil
}

// build replaces the model with the tracker's; f.mu is held.
func (f *Estimator) build(recs []eta.Record, now time.Time) {
	start := time.Now()
	f.model.Store(f.tracker.Build(recs, now))
	f.log.Debug("eta model rebuilt", "incidents", len(recs), "took", time.Since(start))
}

// OnChange is a status.Service subscriber: incident changes alter the history, and so may
// a change of unknown kind (another replica's, from an older version or an import).
// Component and maintenance changes do not: the model learns from incidents only.
func (f *Estimator) OnChange(c status.Change) {
	if c.Kind != "incident" && c.Kind != "" {
		return
	}
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Run rebuilds after changes and every hour until ctx ends.
func (f *Estimator) Run(ctx context.Context) {
	hourly := time.NewTicker(time.Hour)
	defer hourly.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
		case <-hourly.C:
		}
		if err := f.Rebuild(ctx); err != nil && ctx.Err() == nil {
			f.log.Warn("eta model rebuild failed; keeping the previous one", "err", err)
		}
	}
}

// Estimate implements status.Estimator.
func (f *Estimator) Estimate(inc *status.Incident, now time.Time) (status.Estimate, bool) {
	if !inc.Open() {
		return status.Estimate{}, false
	}
	e := f.model.Load().Estimate(query(inc, now))
	if !e.P50.After(now) {
		return status.Estimate{}, false
	}
	return status.Estimate{P50: e.P50, P80: e.P80, P90: e.P90, Samples: e.Samples, Pool: e.Pool, Few: e.Few,
		Phase: e.Phase, At: now}, true
}

// Chance implements status.Estimator.
func (f *Estimator) Chance(inc *status.Incident, announced, now time.Time) (status.Chance, bool) {
	if !inc.Open() || !announced.After(now) {
		return status.Chance{}, false
	}
	c := f.model.Load().Chance(query(inc, now), announced)
	return status.Chance{P: c.P, Met: c.Met, Of: c.Of}, true
}
