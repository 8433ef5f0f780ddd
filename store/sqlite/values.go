package sqlite

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/store/codec"
)

// timeArg converts t to its stored form: microseconds since the Unix epoch, truncated (the
// contract's precision, and PostgreSQL's), or NULL for the zero time.
func timeArg(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeCol scans a stored time into *t, in UTC; NULL gives the zero time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

// strArg stores "" as NULL, for optional references.
func strArg(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// strCol scans a nullable text column into *s; NULL gives "".
type strCol struct{ s *string }

func (c strCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("scan text: unexpected %T", v)
	}
	return nil
}

// bytesCol scans a nullable blob into *b; NULL and the empty blob give nil.
type bytesCol struct{ b *[]byte }

func (c bytesCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.b = nil
	case []byte:
		if len(v) == 0 {
			*c.b = nil
		} else {
			*c.b = append([]byte(nil), v...)
		}
	case string:
		*c.b = []byte(v)
	default:
		return fmt.Errorf("scan blob: unexpected %T", v)
	}
	return nil
}

// float64PtrCol scans a nullable real into *p; NULL gives nil.
type float64PtrCol struct{ p **float64 }

func (c float64PtrCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.p = nil
	case float64:
		*c.p = &v
	case int64:
		f := float64(v)
		*c.p = &f
	default:
		return fmt.Errorf("scan real: unexpected %T", v)
	}
	return nil
}

// float64PtrArg stores nil as NULL.
func float64PtrArg(p *float64) driver.Value {
	if p == nil {
		return nil
	}
	return *p
}

// textArg and textCol store and read a text written per language (see package codec).
func textArg(t lang.Text) string { return codec.TextArg(t) }

func textCol(t *lang.Text) codec.TextCol { return codec.TextCol{T: t} }
