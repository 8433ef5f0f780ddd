package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/candorstatus/candor/status"
)

const postmortemColumns = `incident_id, cause, impact, timeline, author, published_at, created_at, updated_at`

const postmortemActionColumns = `incident_id, id, title, owner, due_date, state`

func scanPostmortem(sc interface{ Scan(...any) error }, p *status.Postmortem) error {
	return sc.Scan(&p.IncidentID, textCol(&p.Cause), textCol(&p.Impact), textCol(&p.Timeline), &p.Author,
		timeCol{&p.PublishedAt}, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
}

// dayLayout is how a calendar day is stored.
const dayLayout = "2006-01-02"

// dateArg stores the calendar date t has in its own location as 'YYYY-MM-DD', or NULL for
// the zero time.
func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	y, m, d := t.Date()
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// dateCol scans a stored calendar day into *t as midnight UTC of that date; NULL gives the
// zero time.
type dateCol struct{ t *time.Time }

func (c dateCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.t = time.Time{}
	case string:
		d, err := time.Parse(dayLayout, v)
		if err != nil {
			return fmt.Errorf("scan date: %w", err)
		}
		*c.t = d
	default:
		return fmt.Errorf("scan date: unexpected %T", v)
	}
	return nil
}

// Postmortem returns an incident's postmortem, draft or published, with its actions in
// order; ENOTFOUND if none.
func (t *tx) Postmortem(incidentID string) (*status.Postmortem, error) {
	var p status.Postmortem
	err := scanPostmortem(t.queryRow(`SELECT `+postmortemColumns+` FROM postmortems WHERE incident_id = ?`,
		incidentID), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Incident %s has no postmortem.", incidentID)
	}
	if err != nil {
		return nil, t.fail(err, "load postmortem of incident %s", incidentID)
	}
	ps := []status.Postmortem{p}
	if err := t.loadPostmortemActions(ps, `WHERE incident_id = ?`, incidentID); err != nil {
		return nil, err
	}
	return &ps[0], nil
}

// Postmortems returns every postmortem with its actions, newest CreatedAt first (the zero
// time last), ties by incident id, in two queries.
func (t *tx) Postmortems() ([]status.Postmortem, error) {
	rows, err := t.query(postmortemsQuery)
	if err != nil {
		return nil, t.fail(err, "load postmortems")
	}
	defer rows.Close()
	var ps []status.Postmortem
	for rows.Next() {
		var p status.Postmortem
		if err := scanPostmortem(rows, &p); err != nil {
			return nil, t.fail(err, "load postmortems")
		}
		ps = append(ps, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, t.fail(err, "load postmortems")
	}
	if err := t.loadPostmortemActions(ps, ``); err != nil {
		return nil, err
	}
	return ps, nil
}

// postmortemsQuery lists postmortems in order, walking postmortems_created_at.
const postmortemsQuery = `SELECT ` + postmortemColumns + ` FROM postmortems ORDER BY created_at DESC, incident_id`

// postmortemActionsQuery loads follow-up actions (those where selects), each postmortem's in
// order.
func postmortemActionsQuery(where string) string {
	return `SELECT ` + postmortemActionColumns + ` FROM postmortem_actions ` + where + ` ORDER BY incident_id, position`
}

// loadPostmortemActions fills in the actions of ps from the rows where selects.
func (t *tx) loadPostmortemActions(ps []status.Postmortem, where string, args ...any) error {
	if len(ps) == 0 {
		return nil
	}
	index := make(map[string]int, len(ps))
	for i, p := range ps {
		index[p.IncidentID] = i
	}
	rows, err := t.query(postmortemActionsQuery(where), args...)
	if err != nil {
		return t.fail(err, "load postmortem actions")
	}
	defer rows.Close()
	for rows.Next() {
		var incidentID string
		var a status.FollowUp
		if err := rows.Scan(&incidentID, &a.ID, textCol(&a.Title), &a.Owner, dateCol{&a.DueDate}, &a.State); err != nil {
			return t.fail(err, "load postmortem actions")
		}
		if i, ok := index[incidentID]; ok {
			ps[i].Actions = append(ps[i].Actions, a)
		}
	}
	if err := rows.Err(); err != nil {
		return t.fail(err, "load postmortem actions")
	}
	return nil
}

// PutPostmortem inserts or replaces an incident's postmortem, keeping the stored CreatedAt;
// its actions are replaced as a whole, kept in slice order. ENOTFOUND if the incident is
// absent, EINVALID as validatePostmortem; on error nothing is written.
func (t *tx) PutPostmortem(p *status.Postmortem) error {
	if err := status.ValidatePostmortemRecord(p); err != nil {
		return err
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM incidents WHERE id = ?`, p.IncidentID).Scan(&n); err != nil {
		return t.fail(err, "put postmortem of incident %s", p.IncidentID)
	}
	if n == 0 {
		return notFound("Incident %s not found.", p.IncidentID)
	}
	return t.atomically(func() error {
		// An upsert, not INSERT OR REPLACE: replacing would lose created_at.
		if _, err := t.exec(`INSERT INTO postmortems (`+postmortemColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (incident_id) DO UPDATE SET cause = excluded.cause, impact = excluded.impact,
				timeline = excluded.timeline, author = excluded.author, published_at = excluded.published_at,
				updated_at = excluded.updated_at`,
			p.IncidentID, textArg(p.Cause), textArg(p.Impact), textArg(p.Timeline), p.Author,
			timeArg(p.PublishedAt), timeArg(p.CreatedAt), timeArg(p.UpdatedAt)); err != nil {
			return t.fail(err, "put postmortem of incident %s", p.IncidentID)
		}
		if _, err := t.exec(`DELETE FROM postmortem_actions WHERE incident_id = ?`, p.IncidentID); err != nil {
			return t.fail(err, "put actions of postmortem %s", p.IncidentID)
		}
		for i, a := range p.Actions {
			if _, err := t.exec(`INSERT INTO postmortem_actions (`+postmortemActionColumns+`, position)
				VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.IncidentID, a.ID, textArg(a.Title), a.Owner, dateArg(a.DueDate), string(a.State), i); err != nil {
				return t.fail(err, "put action %s of postmortem %s", a.ID, p.IncidentID)
			}
		}
		return nil
	})
}
