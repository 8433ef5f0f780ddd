package templates

import (
	"strings"
	"testing"
	"time"
)

func TestHistoryPage(t *testing.T) {
	wants := map[Lang]struct{ month, when string }{
		English: {"October 2026", "Oct 3, 10:00 KST – 12:05 KST · 2 h 5 min"},
		Korean:  {"2026년 10월", "10월 3일 10:00 KST – 12:05 KST · 2시간 5분"},
	}
	for _, l := range Langs {
		t.Run(string(l), func(t *testing.T) {
			kst := seoul(t)
			v := HistoryView{
				Page: testPage(t, l, "/history", "page=2"),
				Months: []MonthView{
					{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, kst), Incidents: []IncidentSummary{{Incident: openIncident()}}},
					{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, kst), Incidents: []IncidentSummary{{Incident: resolvedIncident()}}},
				},
				PageNumber: 2, PageCount: 3,
			}
			doc, _ := render(t, HistoryPage(v))
			months := doc.Find("[data-testid=month]")
			if months.Length() != 2 {
				t.Fatalf("months = %d", months.Length())
			}
			oct := months.Eq(1)
			if got := flat(oct.Find("h2")); got != wants[l].month {
				t.Errorf("month heading = %q", got)
			}
			if got := oct.Find("h2 time").AttrOr("datetime", ""); got != "2026-10" {
				t.Errorf("month datetime = %q", got)
			}
			inc := oct.Find("[data-testid=incident]")
			if got := inc.Find("h3 a").AttrOr("href", ""); got != "/incidents/old1?lang="+string(l) {
				t.Errorf("incident link = %q", got)
			}
			if got := flat(inc.Find(".listed__when")); got != wants[l].when {
				t.Errorf("when = %q, want %q", got, wants[l].when)
			}
			if got := flat(inc.Find(".listed__excerpt")); got != "Fixed." {
				t.Errorf("excerpt = %q", got)
			}
			pg := doc.Find("[data-testid=pagination]")
			if got := pg.Find("[data-testid=newer]").AttrOr("href", ""); got != "/history?lang="+string(l) {
				t.Errorf("newer = %q", got)
			}
			if got := pg.Find("[data-testid=older]").AttrOr("href", ""); got != "/history?page=3&lang="+string(l) {
				t.Errorf("older = %q", got)
			}
			if got := doc.Find("[data-testid=lang-switch]").AttrOr("href", ""); got != "/history?lang="+string(otherLang(l))+"&page=2" {
				t.Errorf("lang switch = %q", got)
			}
			if doc.Find("[data-testid=empty]").Length() != 0 {
				t.Error("empty state with incidents")
			}
		})
	}
}

func TestHistoryEmpty(t *testing.T) {
	for l, want := range map[Lang]string{English: "No incidents reported.", Korean: "보고된 장애가 없습니다."} {
		t.Run(string(l), func(t *testing.T) {
			doc, _ := render(t, HistoryPage(HistoryView{Page: testPage(t, l, "/history", ""), PageNumber: 1, PageCount: 1}))
			if got := flat(doc.Find("[data-testid=empty]")); got != want {
				t.Errorf("empty = %q", got)
			}
			if doc.Find("[data-testid=pagination]").Length() != 0 {
				t.Error("pagination on a single page")
			}
		})
	}
}

func TestErrorPage(t *testing.T) {
	tests := []struct {
		name    string
		v       ErrorView
		heading string
	}{
		{"404 default en", ErrorView{Code: 404}, "Page not found"},
		{"500 custom", ErrorView{Code: 500, Heading: "Down for a moment", Message: "Try again."}, "Down for a moment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.v.Page = testPage(t, English, "/nope", "")
			doc, _ := render(t, ErrorPage(tt.v))
			if got := flat(doc.Find("h1")); got != tt.heading {
				t.Errorf("heading = %q", got)
			}
			if doc.Find(`[data-testid=error] a[href="/?lang=en"]`).Length() != 1 {
				t.Error("no link home")
			}
			if !strings.Contains(flat(doc.Find("[data-testid=error]")), "Error "+map[int]string{404: "404", 500: "500"}[tt.v.Code]) {
				t.Error("no error code")
			}
		})
	}
	doc, _ := render(t, ErrorPage(ErrorView{Page: testPage(t, Korean, "/x", ""), Code: 404}))
	if got := flat(doc.Find("h1")); got != "페이지를 찾을 수 없습니다" {
		t.Errorf("ko heading = %q", got)
	}
}
