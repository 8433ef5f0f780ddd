package handlers

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/candorstatus/candor/templates"
)

// qvalueRE is RFC 9110's qvalue: ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
var qvalueRE = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// negotiateModel is Accept-Language negotiation written plainly from RFC 9110 §12.5.4, the
// reference FuzzAcceptLanguage holds negotiateLang to: the supported language (by primary
// subtag) with the highest weight above 0, the first listed on a tie; a range with a
// malformed or repeated q is not acceptable; "*" and unsupported languages choose nothing.
func negotiateModel(header string, def templates.Lang) templates.Lang {
	best, bestQ := def, 0.0
	for _, elem := range strings.Split(header, ",") {
		fields := strings.Split(elem, ";")
		primary := strings.SplitN(strings.TrimSpace(fields[0]), "-", 2)[0]
		var l templates.Lang
		for _, s := range templates.Langs {
			if strings.EqualFold(primary, string(s)) {
				l = s
			}
		}
		if l == "" {
			continue
		}
		q, qs := 1.0, 0
		for _, p := range fields[1:] {
			name, v, _ := strings.Cut(p, "=")
			if strings.ToLower(strings.TrimSpace(name)) != "q" {
				continue
			}
			qs++
			v = strings.TrimSpace(v)
			if !qvalueRE.MatchString(v) {
				qs = 99
				break
			}
			q, _ = strconv.ParseFloat(v, 64)
		}
		if qs > 1 {
			continue
		}
		if q > bestQ+1e-9 {
			best, bestQ = l, q
		}
	}
	return best
}

func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{
		"ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "en-US,en;q=0.9", "en;q=0.5, ko;q=0.5", "fr, de;q=0.9", "*", "*;q=0, en;q=0.001",
		"EN", " ko ", "ko;q=0", "en;q=1.000", "en;q=1.001", "en;q=0.0001", "en;Q=0.2, ko;q=0.1", "", ",,,", ";q=1",
		// Regression: malformed or extra weights once counted as q=1.
		"ko;q=0.1, en;q=0.5x", "ko;q=0.1, en;level=1;q=0.05", "ko;q=0.5, en;q=NaN", "ko;q=0.5, en;q=1e-3", "ko;q=0.1, en;q=0.2;q=0.9",
	} {
		f.Add(s, "en")
		f.Add(s, "ko")
	}
	f.Fuzz(func(t *testing.T, header, defRaw string) {
		def := templates.Korean
		if defRaw == "en" {
			def = templates.English
		}
		got := negotiateLang(header, def)
		if got != templates.Korean && got != templates.English {
			t.Fatalf("negotiateLang(%q) = %q, not a supported language", header, got)
		}
		if want := negotiateModel(header, def); got != want {
			t.Fatalf("negotiateLang(%q, %s) = %s, RFC 9110 says %s", header, def, got, want)
		}
		// Ranges Candor cannot serve never change the choice, wherever they stand.
		for _, other := range []string{"fr", "*", "zh-Hant;q=1", "x;q=0.3"} {
			if g := negotiateLang(other+","+header, def); g != got {
				t.Fatalf("prefixing %q to %q changed %s to %s", other, header, got, g)
			}
			if g := negotiateLang(header+","+other, def); g != got {
				t.Fatalf("appending %q to %q changed %s to %s", other, header, got, g)
			}
		}
		// A supported language with q=0 is refused, so it never wins over the default.
		for _, l := range templates.Langs {
			if l != def && negotiateLang(string(l)+";q=0", def) != def {
				t.Fatalf("%s;q=0 chose %s", l, l)
			}
		}
	})
}
