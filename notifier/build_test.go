package notifier

import (
	"github.com/candorstatus/candor/lang"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/status"
)

var seoul = time.FixedZone("KST", 9*3600)

// now is 18:05 KST; every relative time below is from it.
var now = time.Date(2026, 11, 22, 18, 5, 0, 0, seoul)

func at(d time.Duration) time.Time { return now.Add(d) }

// event is a major incident with an upcoming range 18:40–19:30 and no announced time.
func event(k Kind) Event {
	return Event{
		Kind: k, PageName: lang.Same("Messenger Status"), PublicURL: "https://status.example.com",
		Location: seoul, Now: now, IncidentID: "inc-42", Title: lang.Same("Messages delayed"),
		Status: "identified", Impact: "major", Message: lang.Same("Messages are delayed for some users."),
		Components: []lang.Text{lang.Same("Messages")},
		ETA:        &status.Estimate{P50: at(35 * time.Minute), P90: at(85 * time.Minute), Samples: 23, Pool: "components+impact"},
		StartsAt:   at(30 * time.Minute), EndsAt: at(150 * time.Minute),
	}
}

func TestBuildWording(t *testing.T) {
	tests := []struct {
		kind      Kind
		lang      string
		title     string
		bodyParts []string
	}{
		{KindCreated, "en", "Messenger Status · Major outage: Messages delayed",
			[]string{"Messages are delayed for some users.", "Half of similar incidents were back by 18:40, 9 in 10 by 19:30 KST"}},
		{KindCreated, "ko", "Messenger Status · 장애 발생: Messages delayed",
			[]string{"비슷한 장애 절반은 18:40, 10건 중 9건은 19:30 KST까지 복구"}},
		{KindUpdated, "en", "Messenger Status · Identified: Messages delayed", []string{"Half of similar incidents were back by 18:40"}},
		{KindUpdated, "ko", "Messenger Status · 원인 확인: Messages delayed", []string{"비슷한 장애 절반은 18:40"}},
		{KindResolved, "en", "Messenger Status · Resolved: Messages delayed", []string{"Messages are delayed"}},
		{KindResolved, "ko", "Messenger Status · 복구 완료: Messages delayed", nil},
		{KindETAMissed, "en", "Messenger Status · Taking longer than announced: Messages delayed", []string{"9 in 10 by 19:30 KST"}},
		{KindETAMissed, "ko", "Messenger Status · 복구 지연: Messages delayed", []string{"10건 중 9건은 19:30 KST까지"}},
		{KindMaintenanceScheduled, "en", "Messenger Status · Maintenance scheduled: Messages delayed", []string{"Scheduled 18:35 – 20:35 KST"}},
		{KindMaintenanceScheduled, "ko", "Messenger Status · 점검 예정: Messages delayed", []string{"점검 시간: 18:35 ~ 20:35 KST"}},
		{KindMaintenanceReminder, "en", "Messenger Status · Maintenance starts soon: Messages delayed", []string{"Starts 18:35 KST, in 30 min"}},
		{KindMaintenanceReminder, "ko", "Messenger Status · 점검 시작 예정: Messages delayed", []string{"18:35 KST 시작 (30분 후)"}},
		{KindMaintenanceStarted, "en", "Messenger Status · Maintenance started: Messages delayed", []string{"Expected to end by 20:35 KST"}},
		{KindMaintenanceStarted, "ko", "Messenger Status · 점검 시작: Messages delayed", []string{"20:35 KST 종료 예정"}},
		{KindMaintenanceCompleted, "en", "Messenger Status · Maintenance completed: Messages delayed", nil},
		{KindMaintenanceCompleted, "ko", "Messenger Status · 점검 완료: Messages delayed", nil},
		{KindMaintenanceLate, "en", "Messenger Status · Maintenance running late: Messages delayed", nil},
		{KindMaintenanceLate, "ko", "Messenger Status · 점검 지연: Messages delayed", nil},
		{KindMaintenanceUpdated, "en", "Messenger Status · Maintenance update: Messages delayed", nil},
		{KindMaintenanceUpdated, "ko", "Messenger Status · 점검 안내: Messages delayed", nil},
		{KindMaintenanceCancelled, "en", "Messenger Status · Maintenance cancelled: Messages delayed", nil},
		{KindMaintenanceCancelled, "ko", "Messenger Status · 점검 취소: Messages delayed", nil},
	}
	seen := map[Kind]int{}
	for _, tt := range tests {
		seen[tt.kind]++
		t.Run(string(tt.kind)+"/"+tt.lang, func(t *testing.T) {
			m := Build(event(tt.kind), tt.lang)
			if m.Title != tt.title {
				t.Errorf("title = %q, want %q", m.Title, tt.title)
			}
			for _, p := range tt.bodyParts {
				if !strings.Contains(m.Body, p) {
					t.Errorf("body %q lacks %q", m.Body, p)
				}
			}
			if m.Token != "" || m.Topic != "" || m.Condition != "" {
				t.Errorf("Build set a target: %+v", m)
			}
		})
	}
	for _, k := range Kinds {
		if seen[k] != 2 {
			t.Errorf("kind %s tested in %d languages, want 2", k, seen[k])
		}
	}
}

func TestBuildDefaultTextAndImpactStates(t *testing.T) {
	tests := []struct {
		impact, lang, title, body string
	}{
		{"critical", "en", "Critical outage", "We are investigating an issue affecting Messages, Login, Calls and 1 more."},
		{"major", "ko", "장애 발생", "Messages, Login, Calls 외 1개 이용에 문제가 있어 확인하고 있습니다."},
		{"minor", "en", "Partial disruption", ""},
		{"none", "ko", "안내", ""},
	}
	for _, tt := range tests {
		t.Run(tt.impact+"/"+tt.lang, func(t *testing.T) {
			ev := event(KindCreated)
			ev.Impact, ev.Message = tt.impact, lang.Same("  ")
			ev.Components = []lang.Text{lang.Same("Messages"), lang.Same("Login"), lang.Same("Calls"), lang.Same("Files")}
			m := Build(ev, tt.lang)
			if !strings.Contains(m.Title, " · "+tt.title+": ") {
				t.Errorf("title %q lacks state %q", m.Title, tt.title)
			}
			if !strings.HasPrefix(m.Body, tt.body) {
				t.Errorf("body %q does not start with %q", m.Body, tt.body)
			}
		})
	}
}

func TestBuildSpeaksTheDevicesLanguage(t *testing.T) {
	ev := event(KindUpdated)
	ev.PageName = lang.Text{KO: "메신저 상태", EN: "Messenger Status"}
	ev.Title = lang.Text{KO: "메시지 지연", EN: "Messages delayed"}
	ev.Message = lang.Text{KO: "메시지 전송이 지연되고 있습니다.", EN: "Messages are delayed."}
	ko, en := Build(ev, "ko-KR"), Build(ev, "en")
	if !strings.HasPrefix(ko.Body, "메시지 전송이 지연되고 있습니다.\n") || ko.Title != "메신저 상태 · 원인 확인: 메시지 지연" {
		t.Errorf("ko push = %q / %q", ko.Title, ko.Body)
	}
	if !strings.HasPrefix(en.Body, "Messages are delayed.\n") || en.Title != "Messenger Status · Identified: Messages delayed" {
		t.Errorf("en push = %q / %q", en.Title, en.Body)
	}
	for _, korean := range []string{"메시지", "메신저", "비슷한"} {
		if strings.Contains(en.Title+en.Body, korean) {
			t.Errorf("en push has Korean %q: %q / %q", korean, en.Title, en.Body)
		}
	}
	// A text written in one language only reaches the other language's devices as it is.
	ev.Message = lang.In(lang.Korean, "메시지 전송이 지연되고 있습니다.")
	if b := Build(ev, "en").Body; !strings.HasPrefix(b, "메시지 전송이 지연되고 있습니다.\n") {
		t.Errorf("en body of a Korean-only text = %q", b)
	}
	ev.Message = lang.Same("Line one\nline two\nline three")
	if b := Build(ev, "ko").Body; !strings.HasPrefix(b, "Line one line two line three\n") {
		t.Errorf("monolingual text changed: %q", b)
	}
}

func TestBuildShortensByRunes(t *testing.T) {
	long := strings.Repeat("데이터센터 전력 공급 문제로 메시지 전송이 지연되고 있습니다. ", 20)
	for _, l := range []string{"ko", "en"} {
		ev := event(KindCreated)
		ev.Message = lang.Same(long)
		m := Build(ev, l)
		first, _, _ := strings.Cut(m.Body, "\n")
		if n := utf8.RuneCountInString(first); n > maxBodyRunes {
			t.Errorf("%s: text is %d runes, want <= %d", l, n, maxBodyRunes)
		}
		if !strings.HasSuffix(first, "…") {
			t.Errorf("%s: shortened text %q lacks an ellipsis", l, first)
		}
		if !utf8.ValidString(m.Body) {
			t.Errorf("%s: body is not valid UTF-8", l)
		}
		// Whole words: the kept text is a prefix of the original ending at a word.
		kept := strings.TrimSuffix(first, "…")
		if !strings.HasPrefix(long, kept) || !strings.Contains(" .", string(long[len(kept)])) {
			t.Errorf("%s: cut mid-word: %q", l, kept)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"  many   spaces\nand lines ", 40, "many spaces and lines"},
		{"one two three four five", 12, "one two…"},
		{"공백없는아주긴한국어문장입니다", 6, "공백없는아…"},
		{"abc, def", 6, "abc…"},
		{"anything", 0, ""},
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestBuildFitsTopicPayload(t *testing.T) {
	ev := event(KindCreated)
	ev.PageName = lang.Same(strings.Repeat("아주 긴 상태 페이지 이름 ", 30))
	ev.Title = lang.Same(strings.Repeat("<매우> \"긴\" & 제목 ", 200))
	ev.Message = lang.Same(strings.Repeat("매우 긴 한국어 업데이트 <본문> & \"인용\" ", 500))
	ev.IncidentID = strings.Repeat("x", 300)
	ev.Announced = at(20 * time.Minute)
	for _, lang := range []string{"ko", "en"} {
		m := Build(ev, lang)
		if size := PayloadSize(m.Title, m.Body, m.Data); size >= MaxTopicPayload {
			t.Errorf("%s: payload %d bytes, want < %d", lang, size, MaxTopicPayload)
		}
		m.Condition = "'a' in topics"
		if err := m.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", lang, err)
		}
		if !strings.Contains(m.Body, "19:30") {
			t.Errorf("%s: the ETA line was trimmed: %q", lang, m.Body)
		}
	}
}

func TestBuildData(t *testing.T) {
	ev := event(KindCreated)
	ev.PublicURL = "https://status.example.com/"
	ev.IncidentID = "inc 7/x"
	m := Build(ev, "ko")
	want := map[string]string{
		"incident_id": "inc 7/x", "status": "identified", "impact": "major",
		"eta_p50": "2026-11-22T18:40:00+09:00", "eta_p90": "2026-11-22T19:30:00+09:00",
		"url": "https://status.example.com/incidents/inc%207%2Fx?lang=ko", "kind": "created", "lang": "ko",
	}
	if !maps.Equal(m.Data, want) {
		t.Errorf("data = %v\nwant %v", m.Data, want)
	}
	mm := Build(event(KindMaintenanceScheduled), "en-US")
	keys := slices.Sorted(maps.Keys(mm.Data))
	wantKeys := []string{"ends_at", "eta_p50", "eta_p90", "impact", "incident_id", "kind", "lang", "starts_at", "status", "url"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("maintenance data keys = %v, want %v", keys, wantKeys)
	}
	if mm.Data["lang"] != "en" || mm.Data["starts_at"] != "2026-11-22T18:35:00+09:00" {
		t.Errorf("maintenance data = %v", mm.Data)
	}
}

func TestBuildCollapseKey(t *testing.T) {
	tests := []struct {
		kind Kind
		id   string
		want string
	}{
		{KindCreated, "inc-42", "incident-inc-42"},
		{KindResolved, "inc-42", "incident-inc-42"},
		{KindMaintenanceStarted, "m-7", "maintenance-m-7"},
	}
	for _, tt := range tests {
		ev := event(tt.kind)
		ev.IncidentID = tt.id
		m := Build(ev, "en")
		if m.CollapseKey != tt.want || m.AnalyticsLabel != tt.want {
			t.Errorf("%s: collapse %q label %q, want %q", tt.kind, m.CollapseKey, m.AnalyticsLabel, tt.want)
		}
	}
	// Ids FCM would refuse in a label are hashed, stably and distinctly.
	keyOf := func(id string) string {
		ev := event(KindCreated)
		ev.IncidentID = id
		return Build(ev, "en").CollapseKey
	}
	a, b := keyOf("장애 1"), keyOf(strings.Repeat("z", 80))
	for _, k := range []string{a, b} {
		if !labelPattern.MatchString(k) || !strings.HasPrefix(k, "incident-") {
			t.Errorf("unsafe key %q", k)
		}
	}
	if a == b || a != keyOf("장애 1") {
		t.Errorf("hashed keys not stable and distinct: %q %q", a, b)
	}
}

func TestBuildTTL(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Event)
		want time.Duration
	}{
		{"open until p90", func(e *Event) {}, 85 * time.Minute},
		{"open p90 far away capped", func(e *Event) { e.ETA.P90 = at(72 * time.Hour) }, 24 * time.Hour},
		{"open p90 soon floored", func(e *Event) { e.ETA.P50, e.ETA.P90 = at(2*time.Minute), at(5*time.Minute) }, 15 * time.Minute},
		{"open no eta", func(e *Event) { e.ETA = nil }, time.Hour},
		{"open passed eta", func(e *Event) { e.ETA.P50, e.ETA.P90 = at(-time.Hour), at(-time.Minute) }, time.Hour},
		{"open announced only", func(e *Event) { e.ETA, e.Announced = nil, at(3*time.Hour) }, 3 * time.Hour},
		{"resolved", func(e *Event) { e.Kind = KindResolved }, 6 * time.Hour},
		{"eta missed", func(e *Event) { e.Kind = KindETAMissed }, 85 * time.Minute},
		{"reminder until start", func(e *Event) { e.Kind = KindMaintenanceReminder }, 30 * time.Minute},
		{"reminder floored", func(e *Event) { e.Kind, e.StartsAt = KindMaintenanceReminder, at(time.Minute) }, 5 * time.Minute},
		{"scheduled capped", func(e *Event) { e.Kind, e.StartsAt = KindMaintenanceScheduled, at(96*time.Hour) }, 24 * time.Hour},
		{"maintenance started until end", func(e *Event) { e.Kind = KindMaintenanceStarted }, 150 * time.Minute},
		{"maintenance completed", func(e *Event) { e.Kind = KindMaintenanceCompleted }, 6 * time.Hour},
		{"maintenance late", func(e *Event) { e.Kind = KindMaintenanceLate }, time.Hour},
		{"maintenance cancelled", func(e *Event) { e.Kind = KindMaintenanceCancelled }, 6 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(KindCreated)
			tt.edit(&ev)
			got := Build(ev, "en").TTL
			if got != tt.want {
				t.Errorf("TTL = %s, want %s", got, tt.want)
			}
			if got <= 0 || got > MaxTTL {
				t.Errorf("TTL %s outside (0, 24h]", got)
			}
		})
	}
}

func TestBuildPriority(t *testing.T) {
	tests := []struct {
		kind   Kind
		impact string
		want   bool
	}{
		{KindCreated, "critical", true},
		{KindCreated, "major", true},
		{KindCreated, "minor", false},
		{KindCreated, "none", false},
		{KindUpdated, "critical", false},
		{KindResolved, "minor", true},
		{KindETAMissed, "major", true},
		{KindETAMissed, "minor", false},
		{KindMaintenanceScheduled, "", false},
		{KindMaintenanceReminder, "", false},
		{KindMaintenanceStarted, "", true},
		{KindMaintenanceCompleted, "", false},
		{KindMaintenanceLate, "", false},
	}
	for _, tt := range tests {
		ev := event(tt.kind)
		ev.Impact = tt.impact
		if got := Build(ev, "ko").High; got != tt.want {
			t.Errorf("%s/%s: High = %v, want %v", tt.kind, tt.impact, got, tt.want)
		}
	}
}

// TestBuildNeverPastTime: no time at or before now is ever printed, in either language, and
// the data carries no passed ETA.
func TestBuildNeverPastTime(t *testing.T) {
	incident := []Kind{KindCreated, KindUpdated, KindETAMissed}
	tests := []struct {
		name   string
		kinds  []Kind
		edit   func(*Event)
		past   []string          // clocks that must not appear
		expect map[string]string // per language, for created and updated
	}{
		{"p50 passed p90 ahead", incident, func(e *Event) { e.ETA.P50, e.ETA.P90 = at(-5*time.Minute), at(25*time.Minute) },
			[]string{"18:00", "18:30"}, map[string]string{"en": "Taking longer than estimated", "ko": "예상보다 복구가 늦어지고"}},
		{"p50 equals now", incident, func(e *Event) { e.ETA.P50, e.ETA.P90 = now, at(25*time.Minute) },
			[]string{"18:05", "18:30"}, nil},
		{"both passed", incident, func(e *Event) { e.ETA.P50, e.ETA.P90 = at(-time.Hour), at(-10*time.Minute) },
			[]string{"17:05", "17:55"}, nil},
		{"announced passed", incident, func(e *Event) { e.ETA, e.Announced = nil, at(-15*time.Minute) },
			[]string{"17:50"}, map[string]string{"en": "Taking longer than announced", "ko": "안내한 시각보다"}},
		{"announced equals now", incident, func(e *Event) { e.ETA, e.Announced = nil, now },
			[]string{"18:05"}, map[string]string{"en": "No new restoration estimate yet", "ko": "새 복구 예상 시각은 아직 없습니다"}},
		{"announced passed with fresh range", incident, func(e *Event) { e.Announced = at(-15 * time.Minute) },
			[]string{"17:50"}, map[string]string{"en": "Half of similar incidents were back by 18:40", "ko": "비슷한 장애 절반은 18:40"}},
		{"maintenance start passed", []Kind{KindMaintenanceScheduled, KindMaintenanceReminder},
			func(e *Event) { e.StartsAt = at(-time.Minute) }, []string{"18:04"}, nil},
		{"maintenance end passed", []Kind{KindMaintenanceStarted, KindMaintenanceLate},
			func(e *Event) { e.EndsAt = at(-2 * time.Minute) }, []string{"18:03"}, nil},
	}
	for _, tt := range tests {
		for _, k := range tt.kinds {
			for _, lang := range []string{"en", "ko"} {
				t.Run(tt.name+"/"+string(k)+"/"+lang, func(t *testing.T) {
					ev := event(k)
					tt.edit(&ev)
					m := Build(ev, lang)
					for _, p := range tt.past {
						if strings.Contains(m.Body, p) || strings.Contains(m.Title, p) {
							t.Errorf("past time %s printed: %q", p, m.Body)
						}
					}
					if want := tt.expect[lang]; want != "" && k != KindETAMissed && !strings.Contains(m.Body, want) {
						t.Errorf("body %q lacks %q", m.Body, want)
					}
					if ev.ETA != nil && !ev.ETA.P50.After(now) && (m.Data["eta_p50"] != "" || m.Data["eta_p90"] != "") {
						t.Errorf("passed ETA in data: %v", m.Data)
					}
				})
			}
		}
	}
}

func TestBuildAnnouncedAndFewAndDates(t *testing.T) {
	ev := event(KindUpdated)
	ev.Announced = at(55 * time.Minute)
	ev.ETA.Few = true
	ev.ETA.P90 = time.Date(2026, 11, 23, 1, 10, 0, 0, seoul)
	en := Build(ev, "en").Body
	for _, want := range []string{"Announced: back by 19:00 KST", "Rough: of only 23 similar incidents, half were back by 18:40, 9 in 10 by Nov 23, 01:10 KST"} {
		if !strings.Contains(en, want) {
			t.Errorf("en body %q lacks %q", en, want)
		}
	}
	ko := Build(ev, "ko").Body
	for _, want := range []string{"안내된 복구 예정 시각: 19:00 KST", "대략적 추정(비슷한 장애 23건): 절반은 18:40, 10건 중 9건은 11월 23일 01:10 KST까지 복구"} {
		if !strings.Contains(ko, want) {
			t.Errorf("ko body %q lacks %q", ko, want)
		}
	}
	ev.ETA = nil
	ev.Announced = time.Time{}
	if b := Build(ev, "en").Body; !strings.HasSuffix(b, "\nNo restoration estimate yet") {
		t.Errorf("no-estimate body = %q", b)
	}
}

func TestBuildAnnouncedTimeCarriesItsChanceWhenUnlikely(t *testing.T) {
	ev := event(KindCreated)
	ev.Announced = at(25 * time.Minute)
	ev.AnnouncedChance = &status.Chance{P: 0.12, Met: 3, Of: 25}
	if b := Build(ev, "en").Body; !strings.Contains(b, "Announced: back by 18:30 KST (only 12% of similar incidents were this fast)") {
		t.Errorf("en body = %q", b)
	}
	if b := Build(ev, "ko").Body; !strings.Contains(b, "안내된 복구 예정 시각: 18:30 KST (비슷한 장애 중 12%만 이만큼 빨리 복구)") {
		t.Errorf("ko body = %q", b)
	}
	ev.AnnouncedChance.P = 0.27
	if b := Build(ev, "en").Body; strings.Contains(b, "%") {
		t.Errorf("a likely enough time got a warning: %q", b)
	}
}

func TestBuildNoHistory(t *testing.T) {
	ev := event(KindCreated)
	ev.ETA.Samples, ev.ETA.Pool = 0, "prior"
	if b := Build(ev, "en").Body; !strings.Contains(b, "No similar incidents on record; assumed: half back by 18:40, 9 in 10 by 19:30 KST") {
		t.Errorf("en body = %q", b)
	}
}
