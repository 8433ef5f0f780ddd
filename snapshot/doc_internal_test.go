package snapshot

import (
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
