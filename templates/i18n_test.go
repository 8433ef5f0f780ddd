package templates

import (
	"testing"

	"github.com/candorstatus/candor/status"
)

func TestT(t *testing.T) {
	if got := T(Korean, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q, want the key", got)
	}
	if got := Tf(English, "pagination.of", "2", "5"); got != "Page 2 of 5" {
		t.Errorf("Tf = %q", got)
	}
	if got := Tf(Korean, "pagination.of", "2", "5"); got != "5쪽 중 2쪽" {
		t.Errorf("Tf ko = %q", got)
	}
}

func TestStatusWords(t *testing.T) {
	want := map[status.ComponentStatus][2]string{
		status.Operational:         {"Operational", "정상"},
		status.DegradedPerformance: {"Degraded performance", "성능 저하"},
		status.PartialOutage:       {"Partial outage", "부분 장애"},
		status.MajorOutage:         {"Major outage", "전체 장애"},
		status.UnderMaintenance:    {"Under maintenance", "점검 중"},
	}
	for _, s := range status.ComponentStatuses {
		t.Run(string(s), func(t *testing.T) {
			if got := ComponentStatusText(English, s); got != want[s][0] {
				t.Errorf("en = %q, want %q", got, want[s][0])
			}
			if got := ComponentStatusText(Korean, s); got != want[s][1] {
				t.Errorf("ko = %q, want %q", got, want[s][1])
			}
		})
	}
	incWant := map[status.IncidentStatus][2]string{
		status.Investigating: {"Investigating", "원인 조사 중"},
		status.Identified:    {"Identified", "원인 확인"},
		status.Monitoring:    {"Monitoring", "모니터링 중"},
		status.Resolved:      {"Resolved", "해결됨"},
	}
	for _, s := range status.IncidentStatuses {
		t.Run(string(s), func(t *testing.T) {
			if got := IncidentStatusText(English, s); got != incWant[s][0] {
				t.Errorf("en = %q", got)
			}
			if got := IncidentStatusText(Korean, s); got != incWant[s][1] {
				t.Errorf("ko = %q", got)
			}
		})
	}
}

func TestEveryDomainValueIsTranslated(t *testing.T) {
	for _, i := range status.Impacts {
		if ImpactText(Korean, i) == string(i) {
			t.Errorf("impact %s has no Korean word", i)
		}
	}
	for _, c := range status.Causes {
		if CauseText(Korean, c) == string(c) || CauseText(English, c) == string(c) {
			t.Errorf("cause %s has no word", c)
		}
	}
	for _, o := range []status.Overall{status.OverallOperational, status.OverallDegraded, status.OverallMinorOutage,
		status.OverallPartial, status.OverallMajor, status.OverallMaintenance} {
		if got := OverallText(English, o); got != o.Description {
			t.Errorf("en overall = %q, want Statuspage's %q", got, o.Description)
		}
		if got := OverallText(Korean, o); got == o.Description {
			t.Errorf("overall %q has no Korean text", o.Description)
		}
	}
	if got := OverallText(Korean, status.Overall{Description: "Custom"}); got != "Custom" {
		t.Errorf("unknown overall = %q", got)
	}
}
