package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const probeColumns = `id, component_id, name, kind, target, method, expect_status, body_contains, cert_min_days,
	timeout, interval, fail_after, recover_after, status, enabled, failures, successes, failing, failing_since,
	last_run_at, next_run_at, last_ok, last_error, last_latency, created_at, updated_at`

func scanProbe(sc interface{ Scan(...any) error }, p *status.Probe) error {
	var timeout, interval, latency int64
	err := sc.Scan(&p.ID, &p.ComponentID, &p.Name, &p.Kind, &p.Target, &p.Method, &p.ExpectStatus, &p.BodyContains,
		&p.CertMinDays, &timeout, &interval, &p.FailAfter, &p.RecoverAfter, &p.Status, &p.Enabled, &p.Failures,
		&p.Successes, &p.Failing, timeCol{&p.FailingSince}, timeCol{&p.LastRunAt}, timeCol{&p.NextRunAt}, &p.LastOK,
		&p.LastError, &latency, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	p.Timeout, p.Interval, p.LastLatency = time.Duration(timeout), time.Duration(interval), time.Duration(latency)
	return err
}

func (t *tx) probes(query string, args ...any) ([]status.Probe, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, t.fail(err, "load probes")
	}
	defer rows.Close()
	var out []status.Probe
	for rows.Next() {
		var p status.Probe
		if err := scanProbe(rows, &p); err != nil {
			return nil, t.fail(err, "load probes")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load probes")
	}
	return out, nil
}

// Probe returns a probe; ENOTFOUND if absent.
func (t *tx) Probe(id string) (*status.Probe, error) {
	var p status.Probe
	err := scanProbe(t.queryRow(`SELECT `+probeColumns+` FROM probes WHERE id = $1`, id), &p)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Probe %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load probe %s", id)
	}
	return &p, nil
}

// Probes returns the probes of one component ("": every component), by component, then id.
func (t *tx) Probes(componentID string) ([]status.Probe, error) {
	if componentID == "" {
		return t.probes(`SELECT ` + probeColumns + ` FROM probes ORDER BY component_id, id`)
	}
	return t.probes(`SELECT `+probeColumns+` FROM probes WHERE component_id = $1 ORDER BY component_id, id`, componentID)
}

// DueProbes returns up to limit enabled probes due at now, earliest first.
func (t *tx) DueProbes(now time.Time, limit int) ([]status.Probe, error) {
	if limit < 1 {
		return nil, &status.Error{Code: status.EINVALID, Message: "Limit must be at least 1.", Fields: map[string]string{"limit": "must be at least 1"}}
	}
	return t.probes(`SELECT `+probeColumns+` FROM probes WHERE enabled AND next_run_at <= $1
		ORDER BY next_run_at, id LIMIT $2`, timeArg(now), limit)
}

// PutProbe inserts the probe or replaces the one with its id, keeping CreatedAt.
func (t *tx) PutProbe(p *status.Probe) error {
	if err := status.ValidateProbeRecord(p); err != nil {
		return err
	}
	err := t.atomically(func() error {
		_, err := t.exec(`INSERT INTO probes (`+probeColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
				$21, $22, $23, $24, $25, $26)
			ON CONFLICT (id) DO UPDATE SET component_id = excluded.component_id, name = excluded.name,
				kind = excluded.kind, target = excluded.target, method = excluded.method,
				expect_status = excluded.expect_status, body_contains = excluded.body_contains,
				cert_min_days = excluded.cert_min_days, timeout = excluded.timeout, interval = excluded.interval,
				fail_after = excluded.fail_after, recover_after = excluded.recover_after, status = excluded.status,
				enabled = excluded.enabled, failures = excluded.failures, successes = excluded.successes,
				failing = excluded.failing, failing_since = excluded.failing_since, last_run_at = excluded.last_run_at,
				next_run_at = excluded.next_run_at, last_ok = excluded.last_ok, last_error = excluded.last_error,
				last_latency = excluded.last_latency, updated_at = excluded.updated_at`,
			p.ID, p.ComponentID, p.Name, string(p.Kind), p.Target, p.Method, p.ExpectStatus, p.BodyContains, p.CertMinDays,
			int64(p.Timeout), int64(p.Interval), p.FailAfter, p.RecoverAfter, string(p.Status), p.Enabled, p.Failures,
			p.Successes, p.Failing, timeArg(p.FailingSince), timeArg(p.LastRunAt), timeArg(p.NextRunAt), p.LastOK,
			p.LastError, int64(p.LastLatency), timeArg(p.CreatedAt), timeArg(p.UpdatedAt))
		return err
	})
	switch {
	case isForeignKey(err):
		return notFound("Component %s not found.", p.ComponentID)
	case err != nil:
		return t.fail(err, "put probe %s", p.ID)
	}
	return nil
}

// DeleteProbe deletes a probe; ENOTFOUND if absent.
func (t *tx) DeleteProbe(id string) error {
	ok, err := t.execOne(`DELETE FROM probes WHERE id = $1`, id)
	if err != nil {
		return t.fail(err, "delete probe %s", id)
	}
	if !ok {
		return notFound("Probe %s not found.", id)
	}
	return nil
}

// addProbeMinutesQuery upserts the records given as parallel arrays, in one statement.
const addProbeMinutesQuery = `INSERT INTO probe_minutes (component_id, minute, checks, failures,
		latency_sum, latency_max)
	SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::integer[], $4::integer[], $5::bigint[], $6::bigint[])
	ON CONFLICT (component_id, minute) DO UPDATE SET
		checks = probe_minutes.checks + excluded.checks, failures = probe_minutes.failures + excluded.failures,
		latency_sum = probe_minutes.latency_sum + excluded.latency_sum,
		latency_max = greatest(probe_minutes.latency_max, excluded.latency_max)`

// AddProbeMinutes adds the records to the stored ones in one statement, all or none.
func (t *tx) AddProbeMinutes(records []status.ProbeMinute) error {
	n := len(records)
	if n == 0 {
		return nil
	}
	// One statement must not touch a row twice: sum repeats of a component and minute first.
	type key struct {
		comp   string
		minute time.Time
	}
	index := map[key]int{}
	var merged []status.ProbeMinute
	for _, r := range records {
		r.Minute = r.Minute.UTC().Truncate(time.Microsecond)
		k := key{r.ComponentID, r.Minute}
		if i, ok := index[k]; ok {
			m := &merged[i]
			m.Checks, m.Failures, m.LatencySum = m.Checks+r.Checks, m.Failures+r.Failures, m.LatencySum+r.LatencySum
			m.LatencyMax = max(m.LatencyMax, r.LatencyMax)
			continue
		}
		index[k] = len(merged)
		merged = append(merged, r)
	}
	n = len(merged)
	comps, minutes := make([]string, n), make([]time.Time, n)
	checks, failures, sums, maxes := make([]int, n), make([]int, n), make([]int64, n), make([]int64, n)
	for i, r := range merged {
		comps[i], minutes[i] = r.ComponentID, r.Minute
		checks[i], failures[i], sums[i], maxes[i] = r.Checks, r.Failures, int64(r.LatencySum), int64(r.LatencyMax)
	}
	err := t.atomically(func() error {
		_, err := t.exec(addProbeMinutesQuery, comps, minutes, checks, failures, sums, maxes)
		return err
	})
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return t.missingComponent(comps, err)
	default:
		return t.fail(err, "add probe minutes")
	}
}

// ProbeMinutes returns a component's records from `from` to before `to`, by minute.
func (t *tx) ProbeMinutes(componentID string, from, to time.Time) ([]status.ProbeMinute, error) {
	rows, err := t.query(`SELECT component_id, minute, checks, failures, latency_sum, latency_max
		FROM probe_minutes WHERE component_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute`,
		componentID, timeArg(from), timeArg(to))
	if err != nil {
		return nil, t.fail(err, "load probe minutes")
	}
	defer rows.Close()
	var out []status.ProbeMinute
	for rows.Next() {
		var r status.ProbeMinute
		var sum, max int64
		if err := rows.Scan(&r.ComponentID, timeCol{&r.Minute}, &r.Checks, &r.Failures, &sum, &max); err != nil {
			return nil, t.fail(err, "load probe minutes")
		}
		r.LatencySum, r.LatencyMax = time.Duration(sum), time.Duration(max)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load probe minutes")
	}
	return out, nil
}

// DeleteProbeMinutesBefore deletes the records before t.
func (t *tx) DeleteProbeMinutesBefore(before time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM probe_minutes WHERE minute < $1`, timeArg(before))
	if err != nil {
		return 0, t.fail(err, "delete probe minutes")
	}
	return int(tag.RowsAffected()), nil
}
