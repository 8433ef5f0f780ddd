package postgres

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const draftColumns = `id, status, title, message, impact, cause, components, started_at, source, summary,
	auto_publish_at, created_at, updated_at, closed_at, closed_by`

// draftComponent is a draft's component as stored in its JSON column.
type draftComponent struct {
	ComponentID string `json:"component_id"`
	Status      string `json:"status"`
}

func encodeDraftComponents(cs []status.AffectedComponent) (string, error) {
	out := make([]draftComponent, len(cs))
	for i, c := range cs {
		out[i] = draftComponent{ComponentID: c.ComponentID, Status: string(c.Status)}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeDraftComponents(s string) ([]status.AffectedComponent, error) {
	var in []draftComponent
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("decode draft components: %w", err)
	}
	var out []status.AffectedComponent
	for _, c := range in {
		out = append(out, status.AffectedComponent{ComponentID: c.ComponentID, Status: status.ComponentStatus(c.Status)})
	}
	return out, nil
}

func scanDraft(sc interface{ Scan(...any) error }, d *status.Draft) error {
	var comps string
	if err := sc.Scan(&d.ID, &d.Status, textCol(&d.Title), textCol(&d.Message), &d.Impact, &d.Cause, &comps,
		timeCol{&d.StartedAt}, &d.Source, &d.Summary, timeCol{&d.AutoPublishAt}, timeCol{&d.CreatedAt},
		timeCol{&d.UpdatedAt}, timeCol{&d.ClosedAt}, &d.ClosedBy); err != nil {
		return err
	}
	var err error
	d.Components, err = decodeDraftComponents(comps)
	return err
}

// Draft returns a draft incident; ENOTFOUND if absent.
func (t *tx) Draft(id string) (*status.Draft, error) {
	var d status.Draft
	err := scanDraft(t.queryRow(`SELECT `+draftColumns+` FROM drafts WHERE id = $1`, id), &d)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Draft incident %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load draft %s", id)
	}
	return &d, nil
}

// PutDraft inserts the draft or replaces the one with its id, keeping CreatedAt; EINVALID
// as status.ValidateDraftRecord.
func (t *tx) PutDraft(d *status.Draft) error {
	if err := status.ValidateDraftRecord(d); err != nil {
		return err
	}
	comps, err := encodeDraftComponents(d.Components)
	if err != nil {
		return err
	}
	err = t.atomically(func() error {
		_, err := t.exec(`INSERT INTO drafts (`+draftColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (id) DO UPDATE SET status = excluded.status, title = excluded.title, message = excluded.message,
				impact = excluded.impact, cause = excluded.cause, components = excluded.components,
				started_at = excluded.started_at, source = excluded.source, summary = excluded.summary,
				auto_publish_at = excluded.auto_publish_at, updated_at = excluded.updated_at,
				closed_at = excluded.closed_at, closed_by = excluded.closed_by`,
			d.ID, string(d.Status), textArg(d.Title), textArg(d.Message), string(d.Impact), string(d.Cause), comps,
			timeArg(d.StartedAt), d.Source, d.Summary, timeArg(d.AutoPublishAt), timeArg(d.CreatedAt),
			timeArg(d.UpdatedAt), timeArg(d.ClosedAt), d.ClosedBy)
		return err
	})
	if err != nil {
		return t.fail(err, "put draft %s", d.ID)
	}
	return nil
}

// Drafts returns the drafts matching f, newest CreatedAt first (the zero time last), ties
// by id.
func (t *tx) Drafts(f status.DraftFilter) ([]status.Draft, error) {
	if f.Limit < 0 || (f.Status != "" && !f.Status.Valid()) {
		return nil, &status.Error{Code: status.EINVALID, Message: "Invalid draft filter.",
			Fields: map[string]string{"status": "must be open, published or dismissed", "limit": "must not be negative"}}
	}
	q, args := `SELECT `+draftColumns+` FROM drafts`, []any{}
	if f.Status != "" {
		q, args = q+` WHERE status = $1`, append(args, string(f.Status))
	}
	q += ` ORDER BY created_at DESC NULLS LAST, id`
	if f.Limit > 0 {
		q, args = q+fmt.Sprintf(` LIMIT $%d`, len(args)+1), append(args, f.Limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, t.fail(err, "load drafts")
	}
	defer rows.Close()
	var out []status.Draft
	for rows.Next() {
		var d status.Draft
		if err := scanDraft(rows, &d); err != nil {
			return nil, t.fail(err, "load drafts")
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load drafts")
	}
	return out, nil
}
