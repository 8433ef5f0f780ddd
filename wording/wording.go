// Package wording holds every text Candor writes itself — page chrome, status names, push
// texts, ETA explanations, automatic timeline entries — in Korean and English, and the
// formatting of times and durations they use. It is a leaf (it imports only lang): the
// templates, the push builder and the domain's automatic entries all word things through
// it, so a page, a push and an email say the same thing the same way.
package wording

import (
	"strconv"
	"strings"

	"github.com/candorstatus/candor/lang"
)

// T returns the text for key in language l, falling back to English and then to the key
// itself, so a missing translation shows up on the page instead of breaking it (a test
// keeps every key in both languages).
func T(l lang.Lang, key string) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	if l == lang.Korean && m[1] != "" {
		return m[1]
	}
	return m[0]
}

// Tf returns T(l, key) with {0}, {1}, ... replaced by args.
func Tf(l lang.Lang, key string, args ...string) string {
	return Fill(T(l, key), args...)
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

// OrRaw is T(l, key) when key exists, else raw: for names of values (a status, a cause)
// that an older or newer version may not know.
func OrRaw(l lang.Lang, key, raw string) string {
	if !Has(key) {
		return raw
	}
	return T(l, key)
}

// Fill replaces {0}, {1}, ... in s by args.
func Fill(s string, args ...string) string {
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i)+"}", a)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// LangName is a language's name in itself, as language switches show it.
func LangName(l lang.Lang) string {
	if l == lang.Korean {
		return "한국어"
	}
	return "English"
}
