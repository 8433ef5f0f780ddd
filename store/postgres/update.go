package postgres

import (
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/codec"
)

const updateColumns = `id, incident_id, kind, status, impact, message, components, announced_eta,
	notify, posted_by, created_at, estimate, announced_chance, missed_at`

// The stored forms of component changes, estimates and chances are package codec's, shared
// with SQLite, so a database moves between the stores unchanged.

func encodeChanges(cs []status.ComponentChange) (string, error) { return codec.EncodeChanges(cs) }

func decodeChanges(b []byte) ([]status.ComponentChange, error) { return codec.DecodeChanges(b) }

// encodeEstimate returns e's stored form, or nil (NULL) for no estimate.
func encodeEstimate(e *status.Estimate) (any, error) { return nullable(codec.EncodeEstimate(e)) }

func decodeEstimate(b []byte) (*status.Estimate, error) { return codec.DecodeEstimate(b) }

// encodeChance returns c's stored form, or nil (NULL) for no score.
func encodeChance(c *status.Chance) (any, error) { return nullable(codec.EncodeChance(c)) }

func decodeChance(b []byte) (*status.Chance, error) { return codec.DecodeChance(b) }

func nullable(b []byte, err error) (any, error) {
	if b == nil || err != nil {
		return nil, err
	}
	return string(b), nil
}

func scanUpdate(sc interface{ Scan(...any) error }, u *status.Update) error {
	var changes, est, chance []byte
	if err := sc.Scan(&u.ID, &u.IncidentID, &u.Kind, &u.Status, &u.Impact, textCol(&u.Message), &changes,
		timeCol{&u.AnnouncedETA}, &u.Notify, &u.PostedBy, timeCol{&u.CreatedAt}, &est, &chance, timeCol{&u.Missed}); err != nil {
		return err
	}
	var err error
	if u.Components, err = decodeChanges(changes); err != nil {
		return fmt.Errorf("update %s components: %w", u.ID, err)
	}
	if u.Estimate, err = decodeEstimate(est); err != nil {
		return fmt.Errorf("update %s estimate: %w", u.ID, err)
	}
	if u.AnnouncedChance, err = decodeChance(chance); err != nil {
		return fmt.Errorf("update %s announced chance: %w", u.ID, err)
	}
	return nil
}

// updateArgs returns the arguments of u for updateColumns, in order.
func updateArgs(u *status.Update) ([]any, error) {
	changes, err := encodeChanges(u.Components)
	if err != nil {
		return nil, fmt.Errorf("encode update %s components: %w", u.ID, err)
	}
	est, err := encodeEstimate(u.Estimate)
	if err != nil {
		return nil, fmt.Errorf("encode update %s estimate: %w", u.ID, err)
	}
	chance, err := encodeChance(u.AnnouncedChance)
	if err != nil {
		return nil, fmt.Errorf("encode update %s announced chance: %w", u.ID, err)
	}
	return []any{u.ID, u.IncidentID, string(u.Kind), string(u.Status), string(u.Impact), textArg(u.Message), changes,
		timeArg(u.AnnouncedETA), u.Notify, u.PostedBy, timeArg(u.CreatedAt), est, chance, timeArg(u.Missed)}, nil
}

// updateValues is the VALUES list of updateColumns.
const updateValues = `$1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14`

// queueUpdate queues the insert of u at timeline position seq; its callback turns a taken
// id into ECONFLICT.
func queueUpdate(b *pgx.Batch, u *status.Update, seq int) error {
	args, err := updateArgs(u)
	if err != nil {
		return err
	}
	id := u.ID
	b.Queue(`INSERT INTO incident_updates (`+updateColumns+`, seq) VALUES (`+updateValues+`, $15)`,
		append(args, seq)...).Fn = func(br pgx.BatchResults) error {
		_, err := br.Exec()
		if isUnique(err, "incident_updates_pkey") {
			return conflict("Update %s already exists.", id)
		}
		return err
	}
	if ids := keptIDs(u); len(ids) > 0 {
		b.Queue(keepIDs, ids)
	}
	return nil
}

// keepIDs records that components Candor named had their ids ($1, text[]), so a store
// restored from an export does not hand a deleted component's id to a new one; ids
// already recorded are left as they are.
const keepIDs = `INSERT INTO used_ids (id, kind) SELECT DISTINCT c, 'component' FROM unnest($1::text[]) AS c
	WHERE c <> '' ON CONFLICT (id) DO NOTHING`

// keptIDs returns the component ids an update's changes make taken: none for an imported
// update, which may name another page's components.
func keptIDs(u *status.Update) []string {
	if u.Kind == status.KindImport {
		return nil
	}
	var ids []string
	for _, ch := range u.Components {
		ids = append(ids, ch.ComponentID)
	}
	return ids
}

// AppendUpdate adds u at the end of its incident's timeline, in one statement; ENOTFOUND if
// the incident is absent, ECONFLICT if the update's id is taken. The timeline keeps append
// order, whatever the updates' CreatedAt.
func (t *tx) AppendUpdate(u *status.Update) error {
	args, err := updateArgs(u)
	if err != nil {
		return err
	}
	// ON CONFLICT rather than a savepoint: the incident writes call this on every update.
	ok, err := t.execOne(`INSERT INTO incident_updates (`+updateColumns+`, seq)
		SELECT `+updateValues+`,
			coalesce((SELECT max(seq) + 1 FROM incident_updates WHERE incident_id = i.id), 0)
		FROM incidents AS i WHERE i.id = $2
		ON CONFLICT (id) DO NOTHING`, args...)
	if err != nil {
		return t.fail(err, "append update to incident %s", u.IncidentID)
	}
	if ok {
		if ids := keptIDs(u); len(ids) > 0 {
			if _, err := t.exec(keepIDs, ids); err != nil {
				return t.fail(err, "keep the ids of update %s", u.ID)
			}
		}
		return nil
	}
	var exists bool
	err = t.queryRow(`SELECT EXISTS (SELECT FROM incidents WHERE id = $1)`, u.IncidentID).Scan(&exists)
	switch {
	case err != nil:
		return t.fail(err, "append update to incident %s", u.IncidentID)
	case !exists:
		return notFound("Incident %s not found.", u.IncidentID)
	}
	return conflict("Update %s already exists.", u.ID)
}

// LatestUpdates returns the last n entries of incident id's timeline and its length.
func (t *tx) LatestUpdates(id string, n int) ([]status.Update, int, error) {
	var total int
	err := t.queryRow(`SELECT (SELECT count(*) FROM incident_updates WHERE incident_id = i.id) FROM incidents AS i WHERE i.id = $1`, id).Scan(&total)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, notFound("Incident %s not found.", id)
	}
	if err != nil {
		return nil, 0, t.fail(err, "count updates of incident %s", id)
	}
	out, err := t.updates(`SELECT `+updateColumns+` FROM incident_updates WHERE incident_id = $1 ORDER BY seq DESC LIMIT $2`, id, max(n, 0))
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
