package eta

import "time"

// Config holds the model's few constants. DefaultConfig documents the defaults and why.
type Config struct {
	// HalfLife is the age at which a past incident counts half as much as one starting
	// now. Teams, architecture and status-page habits drift over the years, so recent
	// history is the better guide; but the tail quantiles need effective incidents, and
	// most status pages see a few dozen incidents a year: with a rate of r a year, a
	// half-life h leaves about 2.9·r·h effective incidents (Kish), before conditioning on
	// elapsed time and phase thins them further.
	HalfLife time.Duration
	// Shrinkage is the strength k of the pull of a pool toward its parent: a pool with n
	// effective comparable incidents gets weight n/(n+k) and its parent the rest. k is
	// "a handful of incidents": a pool of k incidents is trusted as much as everything
	// broader. It is used as is between phase-specific and whole-pool curves and between
	// the data and the parametric fit; for impact and components+impact pools it is the
	// floor of an empirical-Bayes strength that grows when those pools do not differ
	// (see shrink.go).
	Shrinkage float64
	// PriorMedian and PriorShape define the log-logistic prior of incident durations
	// (median, and tail exponent β: P(T > t) ~ t^-β). See burr for sources.
	PriorMedian time.Duration
	PriorShape  float64
	// FewBelow marks an estimate as Few when it rests on fewer effective incidents.
	FewBelow int
	// MinRemaining is the smallest remaining time ever announced: an estimate must never
	// point at the past, and less than a minute is not a useful promise.
	MinRemaining time.Duration
}

// DefaultConfig returns the documented defaults:
//   - a two-year half-life: a page with 30 incidents a year keeps about 170 effective
//     ones, while incidents four years old count a quarter;
//   - shrinkage strength 5 (see shrink.go);
//   - a log-logistic prior with median 90 minutes and tail exponent 1.2, so the prior's
//     P90 is about 9 hours and its P99 about 3 days, in line with the published heavy
//     tails cited on burr;
//   - Few below 10 effective incidents, and at least one minute remaining.
func DefaultConfig() Config {
	return Config{
		HalfLife:     2 * 365 * 24 * time.Hour,
		Shrinkage:    5,
		PriorMedian:  90 * time.Minute,
		PriorShape:   1.2,
		FewBelow:     10,
		MinRemaining: time.Minute,
	}
}

// withDefaults fills zero fields so that a partly filled Config still works.
func (cfg Config) withDefaults() Config {
	d := DefaultConfig()
	if cfg.HalfLife <= 0 {
		cfg.HalfLife = d.HalfLife
	}
	if cfg.Shrinkage <= 0 {
		cfg.Shrinkage = d.Shrinkage
	}
	if cfg.PriorMedian <= 0 {
		cfg.PriorMedian = d.PriorMedian
	}
	if cfg.PriorShape <= 0 {
		cfg.PriorShape = d.PriorShape
	}
	if cfg.FewBelow <= 0 {
		cfg.FewBelow = d.FewBelow
	}
	if cfg.MinRemaining <= 0 {
		cfg.MinRemaining = d.MinRemaining
	}
	return cfg
}
