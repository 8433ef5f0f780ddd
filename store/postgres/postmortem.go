package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/candorstatus/candor/status"
)

const postmortemColumns = `incident_id, cause, impact, timeline, author, published_at, created_at, updated_at`

const postmortemActionColumns = `incident_id, id, title, owner, due_date, state`

func scanPostmortem(sc interface{ Scan(...any) error }, p *status.Postmortem) error {
	return sc.Scan(&p.IncidentID, textCol(&p.Cause), textCol(&p.Impact), textCol(&p.Timeline), &p.Author,
		timeCol{&p.PublishedAt}, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
}

// dateArg stores the calendar date t has in its own location, or NULL for the zero time.
func dateArg(t time.Time) pgtype.Date {
	if t.IsZero() {
		return pgtype.Date{}
	}
	y, m, d := t.Date()
	return pgtype.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Valid: true}
}

// dateCol scans a stored calendar day into *t as midnight UTC of that date; NULL gives the
// zero time.
type dateCol struct{ t *time.Time }

// ScanDate implements pgtype.DateScanner.
func (c dateCol) ScanDate(v pgtype.Date) error {
	switch {
	case !v.Valid:
		*c.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("scan date: infinite date")
	default:
		y, m, d := v.Time.Date()
		*c.t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return nil
}

// postmortemActionsQuery loads the follow-up actions where selects, each postmortem's in
// order.
func postmortemActionsQuery(where string) string {
	return `SELECT ` + postmortemActionColumns + ` FROM postmortem_actions ` + where + ` ORDER BY incident_id, position`
}

// queuePostmortemActions queues the load of the actions of ps (where selects them, with
// args), each postmortem's in order, into ps.
func queuePostmortemActions(b *pgx.Batch, ps *[]status.Postmortem, where string, args ...any) {
	b.Queue(postmortemActionsQuery(where), args...).Query(func(rows pgx.Rows) error {
		index := make(map[string]int, len(*ps))
		for i, p := range *ps {
			index[p.IncidentID] = i
		}
		for rows.Next() {
			var incidentID string
			var a status.FollowUp
			if err := rows.Scan(&incidentID, &a.ID, textCol(&a.Title), &a.Owner, dateCol{&a.DueDate}, &a.State); err != nil {
				return err
			}
			if i, ok := index[incidentID]; ok {
				(*ps)[i].Actions = append((*ps)[i].Actions, a)
			}
		}
		return rows.Err()
	})
}

// Postmortem returns an incident's postmortem, draft or published, with its actions in
// order, in one round trip; ENOTFOUND if none.
func (t *tx) Postmortem(incidentID string) (*status.Postmortem, error) {
	var ps []status.Postmortem
	b := &pgx.Batch{}
	b.Queue(`SELECT `+postmortemColumns+` FROM postmortems WHERE incident_id = $1`, incidentID).Query(
		func(rows pgx.Rows) error { return scanPostmortems(rows, &ps) })
	queuePostmortemActions(b, &ps, `WHERE incident_id = $1`, incidentID)
	if err := t.send(b); err != nil {
		return nil, t.fail(err, "load postmortem of incident %s", incidentID)
	}
	if len(ps) == 0 {
		return nil, notFound("Incident %s has no postmortem.", incidentID)
	}
	return &ps[0], nil
}

// postmortemsQuery lists postmortems in the order of postmortems_created_at.
const postmortemsQuery = `SELECT ` + postmortemColumns + ` FROM postmortems
	ORDER BY created_at DESC NULLS LAST, incident_id`

// Postmortems returns every postmortem with its actions, newest CreatedAt first (the zero
// time last), ties by incident id, in one round trip.
func (t *tx) Postmortems() ([]status.Postmortem, error) {
	var ps []status.Postmortem
	b := &pgx.Batch{}
	b.Queue(postmortemsQuery).Query(
		func(rows pgx.Rows) error { return scanPostmortems(rows, &ps) })
	queuePostmortemActions(b, &ps, ``)
	if err := t.send(b); err != nil {
		return nil, t.fail(err, "load postmortems")
	}
	return ps, nil
}

func scanPostmortems(rows pgx.Rows, ps *[]status.Postmortem) error {
	for rows.Next() {
		var p status.Postmortem
		if err := scanPostmortem(rows, &p); err != nil {
			return err
		}
		*ps = append(*ps, p)
	}
	return rows.Err()
}

// PutPostmortem inserts or replaces an incident's postmortem, keeping the stored CreatedAt;
// its actions are replaced as a whole, kept in slice order. ENOTFOUND if the incident is
// absent, EINVALID as validatePostmortem; on error nothing is written. One round trip: the
// statements check the incident themselves, so none fails on a foreign key.
func (t *tx) PutPostmortem(p *status.Postmortem) error {
	if err := status.ValidatePostmortemRecord(p); err != nil {
		return err
	}
	n := len(p.Actions)
	ids, titles, owners, states := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	dues := make([]pgtype.Date, n)
	for i, a := range p.Actions {
		ids[i], titles[i], owners[i], states[i], dues[i] = a.ID, textArg(a.Title), a.Owner, string(a.State), dateArg(a.DueDate)
	}
	found := false
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO postmortems (`+postmortemColumns+`)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT FROM incidents WHERE id = $1)
		ON CONFLICT (incident_id) DO UPDATE SET cause = excluded.cause, impact = excluded.impact,
			timeline = excluded.timeline, author = excluded.author, published_at = excluded.published_at,
			updated_at = excluded.updated_at`,
		p.IncidentID, textArg(p.Cause), textArg(p.Impact), textArg(p.Timeline), p.Author,
		timeArg(p.PublishedAt), timeArg(p.CreatedAt), timeArg(p.UpdatedAt)).Exec(func(tag pgconn.CommandTag) error {
		found = tag.RowsAffected() > 0
		return nil
	})
	b.Queue(`DELETE FROM postmortem_actions WHERE incident_id = $1`, p.IncidentID)
	if n > 0 {
		b.Queue(`INSERT INTO postmortem_actions (`+postmortemActionColumns+`, position)
			SELECT $1, a.id, a.title, a.owner, a.due, a.state, a.n - 1
			FROM unnest($2::text[], $3::text[], $4::text[], $5::date[], $6::text[])
				WITH ORDINALITY AS a (id, title, owner, due, state, n)
			WHERE EXISTS (SELECT FROM postmortems WHERE incident_id = $1)`,
			p.IncidentID, ids, titles, owners, dues, states)
	}
	if err := t.send(b); err != nil {
		return t.fail(err, "put postmortem of incident %s", p.IncidentID)
	}
	if !found {
		return notFound("Incident %s not found.", p.IncidentID)
	}
	return nil
}
