package storetest

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// Probes and their per-minute results. Beyond status/store.go, the suite pins: durations
// round-trip to the nanosecond; DueProbes skips disabled probes and those with no
// NextRunAt; AddProbeMinutes adds repeats of a component and minute within one call too,
// and on an unknown component writes none of the records.

func newProbe(id, comp string, next time.Time) *status.Probe {
	return &status.Probe{ID: id, ComponentID: comp, Kind: status.ProbeTCP, Target: "db.internal:5432", Timeout: 5 * time.Second,
		Interval: 15 * time.Second, FailAfter: 3, RecoverAfter: 2, Status: status.PartialOutage, Enabled: true,
		NextRunAt: next, CreatedAt: base, UpdatedAt: base}
}

func probes(t *testing.T, s status.Store, comp string) []status.Probe {
	t.Helper()
	var out []status.Probe
	read(t, s, func(tx status.Tx) error {
		var err error
		out, err = tx.Probes(comp)
		return err
	})
	return out
}

func probeIDs(ps []status.Probe) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func testProbes(t *testing.T, s status.Store) {
	createComponents(t, s, "api", "web")
	full := &status.Probe{ID: "p-full", ComponentID: "api", Name: "API health", Kind: status.ProbeHTTP,
		Target: "https://api.example.com/healthz", Method: "HEAD", ExpectStatus: 204, BodyContains: "ok — 정상",
		CertMinDays: 14, Timeout: 5*time.Second + 1, Interval: 15 * time.Second, FailAfter: 3, RecoverAfter: 2,
		Status: status.MajorOutage, Enabled: true, Failures: 2, Successes: 1, Failing: true, FailingSince: base.Add(-time.Minute),
		LastRunAt: base, NextRunAt: base.Add(15 * time.Second), LastOK: true, LastError: "timeout", LastLatency: 1234567,
		CreatedAt: base, UpdatedAt: base.Add(time.Second)}
	requireAllSet(t, full)
	off := newProbe("p-off", "api", base.Add(-time.Hour))
	off.Enabled = false
	later, sooner, never := newProbe("p-later", "web", base.Add(time.Second)), newProbe("p-sooner", "web", base.Add(-time.Second)),
		newProbe("p-never", "web", time.Time{})
	write(t, s, func(tx status.Tx) error {
		for _, p := range []*status.Probe{full, off, later, sooner, never} {
			if err := tx.PutProbe(p); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Probe(full.ID)
		if err != nil {
			return err
		}
		check(t, "Probe", got, full)
		_, err = tx.Probe("nope")
		wantCode(t, "Probe of an unknown id", err, status.ENOTFOUND)
		due, err := tx.DueProbes(base.Add(15*time.Second), 10)
		if err != nil {
			return err
		}
		check(t, "DueProbes", probeIDs(due), []string{"p-sooner", "p-later", "p-full"})
		due, err = tx.DueProbes(base.Add(15*time.Second), 1)
		if err != nil {
			return err
		}
		check(t, "DueProbes with a limit", probeIDs(due), []string{"p-sooner"})
		_, err = tx.DueProbes(base, 0)
		wantCode(t, "DueProbes with limit 0", err, status.EINVALID)
		return nil
	})
	check(t, "Probes", probeIDs(probes(t, s, "")), []string{"p-full", "p-off", "p-later", "p-never", "p-sooner"})
	check(t, "Probes of web", probeIDs(probes(t, s, "web")), []string{"p-later", "p-never", "p-sooner"})

	// A put replaces everything but CreatedAt.
	repl := &status.Probe{ID: full.ID, ComponentID: "web", Name: "Web", Kind: status.ProbeDNS, Target: "web.example.com",
		Method: "GET", ExpectStatus: 200, BodyContains: "x", CertMinDays: 7, Timeout: time.Second, Interval: time.Minute,
		FailAfter: 5, RecoverAfter: 4, Status: status.DegradedPerformance, Enabled: false, Failures: 0, Successes: 4,
		Failing: false, FailingSince: base.Add(time.Hour), LastRunAt: base.Add(time.Hour), NextRunAt: base.Add(2 * time.Hour),
		LastOK: false, LastError: "", LastLatency: 1, CreatedAt: base.Add(time.Hour), UpdatedAt: base.Add(time.Hour)}
	requireAllChanged(t, full, repl, "ID")
	write(t, s, func(tx status.Tx) error { return tx.PutProbe(repl) })
	want := *repl
	want.CreatedAt = full.CreatedAt
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Probe(full.ID)
		if err != nil {
			return err
		}
		check(t, "Probe after a put", got, &want)
		return nil
	})

	write(t, s, func(tx status.Tx) error {
		bad := newProbe("p-bad", "api", base)
		bad.Interval = 14 * time.Second
		wantCode(t, "PutProbe with a short interval", tx.PutProbe(bad), status.EINVALID)
		bad = newProbe("p-bad", "api", base)
		bad.Status = status.Operational
		wantCode(t, "PutProbe with operational", tx.PutProbe(bad), status.EINVALID)
		wantCode(t, "PutProbe of an unknown component", tx.PutProbe(newProbe("p-bad", "ghost", base)), status.ENOTFOUND)
		wantCode(t, "DeleteProbe of an unknown id", tx.DeleteProbe("nope"), status.ENOTFOUND)
		if err := tx.DeleteProbe("p-off"); err != nil {
			return err
		}
		return tx.DeleteComponent("web")
	})
	check(t, "Probes after deletes", probeIDs(probes(t, s, "")), []string(nil))
}

func testProbeMinutes(t *testing.T, s status.Store) {
	createComponents(t, s, "api", "web")
	m0 := base.Truncate(time.Minute)
	rec := func(comp string, minute time.Time, checks, failures int, sum, max time.Duration) status.ProbeMinute {
		return status.ProbeMinute{ComponentID: comp, Minute: minute, Checks: checks, Failures: failures, LatencySum: sum, LatencyMax: max}
	}
	full := rec("api", m0, 1, 1, 3*time.Millisecond+1, 3*time.Millisecond+1)
	requireAllSet(t, &full)
	add := func(rs ...status.ProbeMinute) {
		t.Helper()
		write(t, s, func(tx status.Tx) error { return tx.AddProbeMinutes(rs) })
	}
	minutes := func(comp string, from, to time.Time) []status.ProbeMinute {
		t.Helper()
		var out []status.ProbeMinute
		read(t, s, func(tx status.Tx) error {
			var err error
			out, err = tx.ProbeMinutes(comp, from, to)
			return err
		})
		return out
	}
	// Two probes of api in the same minute, in one call: they add up.
	add(full, rec("api", m0, 2, 0, 4*time.Millisecond, 2*time.Millisecond),
		rec("api", m0.Add(time.Minute), 4, 0, 8*time.Millisecond, 2*time.Millisecond),
		rec("web", m0, 4, 4, 0, 0))
	add(rec("api", m0, 1, 0, 5*time.Millisecond, 5*time.Millisecond))
	check(t, "ProbeMinutes", minutes("api", m0, m0.Add(2*time.Minute)), []status.ProbeMinute{
		rec("api", m0, 4, 1, 12*time.Millisecond+1, 5*time.Millisecond),
		rec("api", m0.Add(time.Minute), 4, 0, 8*time.Millisecond, 2*time.Millisecond)})
	check(t, "ProbeMinutes to is exclusive", len(minutes("api", m0, m0.Add(time.Minute))), 1)
	write(t, s, func(tx status.Tx) error {
		err := tx.AddProbeMinutes([]status.ProbeMinute{rec("api", m0.Add(time.Hour), 1, 0, 0, 0), rec("ghost", m0, 1, 0, 0, 0)})
		wantCode(t, "AddProbeMinutes with an unknown component", err, status.ENOTFOUND)
		return nil
	})
	check(t, "ProbeMinutes after a refused add", len(minutes("api", m0.Add(time.Hour), m0.Add(2*time.Hour))), 0)
	var n int
	write(t, s, func(tx status.Tx) error {
		var err error
		n, err = tx.DeleteProbeMinutesBefore(m0.Add(time.Minute))
		return err
	})
	if n != 2 { // api and web at m0
		t.Errorf("DeleteProbeMinutesBefore deleted %d, want 2", n)
	}
	write(t, s, func(tx status.Tx) error { return tx.DeleteComponent("api") })
	check(t, "ProbeMinutes of a deleted component", minutes("api", m0, m0.Add(time.Hour)), []status.ProbeMinute(nil))
}
