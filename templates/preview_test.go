package templates

import (
	"os"
	"testing"
	"time"

	"github.com/candorstatus/candor/wording"
)

// TestPreviewDump writes sample pages to $CANDOR_PREVIEW for looking at in a browser.
func TestPreviewDump(t *testing.T) {
	dir := os.Getenv("CANDOR_PREVIEW")
	if dir == "" {
		t.Skip("set CANDOR_PREVIEW to a directory to write sample pages")
	}
	write := func(name, html string) {
		if err := os.WriteFile(dir+"/"+name+".html", []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range Langs {
		v := homeView(t, l)
		v.CSSURL = "app.css"
		_, html := render(t, HomePage(v))
		write("home-"+string(l), html)
		s := v.Active[0]
		s.ETA = &ETAView{Announced: now.Add(-10 * time.Minute), AnnouncedPassed: true, AnnouncedChance: -1,
			P50: now.Add(30 * time.Minute), P90: now.Add(2 * time.Hour), Few: true, Samples: 3, Basis: wording.Basis{Samples: 3, Few: true}}
		_, html = render(t, IncidentPage(IncidentView{Page: v.Page, IncidentSummary: s}))
		write("incident-"+string(l), html)
		hv := HistoryView{Page: v.Page, PageNumber: 2, PageCount: 3, Months: []MonthView{
			{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, v.Location), Incidents: v.Active},
			{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, v.Location), Incidents: v.Recent},
		}}
		_, html = render(t, HistoryPage(hv))
		write("history-"+string(l), html)
		_, html = render(t, ErrorPage(ErrorView{Page: v.Page, Code: 404}))
		write("error-"+string(l), html)
	}
}
