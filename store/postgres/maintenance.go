package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const maintenanceColumns = `id, title, status, scheduled_for, scheduled_until, notify, auto_complete,
	started_at, ended_at, late_notified, held_since, override_reason, created_at, updated_at,
	components, remind_before, reminders_sent, held_by, prior_status`

const maintenanceUpdateColumns = `id, maintenance_id, kind, status, message, notify, posted_by, created_at, event`

// maintenanceLists is the stored form of a maintenance's lists: arrays (never NULL) and a
// JSON object.
type maintenanceLists struct {
	components, heldBy          []string
	remindBefore, remindersSent []int64
	priorStatus                 []byte
}

func encodeMaintenanceLists(m *status.Maintenance) (maintenanceLists, error) {
	prior := make(map[string]string, len(m.PriorStatus))
	for id, st := range m.PriorStatus {
		prior[id] = string(st)
	}
	b, err := json.Marshal(prior)
	if err != nil {
		return maintenanceLists{}, fmt.Errorf("encode maintenance %s: %w", m.ID, err)
	}
	return maintenanceLists{components: tokensArg(m.Components), heldBy: tokensArg(m.HeldBy),
		remindBefore: encodeDurations(m.RemindBefore), remindersSent: encodeDurations(m.RemindersSent),
		priorStatus: b}, nil
}

func (l maintenanceLists) decode(m *status.Maintenance) error {
	m.Components, m.HeldBy = nilIfEmpty(l.components), nilIfEmpty(l.heldBy)
	m.RemindBefore, m.RemindersSent = decodeDurations(l.remindBefore), decodeDurations(l.remindersSent)
	var prior map[string]string
	if err := json.Unmarshal(l.priorStatus, &prior); err != nil {
		return fmt.Errorf("decode maintenance %s prior status: %w", m.ID, err)
	}
	m.PriorStatus = nil // an empty map comes back nil, as the contract pins
	if len(prior) > 0 {
		m.PriorStatus = make(map[string]status.ComponentStatus, len(prior))
		for id, st := range prior {
			m.PriorStatus[id] = status.ComponentStatus(st)
		}
	}
	return nil
}

// encodeDurations stores durations as integer nanoseconds, exactly; nil as the empty array.
func encodeDurations(ds []time.Duration) []int64 {
	ns := make([]int64, len(ds))
	for i, d := range ds {
		ns[i] = int64(d)
	}
	return ns
}

// decodeDurations reads stored nanoseconds; the empty array gives nil.
func decodeDurations(ns []int64) []time.Duration {
	if len(ns) == 0 {
		return nil
	}
	ds := make([]time.Duration, len(ns))
	for i, n := range ns {
		ds[i] = time.Duration(n)
	}
	return ds
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func scanMaintenance(sc interface{ Scan(...any) error }, m *status.Maintenance) error {
	var l maintenanceLists
	if err := sc.Scan(&m.ID, textCol(&m.Title), &m.Status, timeCol{&m.ScheduledFor}, timeCol{&m.ScheduledUntil},
		&m.Notify, &m.AutoComplete, timeCol{&m.StartedAt}, timeCol{&m.EndedAt}, timeCol{&m.LateNotified},
		timeCol{&m.HeldSince}, &m.OverrideReason, timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt},
		&l.components, &l.remindBefore, &l.remindersSent, &l.heldBy, &l.priorStatus); err != nil {
		return err
	}
	return l.decode(m)
}

func scanMaintenanceUpdate(sc interface{ Scan(...any) error }, u *status.MaintenanceUpdate) error {
	return sc.Scan(&u.ID, &u.MaintenanceID, &u.Kind, &u.Status, textCol(&u.Message), &u.Notify, &u.PostedBy,
		timeCol{&u.CreatedAt}, &u.Event)
}

// Maintenance returns a maintenance with its timeline; ENOTFOUND if absent.
func (t *tx) Maintenance(id string) (*status.Maintenance, error) {
	var m status.Maintenance
	err := scanMaintenance(t.queryRow(`SELECT `+maintenanceColumns+` FROM maintenances WHERE id = $1`, id), &m)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Maintenance %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load maintenance %s", id)
	}
	ms := []status.Maintenance{m}
	if err := t.loadMaintenanceTimelines(ms); err != nil {
		return nil, err
	}
	return &ms[0], nil
}

// maintenancesQuery lists maintenances, latest scheduled start first, ties by id. Without
// statuses it walks maintenances_scheduled_for, which is the list order, $1 the limit; with
// statuses ($1, an array) it reads one run of maintenances_status per status, $2 the limit.
func maintenancesQuery(statuses bool) string {
	q := `SELECT ` + maintenanceColumns + ` FROM maintenances`
	if statuses {
		return q + ` WHERE status = ANY ($1) ORDER BY scheduled_for DESC, id LIMIT $2`
	}
	return q + ` ORDER BY scheduled_for DESC, id LIMIT $1`
}

// Maintenances returns the maintenances in any of f.Statuses (none: all) with their
// timelines, latest scheduled start first and ties by id, at most f.Limit of them (0: no
// limit), in two queries whatever their number. EINVALID for an unknown status or a negative
// limit.
func (t *tx) Maintenances(f status.MaintenanceFilter) ([]status.Maintenance, error) {
	if f.Limit < 0 {
		return nil, invalid("limit", "must not be negative", "Limit must not be negative.")
	}
	var statuses []string
	for _, s := range f.Statuses {
		if !s.Valid() {
			return nil, invalid("statuses", "must each be one of "+status.JoinNames(status.MaintenanceStatuses),
				fmt.Sprintf("Invalid maintenance status %q in the filter.", s))
		}
		statuses = append(statuses, string(s))
	}
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	args := []any{limit}
	if len(statuses) > 0 {
		args = []any{statuses, limit}
	}
	rows, err := t.query(maintenancesQuery(len(statuses) > 0), args...)
	if err != nil {
		return nil, t.fail(err, "load maintenances")
	}
	defer rows.Close()
	var ms []status.Maintenance
	for rows.Next() {
		var m status.Maintenance
		if err := scanMaintenance(rows, &m); err != nil {
			return nil, t.fail(err, "load maintenances")
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load maintenances")
	}
	if err := t.loadMaintenanceTimelines(ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// loadMaintenanceTimelines fills in the updates of ms in one query, the ids passed as one
// array.
func (t *tx) loadMaintenanceTimelines(ms []status.Maintenance) error {
	if len(ms) == 0 {
		return nil
	}
	index := make(map[string]int, len(ms))
	ids := make([]string, len(ms))
	for i, m := range ms {
		index[m.ID] = i
		ids[i] = m.ID
	}
	rows, err := t.query(`SELECT `+maintenanceUpdateColumns+` FROM maintenance_updates
		WHERE maintenance_id = ANY ($1) ORDER BY maintenance_id, seq`, ids)
	if err != nil {
		return t.fail(err, "load maintenance updates")
	}
	defer rows.Close()
	for rows.Next() {
		var u status.MaintenanceUpdate
		if err := scanMaintenanceUpdate(rows, &u); err != nil {
			return t.fail(err, "load maintenance updates")
		}
		m := &ms[index[u.MaintenanceID]]
		m.Updates = append(m.Updates, u)
	}
	if err := rows.Err(); err != nil {
		return t.fail(err, "load maintenance updates")
	}
	return nil
}

// insertMaintenanceUpdate is the insert of one timeline entry at position $10.
const insertMaintenanceUpdate = `INSERT INTO maintenance_updates (` + maintenanceUpdateColumns + `, seq)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

func maintenanceUpdateArgs(u *status.MaintenanceUpdate) []any {
	return []any{u.ID, u.MaintenanceID, string(u.Kind), string(u.Status), textArg(u.Message), u.Notify, u.PostedBy,
		timeArg(u.CreatedAt), u.Event}
}

// CreateMaintenance inserts a maintenance and its updates, in slice order (the statements in
// one round trip, inside a savepoint); every update is stored as the maintenance's, and its MaintenanceID set. All or
// nothing: ECONFLICT if the id or an update's id is taken, EINVALID without an id, a title,
// a known status, both scheduled times or an id on every update; then nothing is written
// and the transaction goes on.
func (t *tx) CreateMaintenance(m *status.Maintenance) error {
	if err := status.ValidateMaintenanceRecord(m); err != nil {
		return err
	}
	for _, u := range m.Updates {
		if u.ID == "" {
			return invalid("updates", "each needs an id", "Every maintenance update needs an id.")
		}
	}
	l, err := encodeMaintenanceLists(m)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO maintenances (`+maintenanceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		m.ID, textArg(m.Title), string(m.Status), timeArg(m.ScheduledFor), timeArg(m.ScheduledUntil),
		m.Notify, m.AutoComplete, timeArg(m.StartedAt), timeArg(m.EndedAt), timeArg(m.LateNotified),
		timeArg(m.HeldSince), m.OverrideReason, timeArg(m.CreatedAt), timeArg(m.UpdatedAt),
		l.components, l.remindBefore, l.remindersSent, l.heldBy, l.priorStatus).Fn = func(br pgx.BatchResults) error {
		_, err := br.Exec()
		if isUnique(err) {
			return conflict("Maintenance %s already exists.", m.ID)
		}
		return err
	}
	for i := range m.Updates {
		u := &m.Updates[i]
		u.MaintenanceID = m.ID
		b.Queue(insertMaintenanceUpdate, append(maintenanceUpdateArgs(u), i)...).Fn = func(br pgx.BatchResults) error {
			_, err := br.Exec()
			if isUnique(err, "maintenance_updates_pkey") {
				return conflict("Maintenance update %s already exists.", u.ID)
			}
			return err
		}
	}
	if len(m.Components) > 0 {
		b.Queue(keepIDs, m.Components)
	}
	return t.atomically(func() error {
		if err := t.send(b); err != nil {
			if status.ErrorCode(err) == status.ECONFLICT {
				return err
			}
			return t.fail(err, "create maintenance %s", m.ID)
		}
		return nil
	})
}

// SaveMaintenance stores every field of m but its id, CreatedAt and timeline; ENOTFOUND if
// absent, EINVALID (writing nothing) as CreateMaintenance.
func (t *tx) SaveMaintenance(m *status.Maintenance) error {
	if err := status.ValidateMaintenanceRecord(m); err != nil {
		return err
	}
	l, err := encodeMaintenanceLists(m)
	if err != nil {
		return err
	}
	ok, err := t.execOne(`UPDATE maintenances SET title = $1, status = $2, scheduled_for = $3,
			scheduled_until = $4, notify = $5, auto_complete = $6, started_at = $7, ended_at = $8,
			late_notified = $9, held_since = $10, override_reason = $11, updated_at = $12, components = $13,
			remind_before = $14, reminders_sent = $15, held_by = $16, prior_status = $17
		WHERE id = $18`,
		textArg(m.Title), string(m.Status), timeArg(m.ScheduledFor), timeArg(m.ScheduledUntil),
		m.Notify, m.AutoComplete, timeArg(m.StartedAt), timeArg(m.EndedAt), timeArg(m.LateNotified),
		timeArg(m.HeldSince), m.OverrideReason, timeArg(m.UpdatedAt),
		l.components, l.remindBefore, l.remindersSent, l.heldBy, l.priorStatus, m.ID)
	if err != nil {
		return t.fail(err, "save maintenance %s", m.ID)
	}
	if !ok {
		return notFound("Maintenance %s not found.", m.ID)
	}
	return nil
}

// AppendMaintenanceUpdate adds u at the end of its maintenance's timeline, whatever its
// CreatedAt, in one statement; ENOTFOUND if the maintenance is absent, ECONFLICT if the
// update's id is taken, EINVALID without an id.
func (t *tx) AppendMaintenanceUpdate(u *status.MaintenanceUpdate) error {
	if u.ID == "" {
		return invalid("id", "is required", "A maintenance update needs an id.")
	}
	ok, err := t.execOne(`INSERT INTO maintenance_updates (`+maintenanceUpdateColumns+`, seq)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9,
			coalesce((SELECT max(seq) + 1 FROM maintenance_updates WHERE maintenance_id = m.id), 0)
		FROM maintenances AS m WHERE m.id = $2
		ON CONFLICT (id) DO NOTHING`, maintenanceUpdateArgs(u)...)
	if err != nil {
		return t.fail(err, "append update to maintenance %s", u.MaintenanceID)
	}
	if ok {
		return nil
	}
	var exists bool
	err = t.queryRow(`SELECT EXISTS (SELECT FROM maintenances WHERE id = $1)`, u.MaintenanceID).Scan(&exists)
	switch {
	case err != nil:
		return t.fail(err, "append update to maintenance %s", u.MaintenanceID)
	case !exists:
		return notFound("Maintenance %s not found.", u.MaintenanceID)
	}
	return conflict("Maintenance update %s already exists.", u.ID)
}
