package sqlite

import (
	"database/sql"

	"github.com/candorstatus/candor/status"
)

const uptimeDayColumns = `component_id, day, no_data, tracked_minutes, major_minutes, partial_minutes,
	degraded_minutes, maintenance_minutes, incidents, computed_at`

// PutUptimeDays inserts the records or replaces the stored ones with the same component and
// day; EINVALID as status.ValidateUptimeDays, ENOTFOUND for an unknown component. On error
// it writes none of them.
func (t *tx) PutUptimeDays(records []status.UptimeDayRecord) error {
	if err := status.ValidateUptimeDays(records); err != nil {
		return err
	}
	if len(records) == 0 {
		return nil
	}
	return t.atomically(func() error {
		stmt, err := t.tx.PrepareContext(t.ctx, `INSERT INTO uptime_days (`+uptimeDayColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (component_id, day) DO UPDATE SET no_data = excluded.no_data,
				tracked_minutes = excluded.tracked_minutes, major_minutes = excluded.major_minutes,
				partial_minutes = excluded.partial_minutes, degraded_minutes = excluded.degraded_minutes,
				maintenance_minutes = excluded.maintenance_minutes, incidents = excluded.incidents,
				computed_at = excluded.computed_at`)
		if err != nil {
			return t.fail(err, "put uptime days")
		}
		defer stmt.Close()
		for _, r := range records {
			_, err := stmt.ExecContext(t.ctx, r.ComponentID, r.Day, r.NoData, r.TrackedMinutes, r.MajorMinutes,
				r.PartialMinutes, r.DegradedMinutes, r.MaintenanceMinutes, r.Incidents, timeArg(r.ComputedAt))
			switch {
			case isForeignKey(err):
				return notFound("Component %s not found.", r.ComponentID)
			case err != nil:
				return t.fail(err, "put uptime of %s on %s", r.ComponentID, r.Day)
			}
		}
		return nil
	})
}

// UptimeDays returns the records of one component ("": every component) from `from` to
// `to` inclusive, by component id, then day.
func (t *tx) UptimeDays(componentID, from, to string) ([]status.UptimeDayRecord, error) {
	if err := status.ValidateDayRange(from, to); err != nil {
		return nil, err
	}
	q, args := uptimeDaysQuery(componentID != ""), []any{from, to}
	if componentID != "" {
		args = append(args, componentID)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, t.fail(err, "load uptime days")
	}
	defer rows.Close()
	var out []status.UptimeDayRecord
	for rows.Next() {
		var r status.UptimeDayRecord
		if err := rows.Scan(&r.ComponentID, &r.Day, &r.NoData, &r.TrackedMinutes, &r.MajorMinutes, &r.PartialMinutes,
			&r.DegradedMinutes, &r.MaintenanceMinutes, &r.Incidents, timeCol{&r.ComputedAt}); err != nil {
			return nil, t.fail(err, "load uptime days")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load uptime days")
	}
	return out, nil
}

// uptimeDaysQuery selects records by day range (two arguments) and, with oneComponent, by
// component (a third).
func uptimeDaysQuery(oneComponent bool) string {
	q := `SELECT ` + uptimeDayColumns + ` FROM uptime_days WHERE day BETWEEN ? AND ?`
	if oneComponent {
		q += ` AND component_id = ?`
	}
	return q + ` ORDER BY component_id, day`
}

// latestUptimeDayQuery reads the last entry of uptime_days_day.
const latestUptimeDayQuery = `SELECT max(day) FROM uptime_days`

// LatestUptimeDay returns the latest day any record has, "" when there is none.
func (t *tx) LatestUptimeDay() (string, error) {
	var day sql.NullString
	if err := t.queryRow(latestUptimeDayQuery).Scan(&day); err != nil {
		return "", t.fail(err, "load latest uptime day")
	}
	return day.String, nil
}
