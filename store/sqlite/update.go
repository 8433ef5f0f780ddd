package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/codec"
)

const updateColumns = `id, incident_id, kind, status, impact, message, components, announced_eta,
	notify, posted_by, created_at, estimate, announced_chance, missed_at`

func encodeChanges(cs []status.ComponentChange) (string, error) { return codec.EncodeChanges(cs) }

func decodeChanges(s string) ([]status.ComponentChange, error) { return codec.DecodeChanges([]byte(s)) }

func scanUpdate(sc interface{ Scan(...any) error }, u *status.Update) error {
	var changes string
	var est, chance sql.NullString
	if err := sc.Scan(&u.ID, &u.IncidentID, &u.Kind, &u.Status, &u.Impact, textCol(&u.Message), &changes,
		timeCol{&u.AnnouncedETA}, &u.Notify, &u.PostedBy, timeCol{&u.CreatedAt}, &est, &chance, timeCol{&u.Missed}); err != nil {
		return err
	}
	cs, err := decodeChanges(changes)
	if err != nil {
		return fmt.Errorf("update %s components: %w", u.ID, err)
	}
	u.Components = cs
	if u.Estimate, err = decodeEstimate(est); err != nil {
		return fmt.Errorf("update %s estimate: %w", u.ID, err)
	}
	if u.AnnouncedChance, err = decodeChance(chance); err != nil {
		return fmt.Errorf("update %s announced chance: %w", u.ID, err)
	}
	return nil
}

// AppendUpdate adds u at the end of its incident's timeline; ENOTFOUND if the incident is
// absent, ECONFLICT if the update's id is taken. The timeline keeps append order, whatever
// the updates' CreatedAt.
func (t *tx) AppendUpdate(u *status.Update) error {
	var next int
	err := t.queryRow(`SELECT coalesce((SELECT max(seq) + 1 FROM incident_updates WHERE incident_id = i.id), 0)
		FROM incidents AS i WHERE i.id = ?`, u.IncidentID).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Incident %s not found.", u.IncidentID)
	}
	if err != nil {
		return t.fail(err, "append update to incident %s", u.IncidentID)
	}
	return t.insertUpdate(u, next)
}

func (t *tx) insertUpdate(u *status.Update, seq int) error {
	changes, err := encodeChanges(u.Components)
	if err != nil {
		return fmt.Errorf("encode update %s components: %w", u.ID, err)
	}
	est, err := encodeEstimate(u.Estimate)
	if err != nil {
		return fmt.Errorf("encode update %s estimate: %w", u.ID, err)
	}
	chance, err := encodeChance(u.AnnouncedChance)
	if err != nil {
		return fmt.Errorf("encode update %s announced chance: %w", u.ID, err)
	}
	_, err = t.exec(`INSERT INTO incident_updates (`+updateColumns+`, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.IncidentID, string(u.Kind), string(u.Status), string(u.Impact), textArg(u.Message), changes,
		timeArg(u.AnnouncedETA), u.Notify, u.PostedBy, timeArg(u.CreatedAt), est, chance, timeArg(u.Missed), seq)
	switch {
	case isPrimaryKey(err):
		return conflict("Update %s already exists.", u.ID)
	case err != nil:
		return t.fail(err, "insert update %s of incident %s", u.ID, u.IncidentID)
	}
	if u.Kind == status.KindImport { // may name another page's components
		return nil
	}
	ids := make([]string, len(u.Components))
	for i, ch := range u.Components {
		ids[i] = ch.ComponentID
	}
	return t.keepIDs(ids)
}

// LatestUpdates returns the last n entries of incident id's timeline and its length.
func (t *tx) LatestUpdates(id string, n int) ([]status.Update, int, error) {
	var total int
	err := t.queryRow(`SELECT (SELECT count(*) FROM incident_updates WHERE incident_id = i.id) FROM incidents AS i WHERE i.id = ?`, id).Scan(&total)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, notFound("Incident %s not found.", id)
	}
	if err != nil {
		return nil, 0, t.fail(err, "count updates of incident %s", id)
	}
	out, err := t.updates(`SELECT `+updateColumns+` FROM incident_updates WHERE incident_id = ? ORDER BY seq DESC LIMIT ?`, id, max(n, 0))
	if err != nil {
		return nil, 0, t.fail(err, "load latest updates of incident %s", id)
	}
	slices.Reverse(out)
	return out, total, nil
}

// updates runs query, which selects updateColumns, and returns the entries it finds.
func (t *tx) updates(query string, args ...any) ([]status.Update, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []status.Update
	for rows.Next() {
		var u status.Update
		if err := scanUpdate(rows, &u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
