package eta_test

import (
	"math"
	"testing"
	"time"

	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/forecast/forecasttest"
)

// The real history is read the way production reads it (forecasttest), which imports
// packages eta itself may not, hence an external test.

func TestBacktestRealHistory(t *testing.T) {
	recs := forecasttest.RealHistory(t)
	start := time.Now()
	rep := eta.Backtest(recs, eta.DefaultConfig())
	t.Logf("backtest of the real history took %v\n%s", time.Since(start).Round(time.Millisecond), rep.Text())
	if rep.Incidents != 718 || rep.Evaluations < 2000 {
		t.Fatalf("incidents %d, evaluations %d; want 718 and a full replay", rep.Incidents, rep.Evaluations)
	}
	for name, s := range map[string]eta.Scores{"overall": rep.Scores, "0": rep.ByElapsed["0"], "30": rep.ByElapsed["30"], "60": rep.ByElapsed["60"], "120": rep.ByElapsed["120"]} {
		if math.Abs(s.P90Coverage-0.9) > 0.03 || math.Abs(s.P50Coverage-0.5) > 0.07 {
			t.Errorf("%s: P90 coverage %.3f, P50 %.3f; want 0.90 ± 0.03 and 0.50 ± 0.07", name, s.P90Coverage, s.P50Coverage)
		}
	}
}
