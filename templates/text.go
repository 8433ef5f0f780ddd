package templates

import (
	"context"
	"io"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/lang"
)

// fallbackLang is the language staff texts fall back to on this page.
func fallbackLang(p Page) Lang {
	if p.DefaultLang.Valid() {
		return p.DefaultLang
	}
	return Korean
}

// txt renders a staff text in the page's language. A text shown in another language (its
// fallback) is wrapped in a span carrying that language, so browsers break and hyphenate it
// by its own rules (Korean breaks between words, not mid-word, on a phone) and screen
// readers pronounce it right.
func txt(p Page, t lang.Text) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		s, l := t.Pick(p.Lang, fallbackLang(p))
		if l == p.Lang || s == "" {
			_, err := io.WriteString(w, templ.EscapeString(s))
			return err
		}
		_, err := io.WriteString(w, `<span lang="`+string(l)+`">`+templ.EscapeString(s)+`</span>`)
		return err
	})
}

// plain is a staff text in the page's language (with the fallback) as a string, for
// attributes and other places that cannot carry markup.
func plain(p Page, t lang.Text) string {
	s, _ := t.Pick(p.Lang, fallbackLang(p))
	return s
}

// hasText reports whether a text has anything to show.
func hasText(t lang.Text) bool { return !t.IsZero() }
