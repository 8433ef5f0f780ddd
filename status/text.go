package status

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"
)

// TextKind says which control characters a staff-written text may hold.
type TextKind int

const (
	// SingleLine texts — titles, names, API key names, owners — hold no control character
	// at all: no NUL, no escape sequence that rewrites a terminal (`candor apikey list`), no
	// line break that forges a second line in a log, a push title or a page heading.
	SingleLine TextKind = iota
	// MultiLine texts — messages, descriptions, postmortem sections — may also hold line
	// feeds and tabs, and carriage returns right before a line feed (browsers send a
	// textarea's lines as CR LF).
	MultiLine
)

// CheckText returns nil when s is valid UTF-8 free of the control characters its kind
// forbids, and otherwise an error whose text reads as a field problem ("must not contain
// control characters (U+001B at character 7)"). Every Service validator of text people
// write calls it, so each field refuses the same input however it arrives (API, console,
// CLI, import).
func CheckText(s string, kind TextKind) error {
	if !utf8.ValidString(s) {
		return errors.New("must be valid UTF-8")
	}
	n := 0
	for i, r := range s {
		n++
		switch {
		case kind == MultiLine && (r == '\n' || r == '\t'):
			continue
		case kind == MultiLine && r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			continue
		case unicode.IsControl(r), kind == SingleLine && (r == '\u2028' || r == '\u2029'):
			what := "control characters"
			if r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' {
				what = "line breaks"
			}
			return fmt.Errorf("must not contain %s (%U at character %d)", what, r, n)
		}
	}
	return nil
}

// checkText adds to p what CheckText finds wrong with field.
func checkText(p Problems, field, s string, kind TextKind) {
	if err := CheckText(s, kind); err != nil {
		p.Add(field, "%s", err)
	}
}

// Bounds of the times people give. A time outside them is a typo or an attack, never a
// plan: history before 2000 predates every service Candor reports on, a restoration
// promised more than a month ahead is not a promise, and maintenance is announced at most
// a year ahead.
var MinTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	MaxAnnouncedAhead   = 30 * 24 * time.Hour
	MaxMaintenanceAhead = 366 * 24 * time.Hour
	// MinRemindBefore is the shortest reminder lead time; shorter ones round to nothing.
	MinRemindBefore = time.Second
)

// checkNotBefore2000 adds a problem to p when t is set and before MinTime.
func checkNotBefore2000(p Problems, field string, t time.Time) {
	if !t.IsZero() && t.Before(MinTime) {
		p.Add(field, "must not be before 2000 (it is %s)", t.UTC().Format(time.RFC3339))
	}
}

// trimText trims the space around each language's text.
func trimText(t lang.Text) lang.Text { return t.Map(strings.TrimSpace) }

// validateText checks a text the public reads: when required, at least one language has a
// text (a language left empty falls back to the other when shown); each language within
// max characters and free of the control characters its kind forbids. Problems name the
// language ("title.en") when only one is at fault.
func validateText(p Problems, field string, t lang.Text, max int, required bool, kind TextKind) {
	t = trimText(t)
	if required && t.IsZero() {
		p.Add(field, "must not be empty (give it in at least one language)")
		return
	}
	if t.KO == t.EN { // one text for every language: one problem, on the field
		if n := utf8.RuneCountInString(t.KO); n > max {
			p.Add(field, "must be at most %d characters (got %d)", max, n)
		}
		checkText(p, field, t.KO, kind)
		return
	}
	for _, l := range lang.All {
		f := field + "." + string(l)
		if n := utf8.RuneCountInString(t.Get(l)); n > max {
			p.Add(f, "must be at most %d characters (got %d)", max, n)
		}
		checkText(p, f, t.Get(l), kind)
	}
}

// checkTexts is checkText for each language of a text.
func checkTexts(p Problems, field string, t lang.Text, kind TextKind) {
	for _, l := range lang.All {
		checkText(p, field, t.Get(l), kind)
	}
}
