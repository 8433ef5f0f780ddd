package eta

import (
	"math/rand"
	"strconv"
	"testing"
	"time"
)

// benchHistory makes n incidents over about ten years: heavy-tailed durations, a few
// dozen component sets, all four impacts, and identified/monitoring phases for most.
func benchHistory(n int, now time.Time) []Record {
	rng := rand.New(rand.NewSource(42))
	impacts := []string{"none", "minor", "major", "critical"}
	comps := make([]string, 40)
	for i := range comps {
		comps[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	span := 10 * 365 * 24 * time.Hour
	out := make([]Record, n)
	for i := range out {
		start := now.Add(-time.Duration(rng.Int63n(int64(span))))
		dur := logLogisticSample(rng, 150, 1.3)
		r := Record{
			ID:         "b" + string(rune(i)),
			Impact:     impacts[rng.Intn(len(impacts))],
			Components: []string{comps[rng.Intn(len(comps))]},
			Start:      start,
		}
		if rng.Float64() < 0.4 {
			r.Identified = start.Add(time.Duration(dur * rng.Float64() * 0.3 * float64(time.Minute)))
		}
		if rng.Float64() < 0.8 {
			r.Monitoring = start.Add(time.Duration(dur * (0.3 + 0.5*rng.Float64()) * float64(time.Minute)))
		}
		if end := start.Add(time.Duration(dur * float64(time.Minute))); end.Before(now) {
			r.End = end
		}
		out[i] = r
	}
	return out
}

func BenchmarkBuild(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hist := benchHistory(10000, now)
	b.ReportAllocs()
	for b.Loop() {
		Build(hist, now, DefaultConfig())
	}
}

func BenchmarkEstimate(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hist := benchHistory(10000, now)
	m := Build(hist, now, DefaultConfig())
	// Production's models carry a self-correction; its cost is part of every estimate.
	m.corr = &correction{root: [nLevels]float64{-0.1, 0.2, 0.1, 0.3}}
	queries := []Query{
		{Components: []string{"aa"}, Impact: "minor", Start: now.Add(-45 * time.Minute), Now: now},
		{Components: []string{"ba"}, Impact: "major", Start: now.Add(-3 * time.Hour), Monitoring: now.Add(-20 * time.Minute), Now: now},
		{Impact: "critical", Start: now, Now: now},
		{Components: []string{"zz"}, Impact: "none", Start: now.Add(-50 * time.Hour), Identified: now.Add(-49 * time.Hour), Now: now},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Estimate(queries[i%len(queries)])
		i++
	}
}

// BenchmarkFocusBuild is one step of the replay: the model as known at one moment, built
// only as far as one estimate needs, with a page's worth and with 10 000 incidents.
func BenchmarkFocusBuild(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{700, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			hist := benchHistory(n, now)
			q := Query{Components: []string{"aa"}, Impact: "minor", Start: now.Add(-45 * time.Minute), Now: now}
			d := newDigest(hist)
			fit := Build(hist, now, DefaultConfig()).tail
			b.ReportAllocs()
			for b.Loop() {
				mx := d.build(len(hist), now, DefaultConfig(), &q, &fit).blend(q)
				mx.raw()
			}
		})
	}
}

// BenchmarkTrackerRebuild is production's rebuild with 10 000 incidents of history once the
// tracker is warm: time has moved on ten minutes, so the replay reuses its memo and builds
// the model only at the checkpoints that are new.
func BenchmarkTrackerRebuild(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hist := benchHistory(10000, now)
	tr := NewTracker(DefaultConfig())
	tr.Build(hist, now)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(10 * time.Minute)
		tr.Build(hist, now)
	}
}

// BenchmarkTrackerColdBuild is production's first rebuild (at start, or after the past was
// edited) with 10 000 incidents: the replay of the last ReplayLimit incidents from scratch.
// Run it with -benchtime 1x.
func BenchmarkTrackerColdBuild(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hist := benchHistory(10000, now)
	for b.Loop() {
		NewTracker(DefaultConfig()).Build(hist, now)
	}
}
