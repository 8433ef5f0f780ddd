package lang

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Text is a text staff write for the public (a title, a message, a component's name), held
// once per language. A language left empty falls back to another when shown, and the page
// marks the fallback with its own language so browsers and screen readers read it right.
type Text struct {
	KO string
	EN string
}

// Same is a text that reads the same in every language: what a single string posted to the
// API, or a text written before texts were per language, becomes. Nothing guesses at
// splitting a text that holds two languages.
func Same(s string) Text { return Text{KO: s, EN: s} }

// In returns a text with s in language l only.
func In(l Lang, s string) Text {
	var t Text
	t.Set(l, s)
	return t
}

// Get returns the text written in l, "" when none was.
func (t Text) Get(l Lang) string {
	if l == Korean {
		return t.KO
	}
	return t.EN
}

// Set sets the text of language l.
func (t *Text) Set(l Lang, s string) {
	if l == Korean {
		t.KO = s
	} else {
		t.EN = s
	}
}

// IsZero reports whether no language has a text.
func (t Text) IsZero() bool { return t.KO == "" && t.EN == "" }

// Pick returns the text to show a reader of l: l's own, else the fallback language's, else
// any; with the language it is actually written in.
func (t Text) Pick(l, fallback Lang) (string, Lang) {
	if s := t.Get(l); s != "" {
		return s, l
	}
	if s := t.Get(fallback); s != "" {
		return s, fallback
	}
	for _, o := range All {
		if s := t.Get(o); s != "" {
			return s, o
		}
	}
	return "", l
}

// String is the text in l with the usual fallback (Korean, then English); for logs, audit
// details and places where one text must stand for all.
func (t Text) String() string {
	s, _ := t.Pick(Korean, English)
	return s
}

// Missing lists the languages without a text.
func (t Text) Missing() []Lang {
	var out []Lang
	for _, l := range All {
		if t.Get(l) == "" {
			out = append(out, l)
		}
	}
	return out
}

// Map returns the text with f applied to each language's text.
func (t Text) Map(f func(string) string) Text {
	return Text{KO: f(t.KO), EN: f(t.EN)}
}

// Equal reports whether a text is, in every language, the same as o.
func (t Text) Equal(o Text) bool { return t == o }

// MarshalJSON writes the object form, {"ko": "…", "en": "…"}, with both keys always there
// ("" where a language has no text), so clients never need to test for a missing key.
func (t Text) MarshalJSON() ([]byte, error) {
	return json.Marshal(wire{KO: &t.KO, EN: &t.EN})
}

type wire struct {
	KO *string `json:"ko"`
	EN *string `json:"en"`
}

// notText is the error for JSON that is not a text. It is a *json.UnmarshalTypeError, which
// encoding/json completes with the name of the field at fault.
func notText(value string) error {
	return &json.UnmarshalTypeError{Value: value, Type: reflect.TypeFor[Text]()}
}

// UnmarshalJSON accepts a string (the same text for every language), an object with the
// keys "ko" and/or "en" (any other key is an error, so a typo never loses a language), or
// null (no text).
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return notText("nothing")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Same(s)
		return nil
	case bytes.Equal(b, []byte("null")):
		*t = Text{}
		return nil
	case b[0] == '[':
		return notText("array")
	case b[0] != '{':
		return notText("number or boolean")
	}
	var w wire
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		return notText("object with keys other than ko and en, or with values that are not strings")
	}
	var out Text
	if w.KO != nil {
		out.KO = *w.KO
	}
	if w.EN != nil {
		out.EN = *w.EN
	}
	*t = out
	return nil
}

// Encode is the compact form stores keep a text in: the JSON object with the languages
// that have a text.
func (t Text) Encode() string {
	type compact struct {
		KO string `json:"ko,omitempty"`
		EN string `json:"en,omitempty"`
	}
	b, _ := json.Marshal(compact{t.KO, t.EN}) // strings always marshal
	return string(b)
}

// Decode reads what Encode wrote. A value that is not a JSON object is a text written
// before texts were per language and becomes the text of every language.
func Decode(s string) Text {
	if len(s) == 0 || s[0] != '{' {
		return Same(s)
	}
	var t Text
	if err := t.UnmarshalJSON([]byte(s)); err != nil {
		return Same(s)
	}
	return t
}
