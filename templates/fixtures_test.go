package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/candorstatus/candor/status"
)

// now is when every test page is rendered: Nov 22, 2026, 18:40 KST.
var now = time.Date(2026, 11, 22, 9, 40, 0, 0, time.UTC)

func seoul(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

func testPage(t *testing.T, l Lang, path, query string) Page {
	t.Helper()
	return Page{
		Lang: l, Name: "Candor Messenger Status", PublicURL: "https://status.example.com",
		Location: seoul(t), Path: path, Query: query, Now: now, Revision: 7,
		CSSURL: "/static/app.0123456789.css", Title: "Status", Description: "Live status",
	}
}

// render renders c and parses the result.
func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, buf.String()
}

func flat(s *goquery.Selection) string {
	return strings.Join(strings.Fields(s.Text()), " ")
}

// openIncident started 35 minutes before now with three updates; the last message holds a
// line break and markup that must stay text.
func openIncident() status.Incident {
	start := now.Add(-35 * time.Minute)
	inc := status.Incident{
		ID: "inc1", Title: lang.Same("Messages delayed"), Impact: status.ImpactMajor, Status: status.Identified,
		Cause: status.CauseNetwork, StartedAt: start, CreatedAt: start,
		Updates: []status.Update{
			{ID: "u1", Kind: status.KindStaff, Status: status.Investigating, Message: lang.Same("We are looking into delays."),
				Components: []status.ComponentChange{{ComponentID: "api", Name: lang.Same("API"), OldStatus: status.Operational, NewStatus: status.PartialOutage}},
				CreatedAt:  start},
			{ID: "u2", Kind: status.KindSystem, Status: status.Investigating, Message: lang.Same("The announced time passed."), CreatedAt: start.Add(10 * time.Minute)},
			{ID: "u3", Kind: status.KindStaff, Status: status.Identified, Message: lang.Same("Line one\nLine two <script>alert(1)</script>"),
				AnnouncedETA: now.Add(time.Hour), CreatedAt: start.Add(20 * time.Minute)},
		},
	}
	share := 12.0
	inc.UsersAffectedPercent = &share
	inc.Derive()
	inc.StartedAt = start
	return inc
}

func resolvedIncident() status.Incident {
	start := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)
	inc := status.Incident{
		ID: "old1", Title: lang.Same("Login failures"), Impact: status.ImpactMinor, StartedAt: start, CreatedAt: start,
		Updates: []status.Update{
			{ID: "o1", Status: status.Investigating, Message: lang.Same("Some logins fail."), CreatedAt: start,
				Components: []status.ComponentChange{{ComponentID: "login", OldStatus: status.Operational, NewStatus: status.MajorOutage}}},
			{ID: "o2", Status: status.Resolved, Message: lang.Same("Fixed."), CreatedAt: start.Add(125 * time.Minute)},
		},
	}
	inc.Derive()
	return inc
}

func uptimeDays(n int, bad int) []status.DayUptime {
	days := make([]status.DayUptime, n)
	first := time.Date(2026, 11, 22, 0, 0, 0, 0, time.FixedZone("KST", 9*3600)).AddDate(0, 0, -n+1)
	for i := range days {
		days[i] = status.DayUptime{Day: first.AddDate(0, 0, i), Worst: status.Operational}
	}
	days[0].NoData = true
	days[bad].Worst = status.MajorOutage
	days[bad].PartialMinutes, days[bad].MajorMinutes = 42, 10
	days[bad].Incidents = []status.IncidentRef{{ID: "old1", Title: lang.Same("Login failures"), Impact: status.ImpactMinor}}
	return days
}

func homeView(t *testing.T, l Lang) HomeView {
	t.Helper()
	comp := func(id, name, group string, st status.ComponentStatus) ComponentView {
		return ComponentView{
			Component: status.Component{ID: id, Name: lang.Same(name), Description: lang.Same(name + " service"), GroupID: group, Status: st, Showcase: true},
			Uptime:    status.ComponentUptime{ComponentID: id, Days: uptimeDays(90, 50), Percent: 99.95},
		}
	}
	return HomeView{
		Page:    testPage(t, l, "/", ""),
		Overall: status.OverallPartial,
		Groups: []GroupView{
			{Group: status.Group{ID: "core", Name: lang.Same("Core")}, Worst: status.PartialOutage, Components: []ComponentView{
				comp("api", "API", "core", status.PartialOutage),
				comp("login", "Login", "core", status.Operational),
			}},
			{Components: []ComponentView{comp("web", "Website", "", status.DegradedPerformance)}},
		},
		Active: []IncidentSummary{{
			Incident:       openIncident(),
			ComponentNames: map[string]lang.Text{"api": lang.Same("API")},
			ETA:            &ETAView{P50: now.Add(40 * time.Minute), P90: now.Add(2 * time.Hour), AnnouncedChance: -1, Samples: 23, Basis: wording.Basis{Samples: 23}},
		}},
		Recent:     []IncidentSummary{{Incident: resolvedIncident(), ComponentNames: map[string]lang.Text{"login": lang.Same("Login")}}},
		UptimeDays: 90,
	}
}
