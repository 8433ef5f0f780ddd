package postgres

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

var actualRows = regexp.MustCompile(`actual rows=(\d+)`)

// TestQueryPlans pins the plans the schema was designed for, on enough rows that the planner
// prefers indexes (with statistics), so a change to a query or an index cannot quietly turn
// an index walk into a scan of 40 million devices or of the whole job history.
func TestQueryPlans(t *testing.T) {
	s := openTest(t, newSchema(t))
	ctx := t.Context()
	// 20000 devices in two locales, each subscribed to one of eight components or to all;
	// 20000 finished jobs and 50 pending ones.
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO devices (token, platform, locale)
			SELECT md5(i::text), 'android', (ARRAY['ko', 'en'])[1 + i % 2] FROM generate_series(1, 20000) AS i;
		INSERT INTO device_components (locale, component_id, token, position)
			SELECT locale, (ARRAY['*', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'])[1 + abs(hashtext(token)) % 9], token, 0
			FROM devices;
		INSERT INTO outbox_jobs (kind, status, incident_id, update_id, event, lang, condition, topic, attempts,
				next_attempt_at, lease_owner, last_error, sent, failed, tokens)
			SELECT 'push', CASE WHEN i > 20000 THEN 'pending' ELSE 'sent' END, 'inc' || i % 100, 'u', '', 'ko',
				'', '', 0, now() - interval '1 hour' + i * interval '1 ms', '', '', 0, 0, '{}'
			FROM generate_series(1, 20050) AS i;
		INSERT INTO users (id, name, name_key, role, password_hash)
			SELECT 'u' || i, 'user' || i, 'user' || i, 'viewer', 'h' FROM generate_series(1, 2000) AS i;
		INSERT INTO sessions (hash, user_id, csrf_token, addr, expires_at)
			SELECT md5(i::text), 'u' || 1 + i % 2000, 'c', '', now() + i * interval '1 s' FROM generate_series(1, 20000) AS i;
		INSERT INTO incidents (id, title, impact, status, cause, started_at, source, external_id)
			SELECT 'i' || i, 't', 'minor', 'resolved', '', now() - i * interval '1 h', '', '' FROM generate_series(1, 5000) AS i;
		INSERT INTO postmortems (incident_id, cause, impact, timeline, author, created_at)
			SELECT id, '', '', '', '', started_at FROM incidents;
		INSERT INTO postmortem_actions (incident_id, id, position, title, owner, state)
			SELECT incident_id, 'a' || n, n, 't', '', 'open' FROM postmortems, generate_series(0, 2) AS n;
		INSERT INTO maintenances (id, title, status, scheduled_for, scheduled_until, notify, auto_complete,
				override_reason, components, remind_before, reminders_sent, held_by, prior_status)
			SELECT 'm' || i, 't', CASE WHEN i <= 5 THEN 'scheduled' ELSE 'completed' END, now() - i * interval '1 d',
				now() - i * interval '1 d' + interval '2 h', false, false, '', '{}', '{}', '{}', '{}', '{}'
			FROM generate_series(1, 5000) AS i;
		INSERT INTO components (id, name, description, position, status, showcase, only_show_if_degraded)
			SELECT 'c' || i, 'c' || i, '', i, 'operational', true, false FROM generate_series(1, 50) AS i;
		INSERT INTO uptime_days (component_id, day, no_data, tracked_minutes, major_minutes, partial_minutes,
				degraded_minutes, maintenance_minutes, incidents)
			SELECT c.id, date '2025-01-01' + d, false, 1440, 0, 0, 0, 0, 0
			FROM generate_series(0, 399) AS d, components AS c ORDER BY d, c.id;
		ANALYZE`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		query   string
		args    []any
		want    []string
		notWant []string
		maxRows int // no plan node may produce more rows (0: no bound)
	}{
		{"audience: a merge of ordered index runs, stopped at the limit", audienceQuery(3), []any{"ko", 100, "*", "c1", "c2"},
			[]string{"Merge Append", "Index Only Scan using device_components_pkey", "Limit"},
			[]string{"Seq Scan", "Sort Method", "HashAggregate"}, 100},
		{"audience of everything-subscribers only", audienceQuery(1), []any{"ko", 100, "*"},
			[]string{"Index Only Scan using device_components_pkey"},
			[]string{"Seq Scan", "Sort Method"}, 100},
		{"claim walks pending jobs in id order", claimQuery, []any{"a", "2025-01-01T00:01:00Z", "2025-01-01T00:00:00Z", 10},
			[]string{"Index Scan using outbox_jobs_claim", "LockRows"},
			[]string{"Seq Scan", "Sort Method"}, 10},
		{"next job due reads one index entry", nextDueQuery, nil,
			[]string{"Index Scan using outbox_jobs_due"},
			[]string{"Seq Scan", "Sort Method"}, 1},
		{"a device's components", `SELECT component_id FROM device_components WHERE token = $1 ORDER BY position`, []any{"t"},
			[]string{"device_components_token"},
			[]string{"Seq Scan", "Sort Method"}, 0},
		{"a page of devices", devicesPageQuery, []any{"8", 50},
			[]string{"devices_pkey", "device_components_token"}, []string{"Seq Scan", "Sort Method"}, 50},
		{"expired sessions", deleteExpiredSessionsQuery, []any{"2000-01-01T00:00:00Z"},
			[]string{"sessions_expires_at"}, []string{"Seq Scan"}, 0},
		{"a user's sessions", deleteUserSessionsQuery, []any{"u7"},
			[]string{"sessions_user_id"}, []string{"Seq Scan"}, 0},
		{"postmortems", postmortemsQuery, nil,
			[]string{"postmortems_created_at"}, []string{"Seq Scan", "Sort Method"}, 0},
		{"one postmortem's actions", postmortemActionsQuery(`WHERE incident_id = $1`), []any{"i7"},
			[]string{"postmortem_actions_incident_id_position_key"}, []string{"Seq Scan"}, 0},
		{"scheduled maintenances", maintenancesQuery(true), []any{[]string{"scheduled", "in_progress"}, nil},
			[]string{"maintenances_status"}, []string{"Seq Scan"}, 5},
		{"latest maintenances", maintenancesQuery(false), []any{10},
			[]string{"maintenances_scheduled_for"}, []string{"Seq Scan", "Sort Method"}, 10},
		// Rows are written a day at a time, so the planner may prefer walking the days (read
		// together) to the component's scattered rows; both stay within the range.
		{"one component's uptime", uptimeDaysQuery(true), []any{"2025-06-01", "2025-06-30", "c7"},
			[]string{"Index"}, []string{"Seq Scan"}, 30},
		{"every component's uptime for a week", uptimeDaysQuery(false), []any{"2025-06-01", "2025-06-07"},
			[]string{"uptime_days"}, []string{"Seq Scan"}, 350},
		{"latest uptime day", latestUptimeDayQuery, nil,
			[]string{"uptime_days_day"}, []string{"Seq Scan"}, 1},
		{"deleting devices by token", `DELETE FROM devices WHERE token = ANY ($1)`, []any{[]string{"a", "b"}},
			[]string{"devices_pkey"},
			[]string{"Seq Scan"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// ANALYZE runs the statement: inside a transaction rolled back afterwards.
			tx, err := s.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			rows, err := tx.Query(ctx, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) `+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			for _, w := range tt.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(plan, w) {
					t.Errorf("plan has %q:\n%s", w, plan)
				}
			}
			for _, m := range actualRows.FindAllStringSubmatch(plan, -1) {
				if n, _ := strconv.Atoi(m[1]); tt.maxRows > 0 && n > tt.maxRows {
					t.Errorf("a plan node produced %d rows, want at most %d:\n%s", n, tt.maxRows, plan)
					break
				}
			}
		})
	}
}
