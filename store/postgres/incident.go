package postgres

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/candorstatus/candor/status"
)

const incidentColumns = `id, title, impact, status, cause, users_affected_percent, started_at,
	identified_at, monitoring_at, resolved_at, created_at, updated_at, announced_eta, source, external_id`

func scanIncident(sc interface{ Scan(...any) error }, inc *status.Incident) error {
	return sc.Scan(&inc.ID, textCol(&inc.Title), &inc.Impact, &inc.Status, &inc.Cause,
		&inc.UsersAffectedPercent, timeCol{&inc.StartedAt}, timeCol{&inc.IdentifiedAt},
		timeCol{&inc.MonitoringAt}, timeCol{&inc.ResolvedAt}, timeCol{&inc.CreatedAt},
		timeCol{&inc.UpdatedAt}, timeCol{&inc.AnnouncedETA}, &inc.Source, &inc.ExternalID)
}

// params collects the arguments of a statement built piece by piece.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// Incident returns an incident with its whole timeline; ENOTFOUND if absent.
func (t *tx) Incident(id string) (*status.Incident, error) {
	return t.oneIncident(`id = $1`, []any{id}, "incident "+id, "Incident "+id+" not found.")
}

// IncidentState returns an incident with its derived state and components but without
// its timeline; ENOTFOUND if absent. One round trip, however long the timeline.
func (t *tx) IncidentState(id string) (*status.Incident, error) {
	var inc status.Incident
	found := false
	b := &pgx.Batch{}
	b.Queue(`SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			found = true
			if err := scanIncident(rows, &inc); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	b.Queue(`SELECT component_id, status FROM incident_components WHERE incident_id = $1 ORDER BY position`, id).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var c status.AffectedComponent
				if err := rows.Scan(&c.ComponentID, &c.Status); err != nil {
					return err
				}
				inc.Components = append(inc.Components, c)
			}
			return rows.Err()
		})
	if err := t.send(b); err != nil {
		return nil, t.fail(err, "load incident %s", id)
	}
	if !found {
		return nil, notFound("Incident %s not found.", id)
	}
	return &inc, nil
}

// IncidentByExternalID finds an imported incident; ENOTFOUND if absent. An empty external
// id matches nothing.
func (t *tx) IncidentByExternalID(source, externalID string) (*status.Incident, error) {
	return t.oneIncident(`source = $1 AND external_id = $2 AND external_id <> ''`, []any{source, externalID},
		"incident "+source+"/"+externalID, "Incident "+externalID+" from "+source+" not found.")
}

func (t *tx) oneIncident(where string, args []any, what, notFoundMsg string) (*status.Incident, error) {
	var inc status.Incident
	err := scanIncident(t.queryRow(`SELECT `+incidentColumns+` FROM incidents WHERE `+where, args...), &inc)
	if errors.Is(err, pgx.ErrNoRows) {
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

// incidentWhere returns the WHERE clause (with a leading space, or empty) selecting f, its
// arguments added to p.
func incidentWhere(f status.IncidentFilter, p *params) (string, error) {
	var conds []string
	switch f.Status {
	case "":
	case "open":
		conds = append(conds, `status <> 'resolved'`)
	case "resolved":
		conds = append(conds, `status = 'resolved'`)
	default:
		return "", &status.Error{Code: status.EINVALID, Message: "Invalid status filter " + f.Status + ".",
			Fields: map[string]string{"status": `must be "", "open" or "resolved"`}}
	}
	if !f.ActiveSince.IsZero() {
		conds = append(conds, `(status <> 'resolved' OR resolved_at >= `+p.add(timeArg(f.ActiveSince))+`)`)
	}
	if !f.StartedBefore.IsZero() {
		conds = append(conds, `started_at < `+p.add(timeArg(f.StartedBefore)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), nil
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
	inc.Updates, err = t.updates(`SELECT `+updateColumns+` FROM incident_updates WHERE incident_id = $1
		ORDER BY seq OFFSET $2`, inc.ID, skip)
	if err != nil {
		return t.fail(err, "load updates of incident %s", inc.ID)
	}
	return nil
}

// changedIncidents returns the incidents changed by a write after revision rev, without
// their timelines or components, newest start first and ties by id.
func (t *tx) changedIncidents(rev int64) ([]status.Incident, error) {
	rows, err := t.query(`SELECT `+incidentColumns+` FROM incidents WHERE changed_rev > $1
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
	var p params
	where, err := incidentWhere(f, &p)
	if err != nil {
		return nil, err
	}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	q := `SELECT ` + incidentColumns + ` FROM incidents` + where +
		` ORDER BY started_at DESC, id LIMIT ` + p.add(limit) + ` OFFSET ` + p.add(f.Offset)
	rows, err := t.query(q, p...)
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

// loadComponents fills in the components incs hold, in one query.
func (t *tx) loadComponents(incs []status.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	index := make(map[string]int, len(incs))
	ids := make([]string, len(incs))
	for i, inc := range incs {
		index[inc.ID] = i
		ids[i] = inc.ID
	}
	rows, err := t.query(`SELECT incident_id, component_id, status FROM incident_components
		WHERE incident_id = ANY ($1) ORDER BY incident_id, position`, ids)
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
	if err := rows.Err(); err != nil {
		return t.fail(err, "load incident components")
	}
	return nil
}

// CountIncidents counts the incidents matching f, ignoring its Limit and Offset.
func (t *tx) CountIncidents(f status.IncidentFilter) (int, error) {
	var p params
	where, err := incidentWhere(f, &p)
	if err != nil {
		return 0, err
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM incidents`+where, p...).Scan(&n); err != nil {
		return 0, t.fail(err, "count incidents")
	}
	return n, nil
}

// loadTimelines fills in the components and updates of incs: one query each, the ids
// passed as one array, in one round trip.
func (t *tx) loadTimelines(incs []status.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	index := make(map[string]int, len(incs))
	ids := make([]string, len(incs))
	for i, inc := range incs {
		index[inc.ID] = i
		ids[i] = inc.ID
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT incident_id, component_id, status FROM incident_components
		WHERE incident_id = ANY ($1) ORDER BY incident_id, position`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var incID string
			var c status.AffectedComponent
			if err := rows.Scan(&incID, &c.ComponentID, &c.Status); err != nil {
				return err
			}
			inc := &incs[index[incID]]
			inc.Components = append(inc.Components, c)
		}
		return rows.Err()
	})
	b.Queue(`SELECT `+updateColumns+` FROM incident_updates
		WHERE incident_id = ANY ($1) ORDER BY incident_id, seq`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var u status.Update
			if err := scanUpdate(rows, &u); err != nil {
				return err
			}
			inc := &incs[index[u.IncidentID]]
			inc.Updates = append(inc.Updates, u)
		}
		return rows.Err()
	})
	if err := t.send(b); err != nil {
		return t.fail(err, "load incident timelines")
	}
	return nil
}

// componentsArgs returns an incident's components as two parallel arrays, for
// insertComponents; EINVALID if one is listed twice.
func componentsArgs(inc *status.Incident) (ids, statuses []string, err error) {
	seen := make(map[string]bool, len(inc.Components))
	for _, c := range inc.Components {
		if seen[c.ComponentID] {
			return nil, nil, &status.Error{Code: status.EINVALID,
				Message: "Incident " + inc.ID + " lists component " + c.ComponentID + " twice."}
		}
		seen[c.ComponentID] = true
		ids = append(ids, c.ComponentID)
		statuses = append(statuses, string(c.Status))
	}
	return ids, statuses, nil
}

// insertComponents stores the components of incident $1, $2 and $3 in order, if the
// incident exists.
const insertComponents = `INSERT INTO incident_components (incident_id, component_id, status, position)
	SELECT $1, c.id, c.status, c.n - 1 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c (id, status, n)
	WHERE EXISTS (SELECT FROM incidents WHERE id = $1)`

// CreateIncident inserts an incident, its components and its updates, in slice order, all
// or nothing: the statements go in one round trip, inside a savepoint. Every update is stored as the incident's, whatever its
// IncidentID. ECONFLICT if the id, the (source, external id) or an update's id is taken;
// EINVALID without a start time or with a component listed twice.
func (t *tx) CreateIncident(inc *status.Incident) error {
	if err := status.ValidateIncidentRecord(inc); err != nil {
		return err
	}
	ids, statuses, err := componentsArgs(inc)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO incidents (`+incidentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		inc.ID, textArg(inc.Title), string(inc.Impact), string(inc.Status), string(inc.Cause),
		float64PtrArg(inc.UsersAffectedPercent), timeArg(inc.StartedAt), timeArg(inc.IdentifiedAt),
		timeArg(inc.MonitoringAt), timeArg(inc.ResolvedAt), timeArg(inc.CreatedAt),
		timeArg(inc.UpdatedAt), timeArg(inc.AnnouncedETA), inc.Source, inc.ExternalID).Fn =
		func(br pgx.BatchResults) error {
			_, err := br.Exec()
			switch {
			case isUnique(err, "incidents_pkey"):
				return conflict("Incident %s already exists.", inc.ID)
			case isUnique(err):
				return conflict("Incident %s from %s was already imported.", inc.ExternalID, inc.Source)
			}
			return err
		}
	if len(ids) > 0 {
		b.Queue(insertComponents, inc.ID, ids, statuses)
	}
	for i := range inc.Updates {
		u := inc.Updates[i]
		u.IncidentID = inc.ID
		if err := queueUpdate(b, &u, i); err != nil {
			return err
		}
	}
	return t.atomically(func() error {
		if err := t.send(b); err != nil {
			if status.ErrorCode(err) == status.ECONFLICT {
				return err
			}
			return t.fail(err, "create incident %s", inc.ID)
		}
		return nil
	})
}

// SaveIncidentState stores the incident's derived state: status, impact, phase times,
// components, announced time and updated time, in one round trip. ENOTFOUND if absent;
// EINVALID, writing nothing, if a component is listed twice.
func (t *tx) SaveIncidentState(inc *status.Incident) error {
	ids, statuses, err := componentsArgs(inc)
	if err != nil {
		return err
	}
	found := false
	b := &pgx.Batch{}
	b.Queue(`UPDATE incidents SET status = $1, impact = $2, identified_at = $3,
			monitoring_at = $4, resolved_at = $5, announced_eta = $6, updated_at = $7
		WHERE id = $8`,
		string(inc.Status), string(inc.Impact), timeArg(inc.IdentifiedAt), timeArg(inc.MonitoringAt),
		timeArg(inc.ResolvedAt), timeArg(inc.AnnouncedETA), timeArg(inc.UpdatedAt), inc.ID).Exec(
		func(tag pgconn.CommandTag) error {
			found = tag.RowsAffected() > 0
			return nil
		})
	// Both change nothing when the incident is absent.
	b.Queue(`DELETE FROM incident_components WHERE incident_id = $1`, inc.ID)
	if len(ids) > 0 {
		b.Queue(insertComponents, inc.ID, ids, statuses)
	}
	if err := t.send(b); err != nil {
		return t.fail(err, "save incident %s", inc.ID)
	}
	if !found {
		return notFound("Incident %s not found.", inc.ID)
	}
	return nil
}
