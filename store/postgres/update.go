package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

const updateColumns = `id, incident_id, kind, status, impact, message, components, announced_eta,
	notify, posted_by, created_at, estimate, announced_chance, missed_at`

// The JSON documents below are the stored forms of the domain types, named independently
// of the Go fields so renaming a field never breaks stored timelines; they are SQLite's, so
// a database moves between the stores unchanged.

// changeJSON is the stored form of a status.ComponentChange.
type changeJSON struct {
	ComponentID string `json:"component_id"`
	// Name is the object form of lang.Text; a string (written before names were per
	// language) reads as the name in every language.
	Name      lang.Text `json:"name"`
	OldStatus string    `json:"old_status"`
	NewStatus string    `json:"new_status"`
}

// estimateJSON is the stored form of a status.Estimate; times are microseconds since the
// Unix epoch.
type estimateJSON struct {
	P50     int64  `json:"p50_us"`
	P80     int64  `json:"p80_us"`
	P90     int64  `json:"p90_us"`
	Samples int    `json:"samples"`
	Pool    string `json:"pool"`
	Few     bool   `json:"few"`
	Phase   string `json:"phase,omitempty"`
	At      int64  `json:"at_us,omitempty"`
}

// chanceJSON is the stored form of a status.Chance.
type chanceJSON struct {
	P   float64 `json:"p"`
	Met int     `json:"met"`
	Of  int     `json:"of"`
}

func encodeChanges(cs []status.ComponentChange) (string, error) {
	out := make([]changeJSON, len(cs))
	for i, c := range cs {
		out[i] = changeJSON{ComponentID: c.ComponentID, Name: c.Name,
			OldStatus: string(c.OldStatus), NewStatus: string(c.NewStatus)}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeChanges(b []byte) ([]status.ComponentChange, error) {
	var in []changeJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, nil
	}
	cs := make([]status.ComponentChange, len(in))
	for i, c := range in {
		cs[i] = status.ComponentChange{ComponentID: c.ComponentID, Name: c.Name,
			OldStatus: status.ComponentStatus(c.OldStatus), NewStatus: status.ComponentStatus(c.NewStatus)}
	}
	return cs, nil
}

func micros(t time.Time) int64 { return t.UTC().Truncate(time.Microsecond).UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// microsOrZero and fromMicrosOrZero keep the zero time zero (an estimate recorded before it
// carried the time it was made).
func microsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func fromMicrosOrZero(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return fromMicros(us)
}

// encodeEstimate returns e as JSON, or nil (NULL) for no estimate.
func encodeEstimate(e *status.Estimate) (any, error) {
	if e == nil {
		return nil, nil
	}
	b, err := json.Marshal(estimateJSON{P50: micros(e.P50), P80: micros(e.P80), P90: micros(e.P90), Samples: e.Samples,
		Pool: e.Pool, Few: e.Few, Phase: e.Phase, At: microsOrZero(e.At)})
	return string(b), err
}

func decodeEstimate(b []byte) (*status.Estimate, error) {
	if b == nil {
		return nil, nil
	}
	var j estimateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &status.Estimate{P50: fromMicros(j.P50), P80: fromMicros(j.P80), P90: fromMicros(j.P90), Samples: j.Samples,
		Pool: j.Pool, Few: j.Few, Phase: j.Phase, At: fromMicrosOrZero(j.At)}, nil
}

// encodeChance returns c as JSON, or nil (NULL) for no score.
func encodeChance(c *status.Chance) (any, error) {
	if c == nil {
		return nil, nil
	}
	b, err := json.Marshal(chanceJSON{P: c.P, Met: c.Met, Of: c.Of})
	return string(b), err
}

func decodeChance(b []byte) (*status.Chance, error) {
	if b == nil {
		return nil, nil
	}
	var j chanceJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &status.Chance{P: j.P, Met: j.Met, Of: j.Of}, nil
}

func scanUpdate(sc interface{ Scan(...any) error }, u *status.Update) error {
	var changes, est, chance []byte
	if err := sc.Scan(&u.ID, &u.IncidentID, &u.Kind, &u.Status, &u.Impact, textCol{&u.Message}, &changes,
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
