package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

// pathParam is the path parameter name as the client meant it. Echo routes on the raw
// path when the URL escapes something its default encoding would not (a "%2F"), and then
// hands the parameter over still escaped; otherwise it is already unescaped, and
// unescaping it again would mangle or refuse a name with a '%' in it. Only free-text names
// need it (API key names, device tokens): generated ids hold nothing to escape.
func pathParam(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	u, err := url.PathUnescape(v)
	if err != nil {
		return "", badRequest(fmt.Sprintf("The %s in the path is not a valid URL escape.", name))
	}
	return u, nil
}

// readBody reads the (size-limited) request body.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, badRequest("Could not read the request body.")
	}
	return body, nil
}

// decodeStrict decodes JSON into dst, refusing unknown fields and trailing data, and
// explains what is wrong in terms a client can fix.
func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("The request body is empty; send a JSON object.")
	}
	if err := checkUTF8(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return badRequest(fmt.Sprintf("Malformed JSON at byte %d: %s.", se.Offset, se.Error()))
		case errors.As(err, &te):
			return typeProblem(te)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			e := badRequest(fmt.Sprintf("Unknown field %q.", f))
			e.fields = map[string]string{f: "unknown field"}
			return e
		case errors.Is(err, io.ErrUnexpectedEOF):
			return badRequest("Malformed JSON: the body ends too early.")
		}
		var fe *fieldError
		if errors.As(err, &fe) {
			e := badRequest(fe.Error())
			e.fields = map[string]string{fe.field: fe.msg}
			return e
		}
		return badRequest("Malformed JSON: " + err.Error())
	}
	if dec.More() {
		return badRequest("Malformed JSON: unexpected data after the object.")
	}
	return nil
}

// checkUTF8 refuses a body that is not valid UTF-8 or that escapes half of a UTF-16
// surrogate pair ("\ud800" alone). encoding/json would turn either into U+FFFD without a
// word, so a title would be stored other than it was sent; and the text validators, which
// refuse invalid UTF-8, would never see it.
func checkUTF8(body []byte) error {
	if !utf8.Valid(body) {
		at := 0
		for at < len(body) {
			r, n := utf8.DecodeRune(body[at:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			at += n
		}
		return badRequest(fmt.Sprintf("The request body is not valid UTF-8 (byte %d); send text as UTF-8.", at))
	}
	// A backslash only occurs in valid JSON inside a string, as an escape: no need to
	// track where strings start.
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if i+1 >= len(body) || body[i+1] != 'u' {
			i++ // the escaped character, which may be a backslash
			continue
		}
		r, ok := hex4(body, i+2)
		if !ok || r < 0xD800 || r > 0xDFFF {
			i++
			continue
		}
		if r < 0xDC00 && i+11 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
			if low, ok := hex4(body, i+8); ok && low >= 0xDC00 && low <= 0xDFFF {
				i += 11 // a whole pair
				continue
			}
		}
		return badRequest(fmt.Sprintf("Malformed JSON at byte %d: %s is half of a UTF-16 surrogate pair; send the whole pair or the character itself.", i, body[i:i+6]))
	}
	return nil
}

// hex4 reads the four hexadecimal digits of a \u escape starting at b[i].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// typeProblem explains a JSON value of the wrong type, or a number that does not fit its
// field, naming the field.
func typeProblem(te *json.UnmarshalTypeError) *apiError {
	if te.Field == "" { // the body itself: [], "…", 5
		return badRequest(fmt.Sprintf("The request body must be a JSON object, not %s.", te.Value))
	}
	want := jsonKind(te.Type.String())
	got := te.Value
	if n, ok := strings.CutPrefix(te.Value, "number "); ok {
		// A number, but one the field cannot hold: a fraction for a count, or out of range.
		got = n
		if want == "a number" && strings.Contains(te.Type.String(), "int") && strings.ContainsAny(n, ".eE") {
			want = "a whole number"
		} else {
			want += " within range"
		}
	}
	e := badRequest(fmt.Sprintf("Field %q must be %s, not %s.", te.Field, want, got))
	e.fields = map[string]string{te.Field: "must be " + want}
	return e
}

func jsonKind(goType string) string {
	switch {
	case goType == "lang.Text":
		return `a string or an object like {"ko": "…", "en": "…"}`
	case strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "struct"), strings.Contains(goType, "Statuses"):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	case goType == "bool", goType == "*bool":
		return "true or false"
	}
	return "a string"
}

// fieldError reports a field whose JSON is well-formed but not acceptable (e.g. a bad time).
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return fmt.Sprintf("Field %q %s.", e.field, e.msg) }

// parseTime parses an optional RFC 3339 time, naming the field when it is malformed.
func parseTime(field string, v *string) (time.Time, error) {
	if v == nil || *v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return time.Time{}, &status.Error{Code: status.EINVALID,
			Message: fmt.Sprintf("Invalid %s: %q is not an RFC 3339 time like 2026-11-22T16:00:00+09:00.", field, *v),
			Fields:  map[string]string{field: "must be an RFC 3339 time, e.g. 2026-11-22T16:00:00+09:00"}}
	}
	return t, nil
}

// idempotency prepares the Idempotency-Key of a POST, if any.
func idempotency(c echo.Context, body []byte) (*status.IdempotencyRequest, error) {
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 {
		return nil, badRequest("Idempotency-Key must be at most 255 characters.")
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", c.Request().Method, c.Request().URL.Path)
	h.Write(body)
	scope := ""
	if k := apiKey(c); k != nil {
		scope = k.ID
	}
	return &status.IdempotencyRequest{Scope: scope, Key: key, RequestHash: hex.EncodeToString(h.Sum(nil))}, nil
}

// replay answers a retried idempotent request with the recorded response, or with the
// current state of the resource when the response was never stored (a crash after commit).
func (s *server) replay(c echo.Context, r *status.Replay, current func(id string) (any, error)) error {
	c.Response().Header().Set("Idempotent-Replayed", "true")
	if r.Record.StatusCode != 0 {
		return c.JSONBlob(r.Record.StatusCode, r.Record.Body)
	}
	v, err := current(r.Record.ResourceID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}
