package sqlite

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/candorstatus/candor/status"
)

// estimateJSON is the stored form of a status.Estimate; like changeJSON it is named
// independently of Go fields so stored timelines survive renames.
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

type chanceJSON struct {
	P   float64 `json:"p"`
	Met int     `json:"met"`
	Of  int     `json:"of"`
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

func encodeEstimate(e *status.Estimate) (sql.NullString, error) {
	if e == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(estimateJSON{P50: micros(e.P50), P80: micros(e.P80), P90: micros(e.P90), Samples: e.Samples,
		Pool: e.Pool, Few: e.Few, Phase: e.Phase, At: microsOrZero(e.At)})
	return sql.NullString{String: string(b), Valid: true}, err
}

func decodeEstimate(s sql.NullString) (*status.Estimate, error) {
	if !s.Valid {
		return nil, nil
	}
	var j estimateJSON
	if err := json.Unmarshal([]byte(s.String), &j); err != nil {
		return nil, err
	}
	return &status.Estimate{P50: fromMicros(j.P50), P80: fromMicros(j.P80), P90: fromMicros(j.P90), Samples: j.Samples,
		Pool: j.Pool, Few: j.Few, Phase: j.Phase, At: fromMicrosOrZero(j.At)}, nil
}

func encodeChance(c *status.Chance) (sql.NullString, error) {
	if c == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(chanceJSON{P: c.P, Met: c.Met, Of: c.Of})
	return sql.NullString{String: string(b), Valid: true}, err
}

func decodeChance(s sql.NullString) (*status.Chance, error) {
	if !s.Valid {
		return nil, nil
	}
	var j chanceJSON
	if err := json.Unmarshal([]byte(s.String), &j); err != nil {
		return nil, err
	}
	return &status.Chance{P: j.P, Met: j.Met, Of: j.Of}, nil
}
