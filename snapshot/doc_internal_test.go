package snapshot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSameButRevision(t *testing.T) {
	page := func(rev, text string) []byte {
		return []byte(`<html data-revision="` + rev + `"><p>` + text + `</p><i data-revision="9"></i></html>`)
	}
	for _, c := range []struct {
		name         string
		page, prev   []byte
		rev, prevRev int64
		want         bool
	}{
		{"only the revision moved", page("12", "a"), page("7", "a"), 12, 7, true},
		{"longer revision", page("123", "a"), page("12", "a"), 123, 12, true},
		{"text changed, same length", page("12", "b"), page("7", "a"), 12, 7, false},
		{"text changed, other length", page("12", "ab"), page("7", "a"), 12, 7, false},
		{"a prefix of the revision is not it", page("123", "a"), page("12", "a"), 12, 12, false},
		{"the old page had another revision", page("12", "a"), page("8", "a"), 12, 7, false},
		{"no attribute", []byte("<p>a</p>"), []byte("<p>a</p>"), 12, 7, false},
		{"only a later attribute differs", page("12", "a"), []byte(strings.Replace(string(page("7", "a")), `"9"`, `"8"`, 1)), 12, 7, false},
	} {
		if got := sameButRevision(c.page, c.prev, c.rev, c.prevRev); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEntityTag(t *testing.T) {
	a, b := entityTag([]byte("status: ok")), entityTag([]byte("status: ko"))
	if a == b || a != entityTag([]byte("status: ok")) || !strings.HasPrefix(a, `"`) || !strings.HasSuffix(a, `"`) {
		t.Fatalf("tags %s and %s", a, b)
	}
	if entityTag(nil) == entityTag([]byte{0}) {
		t.Fatal("the empty body and one zero byte share a tag")
	}
}

// TestJoinedIsMarshal: the lists joined from encoded records are what encoding/json gives
// for the same values.
func TestJoinedIsMarshal(t *testing.T) {
	var recs []json.RawMessage // as the builder encodes records: by json.Marshal
	for _, v := range []any{map[string]any{"id": "a", "name": "<b> & 한국어 \u2028"}, map[string]any{"id": "b", "n": []any{1, 2.5, nil}}} {
		rec, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	page := json.RawMessage(`{"id":"p","updated_at":"2026-12-04T09:00:00.000+09:00"}`)
	for _, items := range [][]json.RawMessage{nil, recs[:1], recs} {
		want, err := json.Marshal(map[string]any{"page": page, "incidents": orEmpty(items)})
		if err != nil {
			t.Fatal(err)
		}
		if got := joined(field{"incidents", array(items)}, field{"page", page}); !bytes.Equal(got, want) {
			t.Fatalf("joined %d items:\n%s\nwant\n%s", len(items), got, want)
		}
	}
}
