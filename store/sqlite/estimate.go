package sqlite

import (
	"database/sql"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/codec"
)

// The stored forms of estimates and chances are package codec's, shared with PostgreSQL;
// these adapt them to SQLite's nullable TEXT columns.

func nullBytes(b []byte, err error) (sql.NullString, error) {
	if b == nil || err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func bytesOf(s sql.NullString) []byte {
	if !s.Valid {
		return nil
	}
	return []byte(s.String)
}

func encodeEstimate(e *status.Estimate) (sql.NullString, error) {
	return nullBytes(codec.EncodeEstimate(e))
}

func decodeEstimate(s sql.NullString) (*status.Estimate, error) {
	return codec.DecodeEstimate(bytesOf(s))
}

func encodeChance(c *status.Chance) (sql.NullString, error) { return nullBytes(codec.EncodeChance(c)) }

func decodeChance(s sql.NullString) (*status.Chance, error) { return codec.DecodeChance(bytesOf(s)) }
