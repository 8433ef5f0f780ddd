package postgres

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/candorstatus/candor/status"
)

// foldName returns the key under which a name a person types is unique: two names have
// the same key exactly when strings.EqualFold reports them equal (Unicode simple case
// folding, so "Alice" = "ALICE", "Élodie" = "éLODIE", "K" (Kelvin sign) = "k"). Each rune
// is replaced by the smallest rune of its case-folding orbit. It must stay the same as
// store/sqlite's: the keys are stored.
func foldName(s string) string {
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

// checkName adds a problem to p unless name is a non-empty, valid UTF-8 string (case
// folding is only defined on text).
func checkName(p status.Problems, name string) {
	switch {
	case name == "":
		p.Add("name", "is required")
	case !utf8.ValidString(name):
		p.Add("name", "must be valid UTF-8")
	}
}
