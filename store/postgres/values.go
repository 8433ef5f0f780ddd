package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/store/codec"
)

// timeArg converts t to its stored form: truncated to the microsecond (PostgreSQL's
// precision; truncating here rather than letting the server round keeps both stores equal),
// in UTC, or NULL for the zero time.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// timeCol scans a timestamptz into *t, in UTC; NULL gives the zero time.
type timeCol struct{ t *time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*c.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("scan time: infinite timestamp")
	default:
		*c.t = v.Time.UTC()
	}
	return nil
}

// strArg stores "" as NULL, for optional references.
func strArg(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// strCol scans a nullable text column into *s; NULL gives "".
type strCol struct{ s *string }

// ScanText implements pgtype.TextScanner.
func (c strCol) ScanText(v pgtype.Text) error {
	*c.s = v.String // "" when NULL
	return nil
}

// bytesArg stores an empty byte slice as NULL.
func bytesArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// bytesCol scans a nullable bytea into *b; NULL and the empty value give nil.
type bytesCol struct{ b *[]byte }

// ScanBytes implements pgtype.BytesScanner.
func (c bytesCol) ScanBytes(v []byte) error {
	if len(v) == 0 {
		*c.b = nil
	} else {
		*c.b = append([]byte(nil), v...)
	}
	return nil
}

// float64PtrArg stores nil as NULL.
func float64PtrArg(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// textArg and textCol store and read a text written per language (see package codec).
func textArg(t lang.Text) string { return codec.TextArg(t) }

func textCol(t *lang.Text) codec.TextCol { return codec.TextCol{T: t} }
