package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/candorstatus/candor/status"
)

const incidentColumns = `id, title, impact, status, cause, users_affected_percent, started_at,
	identified_at, monitoring_at, resolved_at, created_at, updated_at, announced_eta, source, external_id`

func scanIncident(sc interface{ Scan(...any) error }, inc *status.Incident) error {
	return sc.Scan(&inc.ID, textCol(&inc.Title), &inc.Impact, &inc.Status, &inc.Cause,
		float64PtrCol{&inc.UsersAffectedPercent}, timeCol{&inc.StartedAt}, timeCol{&inc.IdentifiedAt},
		timeCol{&inc.MonitoringAt}, timeCol{&inc.ResolvedAt}, timeCol{&inc.CreatedAt},
		timeCol{&inc.UpdatedAt}, timeCol{&inc.AnnouncedETA}, &inc.Source, &inc.ExternalID)
}

// Incident returns an incident with its whole timeline; ENOTFOUND if absent.
func (t *tx) Incident(id string) (*status.Incident, error) {
	return t.oneIncident(`id = ?`, []any{id}, "incident "+id, "Incident "+id+" not found.")
}

// IncidentState returns an incident with its derived state and components but without
// its timeline; ENOTFOUND if absent. Two indexed reads, however long the timeline.
func (t *tx) IncidentState(id string) (*status.Incident, error) {
	var inc status.Incident
	err := scanIncident(t.queryRow(`SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id), &inc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Incident %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load incident %s", id)
	}
	incs := []status.Incident{inc}
	if err := t.loadComponents(incs); err != nil {
		return nil, err
	}
	return &incs[0], nil
}

// IncidentByExternalID finds an imported incident; ENOTFOUND if absent. An empty external
// id matches nothing.
func (t *tx) IncidentByExternalID(source, externalID string) (*status.Incident, error) {
	return t.oneIncident(`source = ? AND external_id = ? AND external_id <> ''`, []any{source, externalID},
		"incident "+source+"/"+externalID, "Incident "+externalID+" from "+source+" not found.")
}

func (t *tx) oneIncident(where string, args []any, what, notFoundMsg string) (*status.Incident, error) {
	var inc status.Incident
	err := scanIncident(t.queryRow(`SELECT `+incidentColumns+` FROM incidents WHERE `+where, args...), &inc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("%s", notFoundMsg)
	}
	if err != nil {
		return nil, t.fail(err, "load %s", what)
	}
	incs := []status.Incident{inc}
	if err := t.loadTimelines(incs); err != nil {
		return nil, err
	}
	return &incs[0], nil
}

// incidentWhere returns the WHERE clause (with a leading space, or empty) selecting f.
func incidentWhere(f status.IncidentFilter) (string, []any, error) {
	var conds []string
	var args []any
	switch f.Status {
	case "":
	case "open":
		conds = append(conds, `status <> 'resolved'`)
	case "resolved":
		conds = append(conds, `status = 'resolved'`)
	default:
		return "", nil, &status.Error{Code: status.EINVALID, Message: "Invalid status filter " + f.Status + ".",
			Fields: map[string]string{"status": `must be "", "open" or "resolved"`}}
	}
	if !f.ActiveSince.IsZero() {
		conds = append(conds, `(status <> 'resolved' OR resolved_at >= ?)`)
		args = append(args, f.ActiveSince.UnixMicro())
	}
	if !f.StartedBefore.IsZero() {
		conds = append(conds, `started_at < ?`)
		args = append(args, f.StartedBefore.UnixMicro())
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// IncidentsChangedSince returns the incidents changed by a write after revision rev, with
// their timelines, newest start first and ties by id. Triggers keep changed_rev (see the
// migration that adds it).
func (t *tx) IncidentsChangedSince(rev int64) ([]status.Incident, error) {
	incs, err := t.changedIncidents(rev)
	if err != nil {
		return nil, err
	}
	if err := t.loadTimelines(incs); err != nil {
		return nil, err
	}
	return incs, nil
}

// IncidentTailsSince returns the incidents changed by a write after revision rev, each with
// its timeline from position from[id] on.
func (t *tx) IncidentTailsSince(rev int64, from map[string]int) ([]status.IncidentTail, error) {
	incs, err := t.changedIncidents(rev)
	if err != nil {
		return nil, err
	}
	if err := t.loadComponents(incs); err != nil {
		return nil, err
	}
	out := make([]status.IncidentTail, len(incs))
	for i := range incs {
		inc := &incs[i]
		skip := max(from[inc.ID], 0)
		if err := t.tail(inc, skip); err != nil {
			return nil, err
		}
		out[i] = status.IncidentTail{Incident: *inc, From: skip}
	}
	return out, nil
}

// tail loads inc's timeline from position skip on into inc.Updates.
func (t *tx) tail(inc *status.Incident, skip int) (err error) {
	inc.Updates, err = t.updates(`SELECT `+updateColumns+` FROM incident_updates WHERE incident_id = ?
		ORDER BY seq LIMIT -1 OFFSET ?`, inc.ID, skip)
	if err != nil {
		return t.fail(err, "load updates of incident %s", inc.ID)
	}
	return nil
}

// changedIncidents returns the incidents changed by a write after revision rev, without
// their timelines or components, newest start first and ties by id.
func (t *tx) changedIncidents(rev int64) ([]status.Incident, error) {
	rows, err := t.query(`SELECT `+incidentColumns+` FROM incidents WHERE changed_rev > ?
		ORDER BY started_at DESC, id`, rev)
	if err != nil {
		return nil, t.fail(err, "load incidents changed since revision %d", rev)
	}
	defer rows.Close()
	var incs []status.Incident
	for rows.Next() {
		var inc status.Incident
		if err := scanIncident(rows, &inc); err != nil {
			return nil, t.fail(err, "load incidents changed since revision %d", rev)
		}
		incs = append(incs, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load incidents changed since revision %d", rev)
	}
	return incs, nil
}

// Incidents returns the incidents matching f with their timelines, newest start first and
// ties by id, in three queries whatever their number.
func (t *tx) Incidents(f status.IncidentFilter) ([]status.Incident, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return nil, &status.Error{Code: status.EINVALID, Message: "Limit and offset must not be negative.",
			Fields: map[string]string{"limit": "must not be negative", "offset": "must not be negative"}}
	}
	where, args, err := incidentWhere(f)
	if err != nil {
		return nil, err
	}
	limit := -1 // SQLite: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	args = append(args, limit, f.Offset)
	rows, err := t.query(`SELECT `+incidentColumns+` FROM incidents`+where+
		` ORDER BY started_at DESC, id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, t.fail(err, "load incidents")
	}
	defer rows.Close()
	var incs []status.Incident
	for rows.Next() {
		var inc status.Incident
		if err := scanIncident(rows, &inc); err != nil {
			return nil, t.fail(err, "load incidents")
		}
		incs = append(incs, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load incidents")
	}
	if f.StateOnly {
		return incs, t.loadComponents(incs)
	}
	if err := t.loadTimelines(incs); err != nil {
		return nil, err
	}
	return incs, nil
}

// CountIncidents counts the incidents matching f, ignoring its Limit and Offset.
func (t *tx) CountIncidents(f status.IncidentFilter) (int, error) {
	where, args, err := incidentWhere(f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM incidents`+where, args...).Scan(&n); err != nil {
		return 0, t.fail(err, "count incidents")
	}
	return n, nil
}

// incidentIDs returns the ids of incs as one JSON array, so any number of incidents fits
// in one statement, and their index in incs.
func incidentIDs(incs []status.Incident) (string, map[string]int, error) {
	index := make(map[string]int, len(incs))
	ids := make([]string, len(incs))
	for i, inc := range incs {
		index[inc.ID] = i
		ids[i] = inc.ID
	}
	idsJSON, err := json.Marshal(ids)
	return string(idsJSON), index, err
}

// loadComponents fills in the components incs hold, in one query.
func (t *tx) loadComponents(incs []status.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	idsJSON, index, err := incidentIDs(incs)
	if err != nil {
		return err
	}
	rows, err := t.query(`SELECT incident_id, component_id, status FROM incident_components
		WHERE incident_id IN (SELECT value FROM json_each(?)) ORDER BY incident_id, position`, idsJSON)
	if err != nil {
		return t.fail(err, "load incident components")
	}
	defer rows.Close()
	for rows.Next() {
		var incID string
		var c status.AffectedComponent
		if err := rows.Scan(&incID, &c.ComponentID, &c.Status); err != nil {
			return t.fail(err, "load incident components")
		}
		inc := &incs[index[incID]]
		inc.Components = append(inc.Components, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return t.fail(err, "load incident components")
	}
	return nil
}

// loadTimelines fills in the components and updates of incs: one query each.
func (t *tx) loadTimelines(incs []status.Incident) error {
	if err := t.loadComponents(incs); err != nil || len(incs) == 0 {
		return err
	}
	idsJSON, index, err := incidentIDs(incs)
	if err != nil {
		return err
	}

	rows, err := t.query(`SELECT `+updateColumns+` FROM incident_updates
		WHERE incident_id IN (SELECT value FROM json_each(?)) ORDER BY incident_id, seq`, idsJSON)
	if err != nil {
		return t.fail(err, "load incident updates")
	}
	defer rows.Close()
	for rows.Next() {
		var u status.Update
		if err := scanUpdate(rows, &u); err != nil {
			return t.fail(err, "load incident updates")
		}
		inc := &incs[index[u.IncidentID]]
		inc.Updates = append(inc.Updates, u)
	}
	if err := rows.Err(); err != nil {
		return t.fail(err, "load incident updates")
	}
	return nil
}

// CreateIncident inserts an incident, its components and its updates, in slice order;
// every update is stored as the incident's, whatever its IncidentID. ECONFLICT if the id,
// the (source, external id) or an update's id is taken; EINVALID without a start time.
func (t *tx) CreateIncident(inc *status.Incident) error {
	if err := status.ValidateIncidentRecord(inc); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO incidents (`+incidentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inc.ID, textArg(inc.Title), string(inc.Impact), string(inc.Status), string(inc.Cause),
		float64PtrArg(inc.UsersAffectedPercent), timeArg(inc.StartedAt), timeArg(inc.IdentifiedAt),
		timeArg(inc.MonitoringAt), timeArg(inc.ResolvedAt), timeArg(inc.CreatedAt),
		timeArg(inc.UpdatedAt), timeArg(inc.AnnouncedETA), inc.Source, inc.ExternalID)
	switch {
	case isPrimaryKey(err):
		return conflict("Incident %s already exists.", inc.ID)
	case isUnique(err):
		return conflict("Incident %s from %s was already imported.", inc.ExternalID, inc.Source)
	case err != nil:
		return t.fail(err, "create incident %s", inc.ID)
	}
	if err := t.insertIncidentComponents(inc); err != nil {
		return err
	}
	for i := range inc.Updates {
		u := inc.Updates[i]
		u.IncidentID = inc.ID
		if err := t.insertUpdate(&u, i); err != nil {
			return err
		}
	}
	return nil
}

// SaveIncidentState stores the incident's derived state: status, impact, phase times,
// components, announced time and updated time. ENOTFOUND if absent.
func (t *tx) SaveIncidentState(inc *status.Incident) error {
	ok, err := t.execOne(`UPDATE incidents SET status = ?, impact = ?, identified_at = ?,
			monitoring_at = ?, resolved_at = ?, announced_eta = ?, updated_at = ?
		WHERE id = ?`,
		string(inc.Status), string(inc.Impact), timeArg(inc.IdentifiedAt), timeArg(inc.MonitoringAt),
		timeArg(inc.ResolvedAt), timeArg(inc.AnnouncedETA), timeArg(inc.UpdatedAt), inc.ID)
	if err != nil {
		return t.fail(err, "save incident %s", inc.ID)
	}
	if !ok {
		return notFound("Incident %s not found.", inc.ID)
	}
	if _, err := t.exec(`DELETE FROM incident_components WHERE incident_id = ?`, inc.ID); err != nil {
		return t.fail(err, "save incident %s components", inc.ID)
	}
	return t.insertIncidentComponents(inc)
}

func (t *tx) insertIncidentComponents(inc *status.Incident) error {
	for i, c := range inc.Components {
		_, err := t.exec(`INSERT INTO incident_components (incident_id, component_id, status, position)
			VALUES (?, ?, ?, ?)`, inc.ID, c.ComponentID, string(c.Status), i)
		if isUnique(err) {
			return &status.Error{Code: status.EINVALID,
				Message: "Incident " + inc.ID + " lists component " + c.ComponentID + " twice."}
		}
		if err != nil {
			return t.fail(err, "save incident %s components", inc.ID)
		}
	}
	return nil
}
