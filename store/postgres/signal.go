package postgres

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const signalColumns = `key, component_id, source, summary, status, firing, since, began_at, ended_at,
	last_seen_at, repeats, active, incident_id, created_at, updated_at`

func scanSignal(sc interface{ Scan(...any) error }, g *status.Signal) error {
	return sc.Scan(&g.Key, &g.ComponentID, &g.Source, &g.Summary, &g.Status, &g.Firing, timeCol{&g.Since},
		timeCol{&g.BeganAt}, timeCol{&g.EndedAt}, timeCol{&g.LastSeenAt}, &g.Repeats, &g.Active, &g.IncidentID,
		timeCol{&g.CreatedAt}, timeCol{&g.UpdatedAt})
}

// Signal returns the signal with that key; ENOTFOUND if absent.
func (t *tx) Signal(key string) (*status.Signal, error) {
	var g status.Signal
	err := scanSignal(t.queryRow(`SELECT `+signalColumns+` FROM signals WHERE key = $1`, key), &g)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Signal %s not found.", key)
	}
	if err != nil {
		return nil, t.fail(err, "load signal %s", key)
	}
	return &g, nil
}

// PutSignal inserts the signal or replaces the one with its key, keeping CreatedAt;
// EINVALID as status.ValidateSignalRecord, ENOTFOUND for an unknown component.
func (t *tx) PutSignal(g *status.Signal) error {
	if err := status.ValidateSignalRecord(g); err != nil {
		return err
	}
	err := t.atomically(func() error {
		_, err := t.exec(`INSERT INTO signals (`+signalColumns+`, pending)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (key) DO UPDATE SET component_id = excluded.component_id, source = excluded.source,
				summary = excluded.summary, status = excluded.status, firing = excluded.firing,
				since = excluded.since, began_at = excluded.began_at, ended_at = excluded.ended_at,
				last_seen_at = excluded.last_seen_at, repeats = excluded.repeats, active = excluded.active,
				incident_id = excluded.incident_id, pending = excluded.pending, updated_at = excluded.updated_at`,
			g.Key, g.ComponentID, g.Source, g.Summary, string(g.Status), g.Firing, timeArg(g.Since), timeArg(g.BeganAt),
			timeArg(g.EndedAt), timeArg(g.LastSeenAt), g.Repeats, string(g.Active), g.IncidentID,
			timeArg(g.CreatedAt), timeArg(g.UpdatedAt), g.Pending())
		return err
	})
	switch {
	case isForeignKey(err):
		return notFound("Component %s not found.", g.ComponentID)
	case err != nil:
		return t.fail(err, "put signal %s", g.Key)
	}
	return nil
}

// Signals returns the signals matching f, by key.
func (t *tx) Signals(f status.SignalFilter) ([]status.Signal, error) {
	if f.Limit < 0 {
		return nil, &status.Error{Code: status.EINVALID, Message: "Limit must not be negative.",
			Fields: map[string]string{"limit": "must not be negative"}}
	}
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ComponentID != "" {
		conds = append(conds, `component_id = `+arg(f.ComponentID))
	}
	if f.IncidentID != "" {
		conds = append(conds, `incident_id = `+arg(f.IncidentID))
	}
	if f.Attached {
		conds = append(conds, `incident_id <> ''`)
	}
	if f.Active {
		conds = append(conds, `active <> ''`)
	}
	if f.Pending {
		conds = append(conds, `pending`)
	}
	q := `SELECT ` + signalColumns + ` FROM signals`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += ` ORDER BY key`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, t.fail(err, "load signals")
	}
	defer rows.Close()
	var out []status.Signal
	for rows.Next() {
		var g status.Signal
		if err := scanSignal(rows, &g); err != nil {
			return nil, t.fail(err, "load signals")
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load signals")
	}
	return out, nil
}

// DeleteSignalsEndedBefore deletes resolved signals that are no longer pending and ended
// before t.
func (t *tx) DeleteSignalsEndedBefore(before time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM signals WHERE NOT firing AND NOT pending AND ended_at < $1`, timeArg(before))
	if err != nil {
		return 0, t.fail(err, "delete old signals")
	}
	return int(tag.RowsAffected()), nil
}

const monitoringColumns = `component_id, template_id, auto_publish_after, sparkline, updated_at`

func scanMonitoring(sc interface{ Scan(...any) error }, m *status.MonitorSettings) error {
	var after int64
	if err := sc.Scan(&m.ComponentID, &m.TemplateID, &after, &m.Sparkline, timeCol{&m.UpdatedAt}); err != nil {
		return err
	}
	m.AutoPublishAfter = time.Duration(after)
	return nil
}

// MonitorSettingsOf returns a component's monitoring settings; ENOTFOUND if none were saved.
func (t *tx) MonitorSettingsOf(componentID string) (*status.MonitorSettings, error) {
	var m status.MonitorSettings
	err := scanMonitoring(t.queryRow(`SELECT `+monitoringColumns+` FROM monitoring WHERE component_id = $1`, componentID), &m)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("No monitoring settings for component %s.", componentID)
	}
	if err != nil {
		return nil, t.fail(err, "load monitoring of %s", componentID)
	}
	return &m, nil
}

// PutMonitorSettings inserts or replaces a component's settings; ENOTFOUND for an unknown
// component.
func (t *tx) PutMonitorSettings(m *status.MonitorSettings) error {
	err := t.atomically(func() error {
		_, err := t.exec(`INSERT INTO monitoring (`+monitoringColumns+`) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (component_id) DO UPDATE SET template_id = excluded.template_id,
				auto_publish_after = excluded.auto_publish_after, sparkline = excluded.sparkline,
				updated_at = excluded.updated_at`,
			m.ComponentID, m.TemplateID, int64(m.AutoPublishAfter), m.Sparkline, timeArg(m.UpdatedAt))
		return err
	})
	switch {
	case isForeignKey(err):
		return notFound("Component %s not found.", m.ComponentID)
	case err != nil:
		return t.fail(err, "put monitoring of %s", m.ComponentID)
	}
	return nil
}

// AllMonitorSettings returns every saved setting, by component id.
func (t *tx) AllMonitorSettings() ([]status.MonitorSettings, error) {
	rows, err := t.query(`SELECT ` + monitoringColumns + ` FROM monitoring ORDER BY component_id`)
	if err != nil {
		return nil, t.fail(err, "load monitoring")
	}
	defer rows.Close()
	var out []status.MonitorSettings
	for rows.Next() {
		var m status.MonitorSettings
		if err := scanMonitoring(rows, &m); err != nil {
			return nil, t.fail(err, "load monitoring")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load monitoring")
	}
	return out, nil
}
