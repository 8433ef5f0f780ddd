package templates

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"
)

func TestIncidentPage(t *testing.T) {
	wants := map[Lang]struct{ duration, change, users, cause, system, announced string }{
		English: {"Ongoing for 35 min", "API: Operational → Partial outage", "About 12% of users", "Network", "Automatic update", "Announced restoration time: 19:40 KST"},
		Korean:  {"35분째 진행 중", "API: 정상 → 부분 장애", "사용자의 약 12%", "네트워크", "자동 업데이트", "안내한 복구 예정 시각: 19:40 KST"},
	}
	for _, l := range Langs {
		t.Run(string(l), func(t *testing.T) {
			want := wants[l]
			v := IncidentView{Page: testPage(t, l, "/incidents/inc1", ""), IncidentSummary: IncidentSummary{
				Incident: openIncident(), ComponentNames: map[string]lang.Text{},
			}}
			doc, html := render(t, IncidentPage(v))

			if got, _ := doc.Find("html").Attr("lang"); got != string(l) {
				t.Errorf("lang = %q", got)
			}
			if got := flat(doc.Find("h1")); got != "Messages delayed" {
				t.Errorf("h1 = %q", got)
			}
			if got := flat(doc.Find("[data-testid=duration]")); got != want.duration {
				t.Errorf("duration = %q, want %q", got, want.duration)
			}
			if got := flat(doc.Find("[data-testid=users-affected]")); got != want.users {
				t.Errorf("users = %q", got)
			}
			if got := flat(doc.Find("[data-testid=cause]")); got != want.cause {
				t.Errorf("cause = %q", got)
			}
			// No name known: the affected list falls back to the id.
			if got := flat(doc.Find("[data-testid=affected]")); !strings.HasPrefix(got, "api") {
				t.Errorf("affected = %q", got)
			}
			if doc.Find("[data-testid=eta]").Length() != 0 {
				t.Error("ETA block rendered without an ETA")
			}

			ups := doc.Find("[data-testid=update]")
			if ups.Length() != 3 {
				t.Fatalf("updates = %d", ups.Length())
			}
			var msgs []string
			for i := range ups.Length() {
				msgs = append(msgs, ups.Eq(i).Find("[data-testid=message]").Text())
			}
			if !strings.HasPrefix(msgs[0], "Line one\nLine two") || msgs[1] != "The announced time passed." || msgs[2] != "We are looking into delays." {
				t.Errorf("timeline not newest first: %q", msgs)
			}
			if !strings.Contains(msgs[0], "<script>alert(1)</script>") || doc.Find("body script").Length() != 0 || strings.Contains(html, "<script>alert") {
				t.Error("message markup was not escaped")
			}
			if got := flat(ups.Eq(1).Find("[data-testid=system]")); got != want.system {
				t.Errorf("system marker = %q", got)
			}
			if ups.Eq(0).Find("[data-testid=system]").Length() != 0 {
				t.Error("staff update marked as system")
			}
			if got := flat(ups.Eq(2).Find("[data-testid=change]")); got != want.change {
				t.Errorf("change = %q, want %q", got, want.change)
			}
			if got := flat(ups.Eq(0).Find("[data-testid=update-eta]")); got != want.announced {
				t.Errorf("announced = %q, want %q", got, want.announced)
			}
			if got := ups.Eq(0).Find("time").Last().AttrOr("datetime", ""); got != "2026-11-22T18:25:00+09:00" {
				t.Errorf("update datetime = %q", got)
			}
		})
	}
}

func TestResolvedIncidentPage(t *testing.T) {
	for l, want := range map[Lang]string{English: "Resolved after 2 h 5 min", Korean: "2시간 5분 만에 해결"} {
		t.Run(string(l), func(t *testing.T) {
			v := IncidentView{Page: testPage(t, l, "/incidents/old1", ""), IncidentSummary: IncidentSummary{
				Incident: resolvedIncident(), ComponentNames: map[string]lang.Text{"login": lang.Same("Login")},
			}}
			doc, _ := render(t, IncidentPage(v))
			if got := flat(doc.Find("[data-testid=duration]")); got != want {
				t.Errorf("duration = %q, want %q", got, want)
			}
			if doc.Find("[data-testid=resolved] time").Length() != 1 {
				t.Error("no resolved time")
			}
			if got := flat(doc.Find("[data-testid=update]").Last().Find("[data-testid=change]")); !strings.HasPrefix(got, "Login:") {
				t.Errorf("change falls back to the current name: %q", got)
			}
		})
	}
}

func TestETABlock(t *testing.T) {
	in := func(d time.Duration) time.Time { return now.Add(d) }
	type texts struct{ has, hasNot []string }
	tests := []struct {
		name    string
		eta     ETAView
		testids []string // must be present
		absent  []string // must be absent
		en, ko  texts
	}{
		{
			name: "range from history, conditioned on the time elapsed",
			eta: ETAView{P50: in(40 * time.Minute), P90: in(2 * time.Hour), AnnouncedChance: -1, Samples: 23,
				Basis: wording.Basis{Samples: 23, Elapsed: 65 * time.Minute}},
			testids: []string{"eta-range"}, absent: []string{"eta-missed", "eta-overdue", "eta-none", "eta-announced", "eta-chance"},
			en: texts{has: []string{"Of 23 similar incidents that had lasted 1 h 5 min, half were restored by 19:20 KST and 9 in 10 by 20:40 KST."},
				hasNot: []string{"Likely", "likely", "almost certainly"}},
			ko: texts{has: []string{"1시간 5분 이상 이어진 비슷한 장애 23건 중 절반은 19:20 KST까지, 10건 중 9건은 20:40 KST까지 복구되었습니다."},
				hasNot: []string{"가능성이 높", "늦어도"}},
		},
		{
			name: "range conditioned on the phase",
			eta: ETAView{P50: in(40 * time.Minute), P90: in(2 * time.Hour), AnnouncedChance: -1, Samples: 40,
				Basis: wording.Basis{Samples: 40, Elapsed: 30 * time.Minute, Phase: "identified"}},
			testids: []string{"eta-range"},
			en:      texts{has: []string{"Of 40 similar incidents that had lasted 30 min with the cause identified, half were restored by 19:20 KST"}},
			ko:      texts{has: []string{"원인이 파악된 상태로 30분 이상 이어진 비슷한 장애 40건 중 절반은 19:20 KST까지"}},
		},
		{
			name: "thin history",
			eta: ETAView{P50: in(40 * time.Minute), P90: in(2 * time.Hour), AnnouncedChance: -1, Samples: 3, Few: true,
				Basis: wording.Basis{Samples: 3, Few: true, Elapsed: 10 * time.Minute}},
			testids: []string{"eta-range"},
			en: texts{has: []string{"Only 3 similar incidents that had lasted 10 min are on record, so this range is rough: " +
				"half of them were restored by 19:20 KST and 9 in 10 by 20:40 KST."}},
			ko: texts{has: []string{"10분 이상 이어진 비슷한 장애 기록이 3건뿐이라 대략적인 범위입니다. 그중 절반은 19:20 KST까지, 10건 중 9건은 20:40 KST까지 복구되었습니다."}},
		},
		{
			name:    "no history at all",
			eta:     ETAView{P50: in(40 * time.Minute), P90: in(2 * time.Hour), AnnouncedChance: -1, Few: true, Basis: wording.Basis{Few: true}},
			testids: []string{"eta-range"},
			en: texts{has: []string{"There is no record of similar incidents yet, so this range is a general assumption, not a measurement: " +
				"half restored by 19:20 KST, 9 in 10 by 20:40 KST."}},
			ko: texts{has: []string{"아직 비슷한 장애 기록이 없어 측정값이 아닌 일반적인 가정에 따른 범위입니다. 절반은 19:20 KST까지, 10건 중 9건은 20:40 KST까지 복구된다고 가정합니다."}},
		},
		{
			name:    "every past incident, just started",
			eta:     ETAView{P50: in(40 * time.Minute), P90: in(2 * time.Hour), AnnouncedChance: -1, Samples: 200, Basis: wording.Basis{Samples: 200, All: true}},
			testids: []string{"eta-range"},
			en:      texts{has: []string{"Of 200 past incidents, half were restored by 19:20 KST and 9 in 10 by 20:40 KST."}},
			ko:      texts{has: []string{"과거 장애 200건 중 절반은 19:20 KST까지, 10건 중 9건은 20:40 KST까지 복구되었습니다."}},
		},
		{
			name: "announced future, unlikely",
			eta: ETAView{Announced: in(30 * time.Minute), AnnouncedChance: 0.12, AnnouncedMet: 3, AnnouncedOf: 25, P50: in(time.Hour), P90: in(3 * time.Hour),
				Samples: 25, Basis: wording.Basis{Samples: 25}},
			testids: []string{"eta-announced", "eta-chance", "eta-range"}, absent: []string{"eta-missed", "eta-none"},
			en: texts{has: []string{"Staff expect restoration by 19:10 KST", "Unlikely: 3 of 25 similar incidents (12%) were restored that fast."}},
			ko: texts{has: []string{"담당자 안내: 19:10 KST까지 복구 예정", "가능성 낮음: 비슷한 장애 25건 중 3건(12%)이 이만큼 빨리 복구되었습니다."}},
		},
		{
			// 27% is no warning, but it is said: a promise never stands without its odds.
			name:    "announced future, not unlikely, chance still shown",
			eta:     ETAView{Announced: in(30 * time.Minute), AnnouncedChance: 0.27, P50: in(time.Hour), P90: in(3 * time.Hour)},
			testids: []string{"eta-announced", "eta-chance"},
			en:      texts{has: []string{"History gives this time a 27% chance."}, hasNot: []string{"Unlikely"}},
			ko:      texts{has: []string{"과거 기록으로 보면 이 시각까지 복구될 확률은 27%입니다."}, hasNot: []string{"가능성 낮음"}},
		},
		{
			name:    "announced future, likely",
			eta:     ETAView{Announced: in(30 * time.Minute), AnnouncedChance: 0.6},
			testids: []string{"eta-announced", "eta-chance"}, absent: []string{"eta-none", "eta-missed"},
			en: texts{has: []string{"Staff expect restoration by 19:10 KST"}},
		},
		{
			name:    "announced passed",
			eta:     ETAView{Announced: in(-10 * time.Minute), AnnouncedPassed: true, AnnouncedChance: -1, P50: in(20 * time.Minute), P90: in(time.Hour)},
			testids: []string{"eta-missed", "eta-range"}, absent: []string{"eta-announced", "eta-chance", "eta-nonew"},
			en: texts{has: []string{"It is taking longer than announced (expected by 18:30 KST)"}, hasNot: []string{"restoration by 18:30", "restored by 18:30"}},
			ko: texts{has: []string{"안내한 시각(18:30 KST)보다 복구가 늦어지고 있습니다"}, hasNot: []string{"18:30 KST까지 복구"}},
		},
		{
			name:    "announced time reached though not flagged",
			eta:     ETAView{Announced: now, AnnouncedChance: 0.9},
			testids: []string{"eta-missed", "eta-nonew"}, absent: []string{"eta-announced", "eta-none"},
			en: texts{hasNot: []string{"Staff expect"}},
		},
		{
			// Missed here is an earlier model range that passed; staff's later time still stands.
			name:    "missed estimate beside a future announced time",
			eta:     ETAView{Announced: in(time.Hour), Missed: true, AnnouncedChance: -1},
			testids: []string{"eta-missed", "eta-announced"},
			en:      texts{has: []string{"longer than our earlier estimate"}, hasNot: []string{"longer than announced"}},
		},
		{
			name:    "p90 passed",
			eta:     ETAView{P50: in(-time.Hour), P90: in(-5 * time.Minute), AnnouncedChance: -1, Samples: 23},
			testids: []string{"eta-overdue"}, absent: []string{"eta-range", "eta-none"},
			en: texts{has: []string{"Restoration is taking longer than usual; estimate being updated"}, hasNot: []string{"restored by"}},
			ko: texts{has: []string{"평소보다 복구가 오래 걸리고 있습니다. 예상 시각을 다시 계산하고 있습니다"}, hasNot: []string{"까지 복구될"}},
		},
		{
			name:    "p50 passed, p90 ahead",
			eta:     ETAView{P50: in(-time.Minute), P90: in(time.Hour), AnnouncedChance: -1},
			testids: []string{"eta-overdue"}, absent: []string{"eta-range"},
			en: texts{hasNot: []string{"restored by"}},
		},
		{
			name:    "earlier estimate missed, new range",
			eta:     ETAView{P50: in(time.Hour), P90: in(2 * time.Hour), Missed: true, AnnouncedChance: -1},
			testids: []string{"eta-missed", "eta-range"},
			en:      texts{has: []string{"It is taking longer than our earlier estimate"}},
		},
		{
			name:    "none",
			eta:     ETAView{AnnouncedChance: -1},
			testids: []string{"eta-none"}, absent: []string{"eta-range", "eta-missed", "eta-announced", "eta-overdue"},
			en: texts{has: []string{"No restoration estimate yet"}},
			ko: texts{has: []string{"아직 복구 예상 시각이 없습니다"}},
		},
	}
	for _, tt := range tests {
		for _, l := range Langs {
			t.Run(tt.name+"/"+string(l), func(t *testing.T) {
				eta := tt.eta
				v := IncidentView{Page: testPage(t, l, "/incidents/inc1", ""), IncidentSummary: IncidentSummary{
					Incident: openIncident(), ETA: &eta,
				}}
				doc, _ := render(t, IncidentPage(v))
				block := doc.Find("[data-testid=eta]")
				if block.Length() != 1 {
					t.Fatalf("eta blocks = %d", block.Length())
				}
				for _, id := range tt.testids {
					if block.Find("[data-testid="+id+"]").Length() != 1 {
						t.Errorf("missing %s in %q", id, flat(block))
					}
				}
				for _, id := range tt.absent {
					if block.Find("[data-testid="+id+"]").Length() != 0 {
						t.Errorf("unexpected %s in %q", id, flat(block))
					}
				}
				want := tt.en
				if l == Korean {
					want = tt.ko
				}
				got := flat(block)
				for _, s := range want.has {
					if !strings.Contains(got, s) {
						t.Errorf("eta %q lacks %q", got, s)
					}
				}
				for _, s := range want.hasNot {
					if strings.Contains(got, s) {
						t.Errorf("eta %q must not say %q", got, s)
					}
				}
				if n := block.Find("time[datetime]").Length(); n != block.Find("time").Length() {
					t.Errorf("time without datetime")
				}
			})
		}
	}
}

func TestPlanETAUnknownChance(t *testing.T) {
	pl := planETA(ETAView{Announced: now.Add(time.Hour), AnnouncedChance: -1}, Page{Lang: English, Now: now})
	if !pl.AnnouncedUpcoming || pl.Unlikely || pl.Chance != "" {
		t.Errorf("unknown chance must not warn: %+v", pl)
	}
}
