package templates

import "testing"

// TestSparkAvailableRoundsDown: a share of checks is never rounded up — 399 of 400 is
// 99.7 %, and 1 999 of 2 000 must not read as 100 %.
func TestSparkAvailableRoundsDown(t *testing.T) {
	for _, c := range []struct {
		ok, checks int
		want       string
	}{{399, 400, "99.7"}, {1999, 2000, "99.9"}, {2000, 2000, "100.0"}, {0, 5, "0.0"}, {36, 40, "90.0"}, {1, 3, "33.3"}} {
		if got := (&Spark{OK: c.ok, Checks: c.checks}).Available(); got != c.want {
			t.Errorf("%d of %d: %s, want %s", c.ok, c.checks, got, c.want)
		}
	}
}
