package templates

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// A follow-up's due date is a calendar day, written the page's way in each language, and
// the same day in a zone west of UTC (it is stored as midnight UTC of that date).
func TestPostmortemDueDate(t *testing.T) {
	pm := &status.Postmortem{PublishedAt: now, Actions: []status.FollowUp{{Title: lang.Same("Add an index"),
		State: status.FollowUpOpen, DueDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		l    Lang
		want string
	}{{English, "Dec 1, 2026"}, {Korean, "2026년 12월 1일"}} {
		p := testPage(t, tc.l, "/incidents/x", "")
		p.Location = newYork
		doc, _ := render(t, postmortemSection(p, pm))
		due := doc.Find(`[data-testid=pm-action] time`)
		if got := strings.TrimSpace(due.Text()); got != tc.want || due.AttrOr("datetime", "") != "2026-12-01" {
			t.Errorf("%s: due %q (datetime %q), want %q", tc.l, got, due.AttrOr("datetime", ""), tc.want)
		}
	}
}
