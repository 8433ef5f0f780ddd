package sqlite

import (
	"database/sql"
	"errors"
	"time"

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
	err := scanProbe(t.queryRow(`SELECT `+probeColumns+` FROM probes WHERE id = ?`, id), &p)
	if errors.Is(err, sql.ErrNoRows) {
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
	return t.probes(`SELECT `+probeColumns+` FROM probes WHERE component_id = ? ORDER BY component_id, id`, componentID)
}

// DueProbes returns up to limit enabled probes due at now, earliest first.
func (t *tx) DueProbes(now time.Time, limit int) ([]status.Probe, error) {
	if limit < 1 {
		return nil, &status.Error{Code: status.EINVALID, Message: "Limit must be at least 1.", Fields: map[string]string{"limit": "must be at least 1"}}
	}
	return t.probes(`SELECT `+probeColumns+` FROM probes WHERE enabled = 1 AND next_run_at <= ?
		ORDER BY next_run_at, id LIMIT ?`, now.Truncate(time.Microsecond).UnixMicro(), limit)
}

// PutProbe inserts the probe or replaces the one with its id, keeping CreatedAt.
func (t *tx) PutProbe(p *status.Probe) error {
	if err := status.ValidateProbeRecord(p); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO probes (`+probeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
	ok, err := t.execOne(`DELETE FROM probes WHERE id = ?`, id)
	if err != nil {
		return t.fail(err, "delete probe %s", id)
	}
	if !ok {
		return notFound("Probe %s not found.", id)
	}
	return nil
}

// AddProbeMinutes adds the records to the stored ones, all or none.
func (t *tx) AddProbeMinutes(records []status.ProbeMinute) error {
	if len(records) == 0 {
		return nil
	}
	return t.atomically(func() error {
		stmt, err := t.tx.PrepareContext(t.ctx, `INSERT INTO probe_minutes (component_id, minute, checks,
				failures, latency_sum, latency_max) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (component_id, minute) DO UPDATE SET checks = checks + excluded.checks,
				failures = failures + excluded.failures, latency_sum = latency_sum + excluded.latency_sum,
				latency_max = max(latency_max, excluded.latency_max)`)
		if err != nil {
			return t.fail(err, "add probe minutes")
		}
		defer stmt.Close()
		for _, r := range records {
			_, err := stmt.ExecContext(t.ctx, r.ComponentID, r.Minute.Truncate(time.Microsecond).UnixMicro(),
				r.Checks, r.Failures, int64(r.LatencySum), int64(r.LatencyMax))
			switch {
			case isForeignKey(err):
				return notFound("Component %s not found.", r.ComponentID)
			case err != nil:
				return t.fail(err, "add probe minute of %s", r.ComponentID)
			}
		}
		return nil
	})
}

// ProbeMinutes returns a component's records from `from` to before `to`, by minute.
func (t *tx) ProbeMinutes(componentID string, from, to time.Time) ([]status.ProbeMinute, error) {
	rows, err := t.query(`SELECT component_id, minute, checks, failures, latency_sum, latency_max
		FROM probe_minutes WHERE component_id = ? AND minute >= ? AND minute < ? ORDER BY minute`,
		componentID, from.Truncate(time.Microsecond).UnixMicro(), to.Truncate(time.Microsecond).UnixMicro())
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
	res, err := t.exec(`DELETE FROM probe_minutes WHERE minute < ?`, before.Truncate(time.Microsecond).UnixMicro())
	if err != nil {
		return 0, t.fail(err, "delete probe minutes")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, "delete probe minutes")
	}
	return int(n), nil
}
