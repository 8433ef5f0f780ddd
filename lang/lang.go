// Package lang names the languages Candor writes in and holds texts written once per
// language. It is a leaf: the domain, the wording, the templates and the push builder all
// speak of languages through it, and it imports nothing of Candor.
package lang

import "strings"

// Lang is a language the public reads Candor in.
type Lang string

// Supported languages. Korean is first: Candor's first users are Korean.
const (
	Korean  Lang = "ko"
	English Lang = "en"
)

// All lists every supported language.
var All = []Lang{Korean, English}

// Valid reports whether l is a supported language.
func (l Lang) Valid() bool { return l == Korean || l == English }

// Other is the language a two-language switch links to.
func (l Lang) Other() Lang {
	if l == Korean {
		return English
	}
	return Korean
}

// Parse reads a language code such as "ko", "EN" or "ko-KR"; only the primary subtag
// counts.
func Parse(s string) (Lang, bool) {
	primary, _, _ := strings.Cut(strings.TrimSpace(s), "-")
	primary, _, _ = strings.Cut(primary, "_")
	for _, l := range All {
		if strings.EqualFold(primary, string(l)) {
			return l, true
		}
	}
	return "", false
}

// Of maps a device's or subscriber's locale to the language Candor writes for it: Korean
// for "ko", "ko-KR" …, English for everything else (the language most readers share).
func Of(locale string) Lang {
	if l, ok := Parse(locale); ok {
		return l
	}
	return English
}
