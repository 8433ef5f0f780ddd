// Package codec holds the stored forms of domain values that every store writes the same
// way — per-language texts, a timeline entry's component changes, published estimates and
// chances — so the SQLite and PostgreSQL stores cannot drift apart and a database moves
// between them unchanged. The JSON documents are named independently of the Go fields, so
// renaming a field never breaks stored timelines.
package codec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// TextArg is the stored form of a text written per language (see lang.Text.Encode).
func TextArg(t lang.Text) string { return t.Encode() }

// TextCol scans a stored per-language text into *T; it implements sql.Scanner, which pgx
// accepts too.
type TextCol struct{ T *lang.Text }

// Scan implements sql.Scanner.
func (c TextCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.T = lang.Text{}
	case string:
		*c.T = lang.Decode(v)
	case []byte:
		*c.T = lang.Decode(string(v))
	default:
		return fmt.Errorf("scan text: unexpected %T", v)
	}
	return nil
}

// change is the stored form of a status.ComponentChange.
type change struct {
	ComponentID string `json:"component_id"`
	// Name is the object form of lang.Text; a string (written before names were per
	// language) reads as the name in every language.
	Name      lang.Text `json:"name"`
	OldStatus string    `json:"old_status"`
	NewStatus string    `json:"new_status"`
}

// EncodeChanges returns the stored form of an entry's component changes (a JSON array).
func EncodeChanges(cs []status.ComponentChange) (string, error) {
	out := make([]change, len(cs))
	for i, c := range cs {
		out[i] = change{ComponentID: c.ComponentID, Name: c.Name, OldStatus: string(c.OldStatus), NewStatus: string(c.NewStatus)}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DecodeChanges reads what EncodeChanges wrote; an empty array is nil.
func DecodeChanges(b []byte) ([]status.ComponentChange, error) {
	var in []change
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

// estimate is the stored form of a status.Estimate; times are microseconds since the Unix
// epoch, 0 for the zero time.
type estimate struct {
	P50     int64  `json:"p50_us"`
	P80     int64  `json:"p80_us"`
	P90     int64  `json:"p90_us"`
	Samples int    `json:"samples"`
	Pool    string `json:"pool"`
	Few     bool   `json:"few"`
	Phase   string `json:"phase,omitempty"`
	At      int64  `json:"at_us,omitempty"`
}

// chance is the stored form of a status.Chance.
type chance struct {
	P   float64 `json:"p"`
	Met int     `json:"met"`
	Of  int     `json:"of"`
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UTC().Truncate(time.Microsecond).UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// EncodeEstimate returns the stored form of e, nil for no estimate (NULL).
func EncodeEstimate(e *status.Estimate) ([]byte, error) {
	if e == nil {
		return nil, nil
	}
	return json.Marshal(estimate{P50: micros(e.P50), P80: micros(e.P80), P90: micros(e.P90), Samples: e.Samples,
		Pool: e.Pool, Few: e.Few, Phase: e.Phase, At: micros(e.At)})
}

// DecodeEstimate reads what EncodeEstimate wrote; nil is no estimate.
func DecodeEstimate(b []byte) (*status.Estimate, error) {
	if b == nil {
		return nil, nil
	}
	var j estimate
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &status.Estimate{P50: fromMicros(j.P50), P80: fromMicros(j.P80), P90: fromMicros(j.P90), Samples: j.Samples,
		Pool: j.Pool, Few: j.Few, Phase: j.Phase, At: fromMicros(j.At)}, nil
}

// EncodeChance returns the stored form of c, nil for no score (NULL).
func EncodeChance(c *status.Chance) ([]byte, error) {
	if c == nil {
		return nil, nil
	}
	return json.Marshal(chance{P: c.P, Met: c.Met, Of: c.Of})
}

// DecodeChance reads what EncodeChance wrote; nil is no score.
func DecodeChance(b []byte) (*status.Chance, error) {
	if b == nil {
		return nil, nil
	}
	var j chance
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &status.Chance{P: j.P, Met: j.Met, Of: j.Of}, nil
}
