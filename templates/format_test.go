package templates

import (
	"testing"
	"time"
)

func TestFormatTime(t *testing.T) {
	kst := seoul(t)
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	tests := []struct {
		name string
		loc  *time.Location
		lang Lang
		t    time.Time
		want string
	}{
		{"seoul same day en", kst, English, at(kst, 2026, 11, 22, 18, 5), "18:05 KST"},
		{"seoul same day ko", kst, Korean, at(kst, 2026, 11, 22, 18, 5), "18:05 KST"},
		{"seoul other day en", kst, English, at(kst, 2026, 11, 21, 9, 0), "Nov 21, 09:00 KST"},
		{"seoul other day ko", kst, Korean, at(kst, 2026, 11, 21, 9, 0), "11월 21일 09:00 KST"},
		{"seoul other year en", kst, English, at(kst, 2025, 12, 31, 23, 0), "Dec 31, 2025, 23:00 KST"},
		{"seoul other year ko", kst, Korean, at(kst, 2025, 12, 31, 23, 0), "2025년 12월 31일 23:00 KST"},
		// 23:30 UTC on Nov 21 is already Nov 22 in Seoul: the day is the page zone's.
		{"seoul day follows zone", kst, English, at(time.UTC, 2026, 11, 21, 23, 30), "08:30 KST"},
		{"utc same day", time.UTC, English, at(time.UTC, 2026, 11, 22, 0, 30), "00:30 UTC"},
		{"utc other day en", time.UTC, English, at(time.UTC, 2026, 11, 21, 23, 30), "Nov 21, 23:30 UTC"},
		{"utc other day ko", time.UTC, Korean, at(time.UTC, 2026, 11, 21, 23, 30), "11월 21일 23:30 UTC"},
		{"utc other year", time.UTC, English, at(time.UTC, 2027, 1, 2, 3, 4), "Jan 2, 2027, 03:04 UTC"},
		{"nil location is utc", nil, English, at(time.UTC, 2026, 11, 22, 1, 0), "01:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTime(tt.lang, tt.t, tt.loc, now); got != tt.want {
				t.Errorf("FormatTime = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestZoneLabel(t *testing.T) {
	tests := []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"abbreviation", seoul(t), "KST"},
		{"utc", time.UTC, "UTC"},
		{"numeric abbreviation", time.FixedZone("+09", 9*3600), "UTC+09:00"},
		{"unnamed negative with minutes", time.FixedZone("", -(3*3600 + 30*60)), "UTC-03:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ZoneLabel(tt.loc, now); got != tt.want {
				t.Errorf("ZoneLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	tests := []struct {
		d      time.Duration
		en, ko string
	}{
		{30 * time.Second, "less than 1 min", "1분 미만"},
		{35 * time.Minute, "35 min", "35분"},
		{2 * time.Hour, "2 h", "2시간"},
		{2*time.Hour + 5*time.Minute + 40*time.Second, "2 h 5 min", "2시간 5분"},
		{27*time.Hour + 10*time.Minute, "1 d 3 h", "1일 3시간"},
	}
	for _, tt := range tests {
		t.Run(tt.en, func(t *testing.T) {
			if got := FormatDuration(English, tt.d); got != tt.en {
				t.Errorf("en = %q, want %q", got, tt.en)
			}
			if got := FormatDuration(Korean, tt.d); got != tt.ko {
				t.Errorf("ko = %q, want %q", got, tt.ko)
			}
		})
	}
	if got := Lasting(English, 125*time.Minute); got != "for 2 h 5 min" {
		t.Errorf("Lasting en = %q", got)
	}
	if got := Lasting(Korean, 125*time.Minute); got != "2시간 5분째" {
		t.Errorf("Lasting ko = %q", got)
	}
}

func TestAgo(t *testing.T) {
	tests := []struct {
		before time.Duration
		en, ko string
	}{
		{20 * time.Second, "just now", "방금"},
		{time.Minute, "1 minute ago", "1분 전"},
		{12 * time.Minute, "12 minutes ago", "12분 전"},
		{3*time.Hour + 59*time.Minute, "3 hours ago", "3시간 전"},
		{50 * time.Hour, "2 days ago", "2일 전"},
		{-12 * time.Minute, "in 12 min", "12분 후"},
	}
	for _, tt := range tests {
		t.Run(tt.en, func(t *testing.T) {
			at := now.Add(-tt.before)
			if got := Ago(English, now, at); got != tt.en {
				t.Errorf("en = %q, want %q", got, tt.en)
			}
			if got := Ago(Korean, now, at); got != tt.ko {
				t.Errorf("ko = %q, want %q", got, tt.ko)
			}
		})
	}
}

func TestFormatMonthAndDate(t *testing.T) {
	kst := seoul(t)
	m := time.Date(2026, 11, 1, 0, 0, 0, 0, kst)
	for _, tt := range []struct {
		lang        Lang
		month, date string
	}{
		{English, "November 2026", "Nov 1, 2026"},
		{Korean, "2026년 11월", "2026년 11월 1일"},
	} {
		t.Run(string(tt.lang), func(t *testing.T) {
			p := Page{Lang: tt.lang, Location: kst, Now: now}
			if got := FormatMonth(p, m); got != tt.month {
				t.Errorf("FormatMonth = %q, want %q", got, tt.month)
			}
			if got := FormatDate(p, m); got != tt.date {
				t.Errorf("FormatDate = %q, want %q", got, tt.date)
			}
		})
	}
}

func TestSmallFormats(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{formatPercent(100), "100"},
		{formatPercent(99.999), "99.99"},
		{formatPercent(99.5), "99.50"},
		{formatShare(12.4), "12"},
		{formatShare(0.25), "0.3"},
		{formatChance(0.12), "12"},
		{formatChance(0.001), "<1"},
		{excerpt("short", 10), "short"},
		{excerpt("one two three four five six", 15), "one two three…"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
