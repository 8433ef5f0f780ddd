package eta

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"time"
)

// Tracker builds models for a history that changes over time, each carrying the
// correction its replay ends with (replay.go): production's side of the one code path
// Backtest also runs. Every Build replays the correction afresh, but the model's own
// estimates at past checkpoints — the expensive part — are memoized: an estimate at a
// past moment depends only on what was known then, so as long as that past is unchanged a
// rebuild after a new incident or update builds the model only at the checkpoints that
// are new. When the past changes (an edited or deleted incident, an import of old
// history) the memo is dropped and the next Build replays from scratch.
//
// A Tracker is not safe for concurrent use.
type Tracker struct {
	cfg   Config
	limit int // ReplayLimit; tests lower it
	memo  map[predKey]prediction
	at    time.Time // the memo holds checkpoints up to here
	fp    uint64    // fingerprint of the history as known at `at`
}

// ReplayLimit bounds a Tracker's replay to the checkpoints of the most recent incidents,
// so that a cold start (and a rebuild after the past changed) stays affordable with a
// long history; the correction forgets its starting point after a few hundred outcomes
// (see the package doc), so with more incidents than this production starts the
// correction from zero this many incidents back, where Backtest starts it at the
// beginning. Below it the two replay exactly the same history.
const ReplayLimit = 1000

// NewTracker returns a Tracker that builds with cfg.
func NewTracker(cfg Config) *Tracker { return &Tracker{cfg: cfg.withDefaults(), limit: ReplayLimit} }

// Build returns the model of history as known at now, corrected by the replay of
// history's last ReplayLimit incidents up to now.
func (t *Tracker) Build(history []Record, now time.Time) *Model {
	recs := byStart(history)
	if t.memo == nil || fingerprint(recs, t.at) != t.fp {
		t.memo = map[predKey]prediction{}
	}
	next := map[predKey]prediction{}
	from := max(0, len(recs)-t.limit)
	corr := replay(recs, from, now, t.cfg, memo{prev: t.memo, next: next}, nil)
	t.memo, t.at, t.fp = next, now, fingerprint(recs, now)
	m := Build(recs, now, t.cfg)
	m.corr = corr
	return m
}

// Cold reports whether the next Build of history will replay from scratch: the first
// Build, or a past that changed since the last one.
func (t *Tracker) Cold(history []Record) bool {
	return t.memo == nil || fingerprint(byStart(history), t.at) != t.fp
}

// fingerprint hashes what Build and the replay read of the history as known at `at`: every
// record started by then, with its phases and end only if reached by then. It is a sum of
// per-record hashes, so the order of records does not matter.
func fingerprint(recs []Record, at time.Time) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	putTime := func(x time.Time) {
		v := int64(math.MinInt64)
		if !x.IsZero() && !x.After(at) {
			v = x.UnixNano()
		}
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	var sum uint64
	for i := range recs {
		r := &recs[i]
		if r.Start.After(at) {
			break // recs are ordered by start
		}
		h.Reset()
		h.Write([]byte(r.ID))
		h.Write([]byte{0})
		h.Write([]byte(normImpact(r.Impact)))
		for _, c := range r.Components {
			h.Write([]byte{0})
			h.Write([]byte(c))
		}
		putTime(r.Start)
		putTime(r.Identified)
		putTime(r.Monitoring)
		putTime(r.End)
		sum += h.Sum64()
	}
	return sum
}
