package eta

import (
	"math"
	"testing"
	"time"
)

// closeTimes reports whether a and b are within a second: the replay's builds start each
// parametric fit from the previous one, production's full build from the prior, and the
// two optima agree far below that.
func closeTimes(a, b time.Time) bool { return a.Sub(b).Abs() < time.Second }

func TestTrackerPublishesWhatTheBacktestScores(t *testing.T) {
	// One code path: at any moment, the range production publishes (Tracker.Build, then
	// Estimate) is the range the backtest scored for that moment.
	recs := byStart(driftService(260, 150, 2, 100, 7))
	var points []evalPoint
	replayAll(t, recs, func(p evalPoint) { points = append(points, p) })
	tr := NewTracker(DefaultConfig())
	checked := 0
	for i := 40; i < len(points); i += len(points) / 8 {
		p := points[i]
		e := tr.Build(recs, p.q.Now).Estimate(p.q)
		got := [3]time.Time{e.P50, e.P80, e.P90}
		want := [3]time.Time{p.at[lvl50], p.at[lvl80], p.at[lvl90]}
		for l := range got {
			if !closeTimes(got[l], want[l]) {
				t.Errorf("%s at %v: production publishes %v, the backtest scored %v", p.rec.ID, p.q.Now, got, want)
				break
			}
		}
		checked++
	}
	if checked < 6 {
		t.Fatalf("only %d moments checked", checked)
	}
}

func TestTrackerMemo(t *testing.T) {
	recs := byStart(driftService(200, 200, 1, 100, 8))
	now := recs[150].Start.Add(30 * time.Minute)
	q := Query{Impact: "minor", Components: []string{"api"}, Start: now.Add(-45 * time.Minute), Now: now}
	fresh := func(h []Record, at time.Time) Estimate { return NewTracker(DefaultConfig()).Build(h, at).Estimate(q) }

	tr := NewTracker(DefaultConfig())
	if e, f := tr.Build(recs, now).Estimate(q), fresh(recs, now); e != f {
		t.Fatalf("first build %+v, fresh tracker %+v", e, f)
	}
	if len(tr.memo) == 0 {
		t.Fatal("nothing memoized")
	}
	// Poison the memo: a rebuild of an unchanged past must use it, so it publishes
	// something else than a fresh tracker.
	for k, p := range tr.memo {
		for l := range p.raw {
			p.raw[l] *= 5
		}
		tr.memo[k] = p
	}
	if e, f := tr.Build(recs, now).Estimate(q), fresh(recs, now); e == f {
		t.Error("rebuild with an unchanged past did not use the memo")
	}
	// Time passing and history growing keep the past: the memo is still used.
	later := now.Add(10 * 24 * time.Hour)
	q.Now = later
	if e, f := tr.Build(recs, later).Estimate(q), fresh(recs, later); e == f {
		t.Error("rebuild with a grown history did not use the memo")
	}
	// An edited past drops it.
	edited := append([]Record(nil), recs...)
	edited[20].End = edited[20].End.Add(3 * time.Hour)
	if e, f := tr.Build(edited, later).Estimate(q), fresh(edited, later); e != f {
		t.Errorf("after an edit of the past %+v, fresh tracker %+v", e, f)
	}
}

func TestTrackerReplayLimit(t *testing.T) {
	// Past its limit the tracker replays only the most recent incidents' checkpoints,
	// with models still built from the whole history.
	recs := byStart(driftService(160, 100, 2, 100, 9))
	now := recs[len(recs)-1].End
	tr := NewTracker(DefaultConfig())
	tr.limit = 60
	got := tr.Build(recs, now).corr
	if want := replay(recs, 100, now, DefaultConfig(), memo{}, nil); !sameCorrection(got, want) {
		t.Errorf("correction %+v, want the replay of the last 60 incidents %+v", got, want)
	}
	if all := replay(recs, 0, now, DefaultConfig(), memo{}, nil); sameCorrection(got, all) {
		t.Error("the limit made no difference")
	}
}

func sameCorrection(a, b *correction) bool {
	if a.n != b.n {
		return false
	}
	for ph := phase(0); ph < numPhases; ph++ {
		for band := 0; band < nBands; band++ {
			for l := 0; l < nLevels; l++ {
				c := cell{phase: ph, band: int8(band)}
				if math.Abs(a.offset(c, l)-b.offset(c, l)) > 1e-9 {
					return false
				}
			}
		}
	}
	return true
}

func TestFingerprint(t *testing.T) {
	recs := byStart(driftService(50, 50, 1, 100, 10))
	at := recs[40].Start
	base := fingerprint(recs, at)
	for _, tc := range []struct {
		name   string
		edit   func(r []Record)
		change bool
	}{
		{"nothing", func(r []Record) {}, false},
		{"a later incident", func(r []Record) { r[45].End = r[45].End.Add(time.Hour) }, false},
		{"a phase after at", func(r []Record) { r[40].Monitoring = at.Add(time.Hour) }, false},
		{"an end", func(r []Record) { r[3].End = r[3].End.Add(time.Minute) }, true},
		{"a phase", func(r []Record) { r[3].Identified = r[3].Start.Add(time.Minute) }, true},
		{"components", func(r []Record) { r[3].Components = []string{"other"} }, true},
		{"impact", func(r []Record) { r[3].Impact = "critical" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := append([]Record(nil), recs...)
			tc.edit(r)
			if changed := fingerprint(r, at) != base; changed != tc.change {
				t.Errorf("fingerprint changed %v, want %v", changed, tc.change)
			}
		})
	}
}
