package status

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NameKey returns the key under which a name a person types (a user's, a template's) is
// unique: two names have the same key exactly when strings.EqualFold reports them equal
// (Unicode simple case folding, so "Alice" = "ALICE", "Élodie" = "éLODIE", the Kelvin sign
// U+212A = "k"). Each rune is replaced by the smallest rune of its case-folding orbit.
// Stores keep the key in a unique column, so it must never change for a stored name.
func NameKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// CheckNameText adds a problem to p unless name is a non-empty, valid UTF-8 string (case
// folding, and so NameKey, is only defined on text).
func CheckNameText(p Problems, name string) {
	switch {
	case name == "":
		p.Add("name", "is required")
	case !utf8.ValidString(name):
		p.Add("name", "must be valid UTF-8")
	}
}
