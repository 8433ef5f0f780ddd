package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/candorstatus/candor/status"
)

const uptimeDayColumns = `component_id, day, no_data, tracked_minutes, major_minutes, partial_minutes,
	degraded_minutes, maintenance_minutes, incidents, computed_at`

// dayArg converts a day already checked by status.ValidDay to a date.
func dayArg(day string) pgtype.Date {
	t, err := time.Parse(status.DayLayout, day)
	if err != nil {
		return pgtype.Date{}
	}
	return dateArg(t)
}

// putUptimeDaysQuery upserts the records given as parallel arrays, in one statement.
const putUptimeDaysQuery = `INSERT INTO uptime_days (` + uptimeDayColumns + `)
	SELECT * FROM unnest($1::text[], $2::date[], $3::boolean[], $4::integer[], $5::integer[], $6::integer[],
		$7::integer[], $8::integer[], $9::integer[], $10::timestamptz[])
	ON CONFLICT (component_id, day) DO UPDATE SET no_data = excluded.no_data,
		tracked_minutes = excluded.tracked_minutes, major_minutes = excluded.major_minutes,
		partial_minutes = excluded.partial_minutes, degraded_minutes = excluded.degraded_minutes,
		maintenance_minutes = excluded.maintenance_minutes, incidents = excluded.incidents,
		computed_at = excluded.computed_at`

// PutUptimeDays inserts the records or replaces the stored ones with the same component and
// day, in one statement; EINVALID as status.ValidateUptimeDays, ENOTFOUND for an unknown
// component. On error it writes none of them, and the transaction goes on.
func (t *tx) PutUptimeDays(records []status.UptimeDayRecord) error {
	if err := status.ValidateUptimeDays(records); err != nil {
		return err
	}
	n := len(records)
	if n == 0 {
		return nil
	}
	comps, days, noData := make([]string, n), make([]pgtype.Date, n), make([]bool, n)
	tracked, major, partial, degraded, maint, incs := make([]int, n), make([]int, n), make([]int, n),
		make([]int, n), make([]int, n), make([]int, n)
	computed := make([]pgtype.Timestamptz, n)
	for i, r := range records {
		comps[i], days[i], noData[i] = r.ComponentID, dayArg(r.Day), r.NoData
		tracked[i], major[i], partial[i] = r.TrackedMinutes, r.MajorMinutes, r.PartialMinutes
		degraded[i], maint[i], incs[i] = r.DegradedMinutes, r.MaintenanceMinutes, r.Incidents
		if !r.ComputedAt.IsZero() {
			computed[i] = pgtype.Timestamptz{Time: r.ComputedAt.UTC().Truncate(time.Microsecond), Valid: true}
		}
	}
	err := t.atomically(func() error {
		_, err := t.exec(putUptimeDaysQuery, comps, days, noData, tracked, major, partial, degraded, maint, incs, computed)
		return err
	})
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return t.missingComponent(comps, err)
	default:
		return t.fail(err, "put uptime days")
	}
}

// missingComponent names, in an ENOTFOUND error, the first of ids that is no component.
func (t *tx) missingComponent(ids []string, cause error) error {
	var id string
	err := t.queryRow(`SELECT u.id FROM unnest($1::text[]) WITH ORDINALITY AS u (id, n)
		WHERE NOT EXISTS (SELECT FROM components WHERE components.id = u.id) ORDER BY u.n LIMIT 1`, ids).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return t.fail(cause, "put uptime days") // deleted and back again: report the original error
	case err != nil:
		return t.fail(err, "put uptime days")
	}
	return notFound("Component %s not found.", id)
}

// uptimeDaysQuery selects records by day range ($1, $2) and, with oneComponent, by
// component ($3), in primary key order.
func uptimeDaysQuery(oneComponent bool) string {
	q := `SELECT ` + uptimeDayColumns + ` FROM uptime_days WHERE day BETWEEN $1 AND $2`
	if oneComponent {
		q += ` AND component_id = $3`
	}
	return q + ` ORDER BY component_id, day`
}

// UptimeDays returns the records of one component ("": every component) from `from` to
// `to` inclusive, by component id (bytes), then day.
func (t *tx) UptimeDays(componentID, from, to string) ([]status.UptimeDayRecord, error) {
	if err := status.ValidateDayRange(from, to); err != nil {
		return nil, err
	}
	args := []any{dayArg(from), dayArg(to)}
	if componentID != "" {
		args = append(args, componentID)
	}
	rows, err := t.query(uptimeDaysQuery(componentID != ""), args...)
	if err != nil {
		return nil, t.fail(err, "load uptime days")
	}
	defer rows.Close()
	var out []status.UptimeDayRecord
	for rows.Next() {
		var r status.UptimeDayRecord
		var day time.Time
		if err := rows.Scan(&r.ComponentID, dateCol{&day}, &r.NoData, &r.TrackedMinutes, &r.MajorMinutes,
			&r.PartialMinutes, &r.DegradedMinutes, &r.MaintenanceMinutes, &r.Incidents, timeCol{&r.ComputedAt}); err != nil {
			return nil, t.fail(err, "load uptime days")
		}
		r.Day = day.Format(status.DayLayout)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load uptime days")
	}
	return out, nil
}

// latestUptimeDayQuery reads the last entry of uptime_days_day.
const latestUptimeDayQuery = `SELECT max(day) FROM uptime_days`

// LatestUptimeDay returns the latest day any record has, "" when there is none.
func (t *tx) LatestUptimeDay() (string, error) {
	var day time.Time
	if err := t.queryRow(latestUptimeDayQuery).Scan(dateCol{&day}); err != nil {
		return "", t.fail(err, "load latest uptime day")
	}
	if day.IsZero() {
		return "", nil
	}
	return day.Format(status.DayLayout), nil
}
