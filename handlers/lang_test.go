package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// bilingual is a status page whose staff wrote every public text in both languages.
type bilingual struct {
	en            *env
	incident, mnt string
	ko, english   []string // the staff texts in each language
}

func newBilingual(t *testing.T) bilingual {
	en := newEnv(t)
	b := bilingual{en: en,
		ko:      []string{"메시지 전송", "채팅 메시지 보내기", "메시징", "메시지 지연", "메시지가 늦게 도착합니다", "데이터베이스 점검", "잠시 느려질 수 있습니다"},
		english: []string{"Message delivery", "Sending chat messages", "Messaging", "Messages delayed", "Messages arrive late", "Database upgrade", "Things may be slow"},
	}
	text := func(i int) map[string]string { return map[string]string{"ko": b.ko[i], "en": b.english[i]} }
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "messenger", "name": text(0), "description": text(1),
		"group": text(2)}).want(http.StatusCreated)
	inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": text(3), "message": text(4),
		"components": map[string]string{"messenger": "partial_outage"}}).want(http.StatusCreated).json()
	b.incident = inc["id"].(string)
	if !sameLangs(inc["title"], b.ko[3], b.english[3]) {
		t.Fatalf("the API does not answer with the object form: %v", inc["title"])
	}
	m := en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": text(5), "message": text(6), "components": []string{"messenger"},
		"scheduled_for": en.clock.Now().Add(48 * time.Hour).Format(time.RFC3339), "scheduled_until": en.clock.Now().Add(50 * time.Hour).Format(time.RFC3339)}).
		want(http.StatusCreated).json()
	b.mnt = m["id"].(string)
	return b
}

func sameLangs(v any, ko, en string) bool { return textIn(v, "ko") == ko && textIn(v, "en") == en }

// TestEachPageSpeaksOneLanguage: with both languages given, every public page, feed and
// JSON document shows its own language's texts and none of the other's.
func TestEachPageSpeaksOneLanguage(t *testing.T) {
	b := newBilingual(t)
	paths := []string{"/", "/incidents/" + b.incident, "/maintenances/" + b.mnt, "/history", "/history.atom",
		"/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/components.json", "/api/v2/scheduled-maintenances.json"}
	for _, path := range paths {
		for _, l := range []string{"en", "ko"} {
			own, other := b.english, b.ko
			if l == "ko" {
				own, other = b.ko, b.english
			}
			body := b.en.do("GET", path+"?lang="+l, "", nil).want(http.StatusOK).Body.String()
			if strings.HasPrefix(path, "/api/") {
				var v any
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				raw, _ := json.Marshal(v) // the text as JSON escapes nothing here, but compare decoded strings
				body = string(raw)
			}
			for _, s := range other {
				if strings.Contains(body, s) {
					t.Errorf("%s?lang=%s shows the other language's %q", path, l, s)
				}
			}
			want := own[3] // every document names the incident or the maintenance
			switch {
			case strings.Contains(path, "maintenance"):
				want = own[5]
			case path == "/api/v2/components.json":
				want = own[0]
			}
			if !strings.Contains(body, want) {
				t.Errorf("%s?lang=%s lacks %q", path, l, want)
			}
		}
	}
	// Accept-Language chooses when the URL does not, and the answer says it varies by it.
	r := b.en.do("GET", "/api/v2/summary.json", "", nil, "Accept-Language", "en-US,en;q=0.9")
	if !strings.Contains(r.Body.String(), b.english[3]) || !strings.Contains(r.Header().Get("Vary"), "Accept-Language") {
		t.Errorf("summary for an English browser: vary %q, body %s", r.Header().Get("Vary"), r.Body.String())
	}
}

// TestFallbackIsMarkedWithItsLanguage: a text written only in Korean reaches English
// readers as it is, marked lang="ko" so it breaks and reads as Korean.
func TestFallbackIsMarkedWithItsLanguage(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Message delivery", ""})
	inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": map[string]string{"ko": "메시지 지연"},
		"message": map[string]string{"ko": "메시지가 늦게 도착합니다"}, "components": map[string]string{"messenger": "partial_outage"}}).
		want(http.StatusCreated).json()
	if !sameLangs(inc["title"], "메시지 지연", "") {
		t.Fatalf("title %v", inc["title"])
	}
	for _, path := range []string{"/?lang=en", "/incidents/" + inc["id"].(string) + "?lang=en"} {
		d := doc(t, en.do("GET", path, "", nil).want(http.StatusOK))
		if d.Find("html").AttrOr("lang", "") != "en" {
			t.Fatalf("%s: page language %q", path, d.Find("html").AttrOr("lang", ""))
		}
		marked := d.Find(`[lang="ko"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), "메시지 지연")
		})
		if marked.Length() == 0 {
			t.Errorf("%s: the Korean-only title is not marked lang=ko", path)
		}
		if d.Find(`[lang="ko"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), "메시지가 늦게 도착합니다")
		}).Length() == 0 {
			t.Errorf("%s: the Korean-only message is not marked lang=ko", path)
		}
	}
	// On the Korean page the same text is in the page's own language: no mark.
	d := doc(t, en.do("GET", "/?lang=ko", "", nil).want(http.StatusOK))
	if d.Find(`main [lang="ko"]`).Length() != 0 {
		t.Error("the Korean page marks Korean text as a fallback")
	}
}

// TestAtomFeedPerLanguage: each language is a feed of its own, with its own ids.
func TestAtomFeedPerLanguage(t *testing.T) {
	b := newBilingual(t)
	ids := map[string]string{}
	for _, l := range []string{"en", "ko"} {
		body := b.en.do("GET", "/history.atom?lang="+l, "", nil).want(http.StatusOK).Body.String()
		i := strings.Index(body, "<id>")
		j := strings.Index(body, "</id>")
		ids[l] = body[i+4 : j]
		if !strings.Contains(body, `xml:lang="`+l+`"`) || !strings.Contains(body, "/incidents/"+b.incident+"?lang="+l+"</id>") {
			t.Errorf("%s feed: %s", l, body)
		}
	}
	if ids["en"] == ids["ko"] {
		t.Errorf("both feeds have the id %q", ids["en"])
	}
	// Pages link the feed and JSON of their own language.
	d := doc(t, b.en.do("GET", "/?lang=en", "", nil).want(http.StatusOK))
	if d.Find(`a[href*="history.atom"][href*="lang=en"], link[href*="history.atom"][href*="lang=en"]`).Length() == 0 {
		t.Error("the English page does not link the English feed")
	}
	if d.Find(`a[href*="/api/v2/"][href*="lang=en"]`).Length() == 0 {
		t.Error("the English page does not link the English JSON")
	}
}

// TestAPITextFieldsAcceptStringOrObject: a string is the same text for every language; an
// object needs at least one language and no other keys.
func TestAPITextFieldsAcceptStringOrObject(t *testing.T) {
	en := newEnv(t)
	r := en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "API"}).want(http.StatusCreated).json()
	if !sameText(r["name"], "API") {
		t.Fatalf("string name: %v", r["name"])
	}
	code, fields := en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": map[string]string{"fr": "API"}}).
		want(http.StatusBadRequest).apiError()
	if code != "bad_request" || fields["name"] == nil {
		t.Fatalf("unknown language: %s %v", code, fields)
	}
	_, fields = en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": map[string]string{"ko": " ", "en": ""}}).
		want(http.StatusUnprocessableEntity).apiError()
	if fields["name"] == nil {
		t.Fatalf("a name blank in every language: %v", fields)
	}
	_, fields = en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": map[string]string{"ko": "가", "en": strings.Repeat("x", 201)}}).
		want(http.StatusUnprocessableEntity).apiError()
	if fields["name.en"] == nil {
		t.Fatalf("an English name too long: %v", fields)
	}
}
