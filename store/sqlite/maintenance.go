package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/status"
)

const maintenanceColumns = `id, title, status, scheduled_for, scheduled_until, notify, auto_complete,
	started_at, ended_at, late_notified, held_since, override_reason, created_at, updated_at,
	components, remind_before, reminders_sent, held_by, prior_status`

const maintenanceUpdateColumns = `id, maintenance_id, kind, status, message, notify, posted_by, created_at, event`

// maintenanceLists is the stored (JSON) form of a maintenance's lists.
type maintenanceLists struct {
	components, remindBefore, remindersSent, heldBy, priorStatus string
}

func encodeMaintenanceLists(m *status.Maintenance) (maintenanceLists, error) {
	var l maintenanceLists
	var errs [5]error
	l.components, errs[0] = encodeTokens(m.Components)
	l.remindBefore, errs[1] = encodeDurations(m.RemindBefore)
	l.remindersSent, errs[2] = encodeDurations(m.RemindersSent)
	l.heldBy, errs[3] = encodeTokens(m.HeldBy)
	l.priorStatus, errs[4] = encodePriorStatus(m.PriorStatus)
	if err := errors.Join(errs[:]...); err != nil {
		return l, fmt.Errorf("encode maintenance %s: %w", m.ID, err)
	}
	return l, nil
}

func (l maintenanceLists) decode(m *status.Maintenance) error {
	var errs [5]error
	m.Components, errs[0] = decodeTokens(l.components)
	m.RemindBefore, errs[1] = decodeDurations(l.remindBefore)
	m.RemindersSent, errs[2] = decodeDurations(l.remindersSent)
	m.HeldBy, errs[3] = decodeTokens(l.heldBy)
	m.PriorStatus, errs[4] = decodePriorStatus(l.priorStatus)
	if err := errors.Join(errs[:]...); err != nil {
		return fmt.Errorf("decode maintenance %s: %w", m.ID, err)
	}
	return nil
}

// encodeDurations stores durations as a JSON array of integer nanoseconds, exactly; nil as [].
func encodeDurations(ds []time.Duration) (string, error) {
	ns := make([]int64, len(ds))
	for i, d := range ds {
		ns[i] = int64(d)
	}
	b, err := json.Marshal(ns)
	return string(b), err
}

// decodeDurations reads a stored duration list; [] gives nil.
func decodeDurations(s string) ([]time.Duration, error) {
	var ns []int64
	if err := json.Unmarshal([]byte(s), &ns); err != nil {
		return nil, fmt.Errorf("durations: %w", err)
	}
	if len(ns) == 0 {
		return nil, nil
	}
	ds := make([]time.Duration, len(ns))
	for i, n := range ns {
		ds[i] = time.Duration(n)
	}
	return ds, nil
}

// encodePriorStatus stores component statuses as a JSON object; nil as {}.
func encodePriorStatus(m map[string]status.ComponentStatus) (string, error) {
	out := make(map[string]string, len(m))
	for id, st := range m {
		out[id] = string(st)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// decodePriorStatus reads stored component statuses; {} gives nil, as the contract pins.
func decodePriorStatus(s string) (map[string]status.ComponentStatus, error) {
	var in map[string]string
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("prior status: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]status.ComponentStatus, len(in))
	for id, st := range in {
		out[id] = status.ComponentStatus(st)
	}
	return out, nil
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
	err := scanMaintenance(t.queryRow(`SELECT `+maintenanceColumns+` FROM maintenances WHERE id = ?`, id), &m)
	if errors.Is(err, sql.ErrNoRows) {
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

// Maintenances returns the maintenances in any of f.Statuses (none: all) with their
// timelines, latest scheduled start first and ties by id, at most f.Limit of them (0: no
// limit), in two queries whatever their number. EINVALID for an unknown status or a negative
// limit.
func (t *tx) Maintenances(f status.MaintenanceFilter) ([]status.Maintenance, error) {
	if f.Limit < 0 {
		return nil, invalid("limit", "must not be negative", "Limit must not be negative.")
	}
	statuses := slices.Clone(f.Statuses)
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)
	var args []any
	for _, s := range statuses {
		if !s.Valid() {
			return nil, invalid("statuses", "must each be one of "+status.JoinNames(status.MaintenanceStatuses),
				fmt.Sprintf("Invalid maintenance status %q in the filter.", s))
		}
		args = append(args, string(s))
	}
	limit := -1 // SQLite: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := t.query(maintenancesQuery(len(statuses)), append(args, limit)...)
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
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, t.fail(err, "load maintenances")
	}
	if err := t.loadMaintenanceTimelines(ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// maintenancesQuery lists maintenances in any of n distinct statuses (0: all), bound first,
// then the limit. With statuses it reads one run of maintenances_status per status, without
// it walks maintenances_scheduled_for, which is the list order.
func maintenancesQuery(n int) string {
	q := `SELECT ` + maintenanceColumns + ` FROM maintenances`
	if n > 0 {
		q += ` WHERE status IN (?` + strings.Repeat(`, ?`, n-1) + `)`
	}
	return q + ` ORDER BY scheduled_for DESC, id LIMIT ?`
}

// maintenanceTimelinesQuery loads the updates of the maintenances whose ids are the JSON
// array bound to it, each timeline in order.
const maintenanceTimelinesQuery = `SELECT ` + maintenanceUpdateColumns + ` FROM maintenance_updates
	WHERE maintenance_id IN (SELECT value FROM json_each(?)) ORDER BY maintenance_id, seq`

// loadMaintenanceTimelines fills in the updates of ms in one query, the ids passed as one
// JSON array so any number of maintenances fits in one statement.
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
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := t.query(maintenanceTimelinesQuery, string(idsJSON))
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

// CreateMaintenance inserts a maintenance and its updates, in slice order; every update is
// stored as the maintenance's, and its MaintenanceID set. All or nothing: ECONFLICT if the
// id or an update's id is taken, EINVALID without an id, a title, a known status, both
// scheduled times or an id on every update; then nothing is written and the transaction
// goes on.
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
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO maintenances (`+maintenanceColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, textArg(m.Title), string(m.Status), timeArg(m.ScheduledFor), timeArg(m.ScheduledUntil),
			m.Notify, m.AutoComplete, timeArg(m.StartedAt), timeArg(m.EndedAt), timeArg(m.LateNotified),
			timeArg(m.HeldSince), m.OverrideReason, timeArg(m.CreatedAt), timeArg(m.UpdatedAt),
			l.components, l.remindBefore, l.remindersSent, l.heldBy, l.priorStatus)
		switch {
		case isPrimaryKey(err):
			return conflict("Maintenance %s already exists.", m.ID)
		case err != nil:
			return t.fail(err, "create maintenance %s", m.ID)
		}
		for i := range m.Updates {
			m.Updates[i].MaintenanceID = m.ID
			if err := t.insertMaintenanceUpdate(&m.Updates[i], i); err != nil {
				return err
			}
		}
		return t.keepIDs(m.Components)
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
	ok, err := t.execOne(`UPDATE maintenances SET title = ?, status = ?, scheduled_for = ?, scheduled_until = ?,
			notify = ?, auto_complete = ?, started_at = ?, ended_at = ?, late_notified = ?, held_since = ?,
			override_reason = ?, updated_at = ?, components = ?, remind_before = ?, reminders_sent = ?,
			held_by = ?, prior_status = ?
		WHERE id = ?`,
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
// CreatedAt; ENOTFOUND if the maintenance is absent, ECONFLICT if the update's id is taken,
// EINVALID without an id.
func (t *tx) AppendMaintenanceUpdate(u *status.MaintenanceUpdate) error {
	if u.ID == "" {
		return invalid("id", "is required", "A maintenance update needs an id.")
	}
	var next int
	err := t.queryRow(`SELECT coalesce((SELECT max(seq) + 1 FROM maintenance_updates WHERE maintenance_id = m.id), 0)
		FROM maintenances AS m WHERE m.id = ?`, u.MaintenanceID).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Maintenance %s not found.", u.MaintenanceID)
	}
	if err != nil {
		return t.fail(err, "append update to maintenance %s", u.MaintenanceID)
	}
	return t.insertMaintenanceUpdate(u, next)
}

func (t *tx) insertMaintenanceUpdate(u *status.MaintenanceUpdate, seq int) error {
	_, err := t.exec(`INSERT INTO maintenance_updates (`+maintenanceUpdateColumns+`, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.MaintenanceID, string(u.Kind), string(u.Status), textArg(u.Message), u.Notify, u.PostedBy,
		timeArg(u.CreatedAt), u.Event, seq)
	switch {
	case isPrimaryKey(err):
		return conflict("Maintenance update %s already exists.", u.ID)
	case err != nil:
		return t.fail(err, "insert update %s of maintenance %s", u.ID, u.MaintenanceID)
	}
	return nil
}

// atomically runs fn inside a savepoint: when fn fails, whatever it wrote is undone and the
// transaction goes on as before fn.
func (t *tx) atomically(fn func() error) error {
	if _, err := t.exec(`SAVEPOINT atomically`); err != nil {
		return t.fail(err, "begin savepoint")
	}
	if err := fn(); err != nil {
		if _, rerr := t.exec(`ROLLBACK TO atomically`); rerr != nil {
			return errors.Join(err, t.fail(rerr, "roll back to savepoint"))
		}
		if _, rerr := t.exec(`RELEASE atomically`); rerr != nil {
			return errors.Join(err, t.fail(rerr, "release savepoint"))
		}
		return err
	}
	if _, err := t.exec(`RELEASE atomically`); err != nil {
		return t.fail(err, "release savepoint")
	}
	return nil
}
