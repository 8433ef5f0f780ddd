package status

import (
	"strings"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"
)

// trimText trims the space around each language's text.
func trimText(t lang.Text) lang.Text { return t.Map(strings.TrimSpace) }

// validateText checks a text the public reads: when required, at least one language has a
// text (a language left empty falls back to the other when shown); each language within
// max characters. Problems name the language ("title.en") when only one is at fault.
func validateText(p Problems, field string, t lang.Text, max int, required bool) {
	t = trimText(t)
	if required && t.IsZero() {
		p.Add(field, "must not be empty (give it in at least one language)")
		return
	}
	if t.KO == t.EN { // one text for every language: one problem, on the field
		if n := utf8.RuneCountInString(t.KO); n > max {
			p.Add(field, "must be at most %d characters (got %d)", max, n)
		}
		return
	}
	for _, l := range lang.All {
		if n := utf8.RuneCountInString(t.Get(l)); n > max {
			p.Add(field+"."+string(l), "must be at most %d characters (got %d)", max, n)
		}
	}
}
