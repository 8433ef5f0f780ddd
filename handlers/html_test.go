package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/candorstatus/candor/status"
)

// TestPublicPagesAreValidAndSpeakOneLanguage reads every public page in each language —
// the status, incident, maintenance and history pages, the subscription pages, a refused
// form and error pages — and holds each to what a validator and a reader would: well-nested
// markup, unique ids, a label for every control, the page's language on <html>, and no text
// of the other language that is not marked as such (Candor's own words included).
func TestPublicPagesAreValidAndSpeakOneLanguage(t *testing.T) {
	b := newBilingual(t)
	en := b.en
	enablePublicWebhooks(t, en, false)
	// A name written in one language only: the other language's pages show it marked.
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "gifts", "name": map[string]string{"ko": "선물하기"}}).want(http.StatusCreated)
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "pay", "name": map[string]string{"en": "Pay and transfers"}}).want(http.StatusCreated)
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": map[string]string{"ko": "선물하기 오류"},
		"message": map[string]string{"ko": "선물하기가 열리지 않습니다."}, "components": map[string]string{"gifts": "partial_outage"}}).want(http.StatusCreated)
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": map[string]string{"en": "Transfers fail at checkout"},
		"message": map[string]string{"en": "Some transfers fail at checkout."}, "components": map[string]string{"pay": "degraded_performance"}}).want(http.StatusCreated)
	en.clock.Advance(20 * time.Minute) // the day's trouble shows in the uptime lists
	paths := []string{"/", "/incidents/" + b.incident, "/maintenances/" + b.mnt, "/history", "/nope", "/subscribe",
		"/subscribe/webhook", "/unsubscribe?token=x", "/subscribe/confirm?token=x", "/subscribe/webhook/confirm?token=x"}
	for i, l := range []string{"en", "ko"} {
		for _, p := range paths {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			r := en.do("GET", p+sep+"lang="+l, "", nil)
			if r.Code != http.StatusOK && r.Code != http.StatusNotFound {
				t.Fatalf("%s?lang=%s answered %d", p, l, r.Code)
			}
			checkPage(t, p+" ("+l+")", l, r.Body.String())
		}
		// Refused forms, and an error that is neither 404 nor 500, each from its own address
		// (the forms are rate-limited per address).
		addr := fmt.Sprintf("198.51.100.%d:4000", 10+i)
		for _, f := range []struct {
			path string
			form url.Values
			code int
		}{
			{"/subscribe", url.Values{"email": {"not an address"}}, http.StatusBadRequest},
			{"/subscribe/webhook", url.Values{"url": {"http://127.0.0.1/hook"}, "email": {"ops@example.com"}}, http.StatusBadRequest},
			{"/", nil, http.StatusMethodNotAllowed},
		} {
			r := en.formFrom(addr, f.path+"?lang="+l, f.form)
			if r.Code != f.code {
				t.Fatalf("POST %s?lang=%s answered %d, want %d", f.path, l, r.Code, f.code)
			}
			checkPage(t, "POST "+f.path+" ("+l+")", l, r.Body.String())
		}
	}
}

// TestConsolePagesAreValid holds the staff console's pages to the same markup rules; the
// console is in English, and staff texts in Korean carry lang="ko".
func TestConsolePagesAreValid(t *testing.T) {
	b := newBilingual(t)
	en := b.en
	checkPage(t, "/admin/login", "en", en.browser("192.0.2.8:1000").get("/admin/login").want(http.StatusOK).Body.String())
	s := en.signedIn("ada", status.RoleAdmin, "192.0.2.7:1000")
	for _, p := range []string{"/admin", "/admin/incidents", "/admin/incidents/new", "/admin/incidents/" + b.incident,
		"/admin/incidents/" + b.incident + "/postmortem", "/admin/maintenances", "/admin/maintenances/new", "/admin/maintenances/" + b.mnt,
		"/admin/components", "/admin/components/messenger", "/admin/keys", "/admin/users", "/admin/templates", "/admin/templates/new",
		"/admin/subscribers", "/admin/webhooks", "/admin/nope"} {
		r := s.get(p)
		if r.Code != http.StatusOK && r.Code != http.StatusNotFound {
			t.Fatalf("%s answered %d", p, r.Code)
		}
		checkPage(t, p, "en", r.Body.String())
	}
}

// checkPage reports, as errors naming the page, what is wrong with one HTML document that
// should be in language want.
func checkPage(t *testing.T, name, want, body string) {
	t.Helper()
	for _, p := range htmlProblems(body, want) {
		t.Errorf("%s: %s", name, p)
	}
}

// sentence is three or more Latin words in a row: English prose, not a name or an
// abbreviation (KST, JSON API, Slack) that Korean text uses as it is.
var sentence = regexp.MustCompile(`[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}`)

// attrName finds the attribute names in a start tag as written (values skipped whole).
var attrName = regexp.MustCompile(`\s([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?`)

var (
	voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
		"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}
	// phrasing holds elements whose content may only be phrasing content.
	phrasing = map[string]bool{"p": true, "span": true, "button": true, "label": true, "h1": true, "h2": true, "h3": true,
		"h4": true, "strong": true, "em": true, "small": true, "code": true, "time": true, "legend": true}
	flow = map[string]bool{"div": true, "p": true, "ul": true, "ol": true, "dl": true, "section": true, "article": true, "header": true,
		"footer": true, "nav": true, "main": true, "form": true, "table": true, "h1": true, "h2": true, "h3": true, "h4": true,
		"fieldset": true, "aside": true, "pre": true, "blockquote": true, "hr": true, "details": true}
	interactive = map[string]bool{"a": true, "button": true, "input": true, "select": true, "textarea": true}
)

// htmlProblems is a validator's pass over doc: nesting (by the tokens as written, before
// a parser repairs them), attributes given once, unique ids and the targets of references to them, labelled
// controls, alt text, the viewport, and the document's language.
func htmlProblems(doc, want string) []string {
	var out []string
	ids := map[string]int{}
	var stack []string
	z := html.NewTokenizer(strings.NewReader(doc))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		raw := append([]byte(nil), z.Raw()...)
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range tok.Attr {
				if a.Key == "id" {
					ids[a.Val]++
				}
			}
			// Browsers (and this tokenizer) keep an attribute's first value and drop the
			// rest, so a repeated one is read from the tag as written.
			seen := map[string]bool{}
			for _, m := range attrName.FindAllStringSubmatch(string(raw), -1) {
				if k := strings.ToLower(m[1]); seen[k] {
					out = append(out, fmt.Sprintf("<%s> has %s twice", tok.Data, k))
				} else {
					seen[k] = true
				}
			}
			for _, parent := range stack {
				if flow[tok.Data] && phrasing[parent] {
					out = append(out, fmt.Sprintf("<%s> inside <%s>", tok.Data, parent))
				}
				if interactive[tok.Data] && interactive[parent] && attrOf(tok.Attr, "type") != "hidden" {
					out = append(out, fmt.Sprintf("<%s> inside <%s>", tok.Data, parent))
				}
				if tok.Data == "form" && parent == "form" {
					out = append(out, "a form inside a form")
				}
			}
			if tt == html.StartTagToken && !voidElements[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				out = append(out, fmt.Sprintf("</%s> closes <%s>", tok.Data, strings.Join(stack, "><")))
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i] == tok.Data {
						stack = stack[:i]
						break
					}
				}
				continue
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		out = append(out, "unclosed <"+strings.Join(stack, "><")+">")
	}
	for id, n := range ids {
		if n > 1 {
			out = append(out, fmt.Sprintf("id %q used %d times", id, n))
		}
	}

	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return append(out, err.Error())
	}
	labelled := map[string]bool{}
	viewport := false
	walk(root, "", func(n *html.Node, _ string) {
		if n.Type == html.ElementNode && n.Data == "label" && attrOf(n.Attr, "for") != "" {
			labelled[attrOf(n.Attr, "for")] = true
		}
	})
	walk(root, "", func(n *html.Node, l string) {
		if n.Type == html.TextNode {
			out = append(out, languageProblems(strings.TrimSpace(n.Data), l, "text")...)
			return
		}
		if n.Type != html.ElementNode {
			return
		}
		for _, a := range n.Attr {
			switch a.Key {
			case "aria-label", "title", "placeholder", "alt":
				out = append(out, languageProblems(a.Val, l, a.Key)...)
			case "aria-labelledby", "aria-describedby", "aria-controls":
				for _, id := range strings.Fields(a.Val) {
					if ids[id] == 0 {
						out = append(out, fmt.Sprintf("%s=%q names no element", a.Key, id))
					}
				}
			case "href":
				if strings.HasPrefix(a.Val, "#") && len(a.Val) > 1 && ids[a.Val[1:]] == 0 {
					out = append(out, "a link to the missing #"+a.Val[1:])
				}
			}
		}
		switch n.Data {
		case "html":
			if got := attrOf(n.Attr, "lang"); got != want {
				out = append(out, fmt.Sprintf("<html lang=%q>, want %q", got, want))
			}
		case "meta":
			viewport = viewport || attrOf(n.Attr, "name") == "viewport"
		case "img":
			if !hasAttr(n.Attr, "alt") {
				out = append(out, "an image without alt text")
			}
		case "label":
			if f := attrOf(n.Attr, "for"); f != "" && ids[f] == 0 {
				out = append(out, fmt.Sprintf("<label for=%q> names no element", f))
			}
		case "input", "select", "textarea":
			switch attrOf(n.Attr, "type") {
			case "hidden", "submit", "button":
				return
			}
			if attrOf(n.Attr, "aria-label") != "" || attrOf(n.Attr, "aria-labelledby") != "" || labelled[attrOf(n.Attr, "id")] && attrOf(n.Attr, "id") != "" {
				return
			}
			for a := n.Parent; a != nil; a = a.Parent {
				if a.Type == html.ElementNode && a.Data == "label" {
					return
				}
			}
			out = append(out, fmt.Sprintf("<%s name=%q> has no label", n.Data, attrOf(n.Attr, "name")))
		}
	})
	if !viewport {
		out = append(out, "no <meta name=viewport>")
	}
	return out
}

// languageProblems: Hangul in an English context, or English prose in a Korean one, is
// text in the other language without a lang attribute saying so.
func languageProblems(s, l, where string) []string {
	switch {
	case s == "":
	case l == "en" && strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0:
		return []string{fmt.Sprintf("Korean %s %q in English", where, s)}
	case l == "ko" && sentence.MatchString(s):
		return []string{fmt.Sprintf("English %s %q in Korean", where, s)}
	}
	return nil
}

// walk visits n and its descendants with the language in effect at each (the nearest lang
// attribute); script and style hold no text a reader sees.
func walk(n *html.Node, l string, f func(*html.Node, string)) {
	if n.Type == html.ElementNode {
		if v, ok := attrValue(n.Attr, "lang"); ok {
			l = v
		}
		if n.Data == "script" || n.Data == "style" {
			return
		}
	}
	f(n, l)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, l, f)
	}
}

func attrValue(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOf(attrs []html.Attribute, key string) string { v, _ := attrValue(attrs, key); return v }

func hasAttr(attrs []html.Attribute, key string) bool { _, ok := attrValue(attrs, key); return ok }
