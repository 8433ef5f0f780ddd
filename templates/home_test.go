package templates

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/PuerkitoBio/goquery"

	"github.com/candorstatus/candor/status"
)

type homeWant struct {
	overall, since, dayText, incidentsOn, noData, history string
	words                                                 map[string]string
}

var homeWants = map[Lang]homeWant{
	English: {
		overall: "Partial System Outage", since: "Started 18:05 KST · for 35 min",
		dayText: "42 min partial outage, 10 min major outage", incidentsOn: "Incidents: Login failures",
		noData: "No data", history: "/history?lang=en",
		words: map[string]string{"api": "Partial outage", "login": "Operational", "web": "Degraded performance"},
	},
	Korean: {
		overall: "일부 시스템 장애", since: "18:05 KST 시작 · 35분째",
		dayText: "부분 장애 42분, 전체 장애 10분", incidentsOn: "관련 장애: Login failures",
		noData: "데이터 없음", history: "/history?lang=ko",
		words: map[string]string{"api": "부분 장애", "login": "정상", "web": "성능 저하"},
	},
}

func TestHomePage(t *testing.T) {
	for _, l := range Langs {
		t.Run(string(l), func(t *testing.T) {
			want := homeWants[l]
			v := homeView(t, l)
			doc, html := render(t, HomePage(v))

			if got, _ := doc.Find("html").Attr("lang"); got != string(l) {
				t.Errorf("lang = %q", got)
			}
			if got := doc.Find("title").Text(); got != "Status · Candor Messenger Status" {
				t.Errorf("title = %q", got)
			}
			overall := doc.Find("[data-testid=overall]")
			if !strings.Contains(flat(overall), want.overall) || !overall.HasClass("overall--major") {
				t.Errorf("overall = %q (class %q)", flat(overall), overall.AttrOr("class", ""))
			}
			if overall.Find("svg[aria-hidden=true]").Length() != 1 {
				t.Error("overall banner has no hidden icon")
			}

			comps := doc.Find("[data-testid=component]")
			if comps.Length() != 3 {
				t.Fatalf("components = %d, want 3", comps.Length())
			}
			comps.Each(func(_ int, c *goquery.Selection) {
				id := c.AttrOr("data-id", "")
				st := c.AttrOr("data-status", "")
				word := flat(c.Find(".component__head [data-testid=status-word]"))
				if word != want.words[id] {
					t.Errorf("component %s word = %q, want %q", id, word, want.words[id])
				}
				if wantSt := map[string]string{"api": "partial_outage", "login": "operational", "web": "degraded_performance"}[id]; st != wantSt {
					t.Errorf("component %s data-status = %q", id, st)
				}
				days := c.Find(".uptime__bar li")
				if days.Length() != 90 {
					t.Errorf("component %s days = %d, want 90", id, days.Length())
				}
				bad := days.Eq(50)
				for _, s := range []string{bad.AttrOr("title", ""), flat(c.Find("[data-testid=uptime-summary]"))} {
					if !strings.Contains(s, want.dayText) || !strings.Contains(s, want.incidentsOn) {
						t.Errorf("component %s bad day text = %q", id, s)
					}
				}
				if !bad.HasClass("day--major_outage") {
					t.Errorf("bad day class = %q", bad.AttrOr("class", ""))
				}
				if first := days.Eq(0); !first.HasClass("day--nodata") || !strings.Contains(first.AttrOr("title", ""), want.noData) {
					t.Errorf("no-data day = %q %q", first.AttrOr("class", ""), first.AttrOr("title", ""))
				}
				if pct := flat(c.Find("[data-testid=uptime-percent]")); !strings.Contains(pct, "99.95%") {
					t.Errorf("uptime percent = %q", pct)
				}
			})
			groups := doc.Find("[data-testid=group]")
			if got := flat(groups.Eq(0).Find("h3")); got != "Core" {
				t.Errorf("group heading = %q", got)
			}
			if got := flat(groups.Eq(1).Find("h3")); got != T(l, "ungrouped") {
				t.Errorf("ungrouped after groups heading = %q", got)
			}

			active := doc.Find("[data-testid=active-incidents] [data-testid=incident]")
			if active.Length() != 1 {
				t.Fatalf("active incidents = %d", active.Length())
			}
			if got := active.Find("h3 a").AttrOr("href", ""); got != "/incidents/inc1?lang="+string(l) {
				t.Errorf("incident link = %q", got)
			}
			if got := flat(active.Find("[data-testid=since]")); got != want.since {
				t.Errorf("since = %q, want %q", got, want.since)
			}
			if got := flat(active.Find("[data-testid=affected]")); !strings.Contains(got, "API") {
				t.Errorf("affected = %q", got)
			}
			if active.Find("[data-testid=eta] [data-testid=eta-range]").Length() != 1 {
				t.Error("no ETA range on the incident card")
			}
			msg := active.Find("[data-testid=latest-message]")
			if !strings.Contains(msg.Text(), "Line one\nLine two <script>alert(1)</script>") {
				t.Errorf("latest message = %q", msg.Text())
			}
			if doc.Find("body script").Length() != 0 || strings.Contains(html, "<script>alert") {
				t.Error("message markup was not escaped")
			}

			if doc.Find("[data-testid=maintenance]").Length() != 0 {
				t.Error("empty maintenance slot rendered")
			}
			recent := doc.Find("[data-testid=recent-incident]")
			if recent.Length() != 1 || recent.Find("a").AttrOr("href", "") != "/incidents/old1?lang="+string(l) {
				t.Errorf("recent = %d, link %q", recent.Length(), recent.Find("a").AttrOr("href", ""))
			}
			if doc.Find(`[data-testid=recent] a[href="`+want.history+`"]`).Length() != 1 {
				t.Error("no link to the history")
			}
		})
	}
}

func TestLayout(t *testing.T) {
	for _, l := range Langs {
		t.Run(string(l), func(t *testing.T) {
			v := homeView(t, l)
			v.Path, v.Query = "/history", "page=2"
			doc, _ := render(t, HomePage(v))
			sw := doc.Find("[data-testid=lang-switch]")
			other := string(otherLang(l))
			if got := sw.AttrOr("href", ""); got != "/history?lang="+other+"&page=2" {
				t.Errorf("lang switch href = %q", got)
			}
			if got := sw.AttrOr("hreflang", ""); got != other {
				t.Errorf("hreflang = %q", got)
			}
			if doc.Find(`link[rel=stylesheet][href="/static/app.0123456789.css"]`).Length() != 1 {
				t.Error("no stylesheet link")
			}
			if doc.Find(`link[rel=alternate][type="application/atom+xml"][href="/history.atom?lang=`+string(l)+`"]`).Length() != 1 {
				t.Error("no Atom link")
			}
			if doc.Find("script").Length() != 0 {
				t.Error("script rendered without JSURL")
			}
			if doc.Find(`meta[name=viewport]`).Length() != 1 || doc.Find("main#main").Length() != 1 {
				t.Error("missing viewport or main landmark")
			}
			if doc.Find(`footer a[href="/api/v2/summary.json?lang=`+string(l)+`"]`).Length() != 1 {
				t.Error("no JSON API link")
			}
			if got := flat(doc.Find("[data-testid=zone]")); !strings.Contains(got, "KST") {
				t.Errorf("zone note = %q", got)
			}
			if got := doc.Find(".brand").AttrOr("href", ""); got != "/?lang="+string(l) {
				t.Errorf("home link = %q", got)
			}

			v.JSURL = "/static/app.abc.js"
			doc, _ = render(t, HomePage(v))
			if s := doc.Find(`script[src="/static/app.abc.js"]`); s.Length() != 1 || s.AttrOr("defer", "x") == "x" {
				t.Error("deferred script missing with JSURL set")
			}
		})
	}
}

func TestHomeMaintenanceAndEmpty(t *testing.T) {
	v := homeView(t, English)
	v.Overall = status.OverallOperational
	v.Active, v.Recent = nil, nil
	upcoming := status.Maintenance{ID: "m1", Title: lang.Same("Database upgrade"), Status: status.MaintScheduled,
		Components: []string{"api"}, ScheduledFor: now.Add(3 * time.Hour), ScheduledUntil: now.Add(5 * time.Hour)}
	held := upcoming
	held.ID, held.ScheduledFor, held.HeldBy = "m2", now.Add(-time.Minute), []string{"inc1"}
	late := upcoming
	late.ID, late.Status, late.ScheduledFor, late.ScheduledUntil = "m3", status.MaintVerifying, now.Add(-2*time.Hour), now.Add(-10*time.Minute)
	names := map[string]lang.Text{"api": lang.Same("API")}
	v.Maintenance = []MaintenanceView{{upcoming, names}, {held, names}, {late, names}}
	doc, _ := render(t, HomePage(v))
	if doc.Find("[data-testid=active-incidents]").Length() != 0 {
		t.Error("active section rendered with no incidents")
	}
	m := doc.Find("[data-testid=maintenance] [data-testid=maintenance-item]")
	if m.Length() != 3 || !strings.Contains(flat(m.Eq(0)), "Starts in 3 h") || !strings.Contains(flat(m.Eq(0)), "API") {
		t.Errorf("maintenance = %q", flat(m))
	}
	if m.Eq(1).Find("[data-testid=maintenance-postponed]").Length() != 1 || strings.Contains(flat(m.Eq(1)), "Starts") {
		t.Errorf("held maintenance = %q", flat(m.Eq(1)))
	}
	if m.Eq(2).Find("[data-testid=maintenance-late]").Length() != 1 || strings.Contains(flat(m.Eq(2)), "Planned to end in") {
		t.Errorf("late maintenance = %q", flat(m.Eq(2)))
	}
	if got := flat(doc.Find("[data-testid=overall]")); !strings.Contains(got, "All Systems Operational") {
		t.Errorf("overall = %q", got)
	}
	if got := flat(doc.Find("[data-testid=recent]")); !strings.Contains(got, "No recent incidents.") {
		t.Errorf("recent = %q", got)
	}

	// Ungrouped components first sit directly under "Services", without a heading.
	v.Groups = []GroupView{v.Groups[1], v.Groups[0]}
	doc, _ = render(t, HomePage(v))
	if n := doc.Find("[data-testid=group]").First().Find("h3").Length(); n != 0 {
		t.Errorf("leading ungrouped group has %d headings", n)
	}
}

// TestUptimeShowcaseAndSummary: a component with showcase off shows no uptime bar, and the
// screen-reader sentence names only the days with trouble.
func TestUptimeShowcaseAndSummary(t *testing.T) {
	v := homeView(t, English)
	v.Groups[0].Components[1].Component.Showcase = false // login
	clean := v.Groups[1].Components[0]                   // web: a history without trouble
	clean.Uptime.Days = uptimeDays(90, 50)
	clean.Uptime.Days[50] = status.DayUptime{Day: clean.Uptime.Days[50].Day, Worst: status.Operational}
	v.Groups[1].Components[0] = clean
	doc, _ := render(t, HomePage(v))

	if n := doc.Find("[data-id=login] .uptime").Length(); n != 0 {
		t.Fatalf("a component with showcase off shows %d uptime bars", n)
	}
	if n := doc.Find("[data-id=api] .uptime__bar li").Length(); n != 90 {
		t.Fatalf("a showcased component shows %d days, want 90", n)
	}
	if got := flat(doc.Find("[data-id=api] [data-testid=uptime-summary]")); !strings.Contains(got, "Login failures") ||
		strings.Count(got, "No downtime") != 0 {
		t.Fatalf("summary with one bad day: %q", got)
	}
	if got := flat(doc.Find("[data-id=web] [data-testid=uptime-summary]")); !strings.Contains(got, T(English, "uptime.trouble.none")) {
		t.Fatalf("summary without trouble: %q", got)
	}
	// Untroubled days of different components read the same, from the shared cache.
	a := doc.Find("[data-id=api] .uptime__bar li").Eq(10).AttrOr("title", "")
	w := doc.Find("[data-id=web] .uptime__bar li").Eq(10).AttrOr("title", "")
	if a == "" || a != w {
		t.Fatalf("day 10 titles differ: %q vs %q", a, w)
	}
}

// TestUptimeNamesFallBackMarked: the screen-reader sentence and the list of days with
// trouble name a component and an incident written only in Korean inside lang="ko" on the
// English page, as the rest of the page does.
func TestUptimeNamesFallBackMarked(t *testing.T) {
	v := homeView(t, English)
	for g := range v.Groups {
		for i, c := range v.Groups[g].Components {
			if c.Component.ID != "api" {
				continue
			}
			c.Component.Name = lang.Text{KO: "선물하기"}
			c.Uptime.Days = uptimeDays(90, 50)
			c.Uptime.Days[50].Incidents = []status.IncidentRef{{ID: "old1", Title: lang.Text{KO: "선물하기 오류"}, Impact: status.ImpactMinor}}
			v.Groups[g].Components[i] = c
		}
	}
	doc, _ := render(t, HomePage(v))
	c := doc.Find("[data-id=api]")
	if c.Length() != 1 {
		t.Fatal("no api component")
	}
	for _, tc := range []struct{ where, sel, text string }{
		{"summary", "[data-testid=uptime-summary] [lang=ko]", "선물하기"},
		{"summary", "[data-testid=uptime-summary] [lang=ko]", "선물하기 오류"},
		{"days with trouble", "[data-testid=uptime-details] li [lang=ko]", "선물하기 오류"},
	} {
		found := false
		c.Find(tc.sel).Each(func(_ int, s *goquery.Selection) { found = found || flat(s) == tc.text })
		if !found {
			t.Errorf("%s: %q is not marked lang=ko: %q", tc.where, tc.text, flat(c.Find(tc.sel).Parent()))
		}
	}
}
