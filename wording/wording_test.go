package wording

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
)

func TestEveryKeyHasBothLanguages(t *testing.T) {
	placeholder := regexp.MustCompile(`\{\d\}`)
	for key, m := range catalog {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: missing a language: %q", key, m)
		}
		en, ko := placeholder.FindAllString(m[0], -1), placeholder.FindAllString(m[1], -1)
		if strings.Join(sorted(en), "") != strings.Join(sorted(ko), "") {
			t.Errorf("%s: placeholders differ: %q vs %q", key, m[0], m[1])
		}
	}
}

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestEveryKeyUsedExists reads the code that words things through this package and fails
// on a key the catalogue lacks, which would otherwise show on a page as the key itself.
func TestEveryKeyUsedExists(t *testing.T) {
	use := regexp.MustCompile(`\b(?:T|Tf|phrase|wording\.T|wording\.Tf|OrRaw)\([^,()]+, "([a-z0-9_.]+)"`)
	push := regexp.MustCompile(`\btr\([^,()]+, "([a-z0-9_.]+)"`)
	for _, dir := range []string{"../templates", "../notifier", "../notifier/email", "../site", "../handlers", "../status", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		more, _ := filepath.Glob(filepath.Join(dir, "*.templ"))
		for _, f := range append(files, more...) {
			if strings.HasSuffix(f, "_templ.go") || strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range use.FindAllStringSubmatch(string(b), -1) {
				if key := m[1]; !strings.HasSuffix(key, ".") && !Has(key) {
					t.Errorf("%s uses %q, which the catalogue lacks", f, key)
				}
			}
			for _, m := range push.FindAllStringSubmatch(string(b), -1) {
				if !Has("push." + m[1]) {
					t.Errorf("%s uses push text %q, which the catalogue lacks", f, m[1])
				}
			}
		}
	}
}

var seoul = time.FixedZone("KST", 9*3600)

func TestRangeSentences(t *testing.T) {
	tests := []struct {
		name   string
		b      Basis
		en, ko string
	}{
		{"elapsed", Basis{Samples: 23, Elapsed: 65 * time.Minute},
			"Of 23 similar incidents that had lasted 1 h 5 min, half were restored by A and 9 in 10 by B.",
			"1시간 5분 이상 이어진 비슷한 장애 23건 중 절반은 A까지, 10건 중 9건은 B까지 복구되었습니다."},
		{"just started, every incident", Basis{Samples: 200, All: true, Elapsed: 20 * time.Second},
			"Of 200 past incidents, half were restored by A and 9 in 10 by B.",
			"과거 장애 200건 중 절반은 A까지, 10건 중 9건은 B까지 복구되었습니다."},
		{"monitoring", Basis{Samples: 12, Elapsed: 2 * time.Hour, Phase: "monitoring"},
			"Of 12 similar incidents that had lasted 2 h and were being monitored after a fix, half were restored by A and 9 in 10 by B.",
			"조치 후 모니터링하며 2시간 이상 이어진 비슷한 장애 12건 중 절반은 A까지, 10건 중 9건은 B까지 복구되었습니다."},
		{"investigating", Basis{Samples: 30, Elapsed: 40 * time.Minute, Phase: "investigating"},
			"Of 30 similar incidents still under investigation after 40 min, half were restored by A and 9 in 10 by B.",
			"40분이 지나도록 원인을 조사하던 비슷한 장애 30건 중 절반은 A까지, 10건 중 9건은 B까지 복구되었습니다."},
		{"thin", Basis{Samples: 4, Few: true, Elapsed: 90 * time.Minute},
			"Only 4 similar incidents that had lasted 1 h 30 min are on record, so this range is rough: half of them were restored by A and 9 in 10 by B.",
			"1시간 30분 이상 이어진 비슷한 장애 기록이 4건뿐이라 대략적인 범위입니다. 그중 절반은 A까지, 10건 중 9건은 B까지 복구되었습니다."},
		{"none", Basis{Few: true},
			"There is no record of similar incidents yet, so this range is a general assumption, not a measurement: half restored by A, 9 in 10 by B.",
			"아직 비슷한 장애 기록이 없어 측정값이 아닌 일반적인 가정에 따른 범위입니다. 절반은 A까지, 10건 중 9건은 B까지 복구된다고 가정합니다."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Range(lang.English, tc.b, "A", "B"); got != tc.en {
				t.Errorf("en:\n got %q\nwant %q", got, tc.en)
			}
			if got := Range(lang.Korean, tc.b, "A", "B"); got != tc.ko {
				t.Errorf("ko:\n got %q\nwant %q", got, tc.ko)
			}
		})
	}
}

func TestChanceSentences(t *testing.T) {
	for _, tc := range []struct {
		p       float64
		met, of int
		en, ko  string
	}{
		{0.12, 3, 25, "3 of 25 similar incidents (12%) were restored that fast.", "비슷한 장애 25건 중 3건(12%)이 이만큼 빨리 복구되었습니다."},
		{0.01, 0, 21, "0 of 21 similar incidents (0%) were restored that fast.", "비슷한 장애 21건 중 0건(0%)이 이만큼 빨리 복구되었습니다."},
		{0.27, 0, 0, "History gives this time a 27% chance.", "과거 기록으로 보면 이 시각까지 복구될 확률은 27%입니다."},
	} {
		if got := ChanceText(lang.English, tc.p, tc.met, tc.of); got != tc.en {
			t.Errorf("en %q, want %q", got, tc.en)
		}
		if got := ChanceText(lang.Korean, tc.p, tc.met, tc.of); got != tc.ko {
			t.Errorf("ko %q, want %q", got, tc.ko)
		}
	}
}

func TestDifference(t *testing.T) {
	at := time.Date(2026, 11, 22, 16, 0, 0, 0, seoul)
	for _, tc := range []struct {
		restored time.Time
		en, ko   string
	}{
		{at.Add(3*time.Hour + 2*time.Minute), "3 h 2 min later than announced", "안내보다 3시간 2분 늦게"},
		{at.Add(-12 * time.Minute), "12 min earlier than announced", "안내보다 12분 일찍"},
		{at.Add(30 * time.Second), "as announced", "안내한 시각에"},
	} {
		if got := Difference(lang.English, at, tc.restored); got != tc.en {
			t.Errorf("en %q, want %q", got, tc.en)
		}
		if got := Difference(lang.Korean, at, tc.restored); got != tc.ko {
			t.Errorf("ko %q, want %q", got, tc.ko)
		}
	}
	if got := Tf(lang.English, "eta.resolved.vs", "16:00 KST", "19:02 KST", Difference(lang.English, at, at.Add(182*time.Minute))); got !=
		"Announced 16:00 KST, restored 19:02 KST — 3 h 2 min later than announced." {
		t.Errorf("resolved sentence %q", got)
	}
}

func TestMissedEntry(t *testing.T) {
	now := time.Date(2026, 11, 22, 16, 1, 0, 0, seoul)
	due := now.Add(-time.Minute)
	prev := &RangeFacts{P50: now.Add(-30 * time.Minute), P90: now.Add(20 * time.Minute)}
	next := &RangeFacts{P50: now.Add(40 * time.Minute), P90: now.Add(3 * time.Hour), Basis: Basis{Samples: 9, Elapsed: 2 * time.Hour}}
	m := Missed{Announced: true, Due: due, Prev: prev, Next: next}
	en := MissedEntry(lang.English, m, seoul, now)
	for _, want := range []string{"Restoration is taking longer than announced (expected by 16:00 KST).",
		"The range moved later, from 15:31 KST – 16:21 KST to 16:41 KST – 19:01 KST",
		"Of 9 similar incidents that had lasted 2 h, half were restored by 16:41 KST and 9 in 10 by 19:01 KST."} {
		if !strings.Contains(en, want) {
			t.Errorf("en entry %q lacks %q", en, want)
		}
	}
	ko := MissedEntry(lang.Korean, m, seoul, now)
	for _, want := range []string{"안내한 복구 예정 시각(16:00 KST)이 지났지만", "예상 범위를 늦췄습니다", "2시간 이상 이어진 비슷한 장애 9건 중"} {
		if !strings.Contains(ko, want) {
			t.Errorf("ko entry %q lacks %q", ko, want)
		}
	}
	if strings.ContainsAny(en, "가나다라마바사아자차카타파하") {
		t.Errorf("the English entry has Korean: %q", en)
	}
	none := MissedEntry(lang.English, Missed{Due: due}, seoul, now)
	if !strings.Contains(none, "longer than our estimate") || !strings.Contains(none, "as soon as we have one") {
		t.Errorf("entry without a new range: %q", none)
	}
}

func TestLastingUnderAMinute(t *testing.T) {
	if got := Lasting(lang.Korean, 20*time.Second); strings.Contains(got, "미만째") {
		t.Errorf("ko lasting = %q", got)
	}
}
