package status

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		in         string
		kind       TextKind
		ok         bool
		mentioning string
	}{
		{"Search is slow", SingleLine, true, ""},
		{"검색이 느립니다 — 확인 중", SingleLine, true, ""},
		{"zero\u200bwidth", SingleLine, true, ""},
		{"", SingleLine, true, ""},
		{"NUL\x00", SingleLine, false, "U+0000 at character 4"},
		{"\x1b[2J", SingleLine, false, "control characters (U+001B"},
		{"two\nlines", SingleLine, false, "line breaks (U+000A"},
		{"carriage\rreturn", SingleLine, false, "line breaks"},
		{"tab\there", SingleLine, false, "U+0009"},
		{"del\x7f", SingleLine, false, "U+007F"},
		{"c1\u0085", SingleLine, false, "U+0085"},
		{"line\u2028separator", SingleLine, false, "line breaks"},
		{"bad \xff utf-8", SingleLine, false, "UTF-8"},
		{"lines\nand\ttabs", MultiLine, true, ""},
		{"browser\r\nlines\r\n", MultiLine, true, ""},
		{"line\u2028separator", MultiLine, true, ""},
		{"lone\rreturn", MultiLine, false, "line breaks (U+000D"},
		{"trailing return\r", MultiLine, false, "U+000D"},
		{"bell\a", MultiLine, false, "U+0007"},
		{"NUL\x00", MultiLine, false, "U+0000"},
		{"\x1b[31mred", MultiLine, false, "U+001B at character 1"},
	} {
		err := CheckText(tc.in, tc.kind)
		if tc.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.mentioning)) {
			t.Errorf("CheckText(%q, %d) = %v, want ok=%v mentioning %q", tc.in, tc.kind, err, tc.ok, tc.mentioning)
		}
	}
}
