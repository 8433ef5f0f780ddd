package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeHistory writes a Statuspage incidents.json of n resolved incidents, one every
// three days from 2023 on, with log-normal durations around median minutes.
func writeHistory(t *testing.T, dir, name string, n int, median float64, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var incs []string
	for i := range n {
		created := start.Add(time.Duration(i) * 72 * time.Hour)
		d := time.Duration(median*math.Exp(rng.NormFloat64())) * time.Minute
		resolved := created.Add(max(d, time.Minute))
		id := fmt.Sprintf("%s%04d", name, i)
		ts := func(x time.Time) string { return x.Format(time.RFC3339) }
		incs = append(incs, fmt.Sprintf(`{"id": %q, "name": "Errors", "status": "resolved", "impact": "minor",
			"created_at": %q, "resolved_at": %q, "incident_updates": [
			{"id": "%s-r", "status": "resolved", "body": "Resolved.", "created_at": %q},
			{"id": "%s-i", "status": "investigating", "body": "Looking.", "created_at": %q}]}`,
			id, ts(created), ts(resolved), id, ts(resolved), id, ts(created)))
	}
	path := filepath.Join(dir, name+".json")
	body := `{"page": {"id": "p", "name": "p"}, "incidents": [` + strings.Join(incs, ",") + `]}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBacktestSeveralHistories: with several files the backtest prints one line per
// history and each one's misses of the goal; --json keys the reports by file; a file it
// cannot read fails the run and is named.
func TestBacktestSeveralHistories(t *testing.T) {
	dir := t.TempDir()
	a := writeHistory(t, dir, "alpha", 150, 60, 1)
	b := writeHistory(t, dir, "beta", 120, 240, 2)

	out, _, err := run(t, "eta", "backtest", a, b)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "history") || !strings.HasPrefix(lines[1], "alpha.json") || !strings.HasPrefix(lines[2], "beta.json") {
		t.Fatalf("no line per history:\n%s", out)
	}
	if !strings.Contains(out, "\nalpha.json: Goal:") || !strings.Contains(out, "\nbeta.json: Goal:") {
		t.Fatalf("no goal per history:\n%s", out)
	}

	out, _, err = run(t, "eta", "backtest", "--json", a, b)
	if err != nil {
		t.Fatal(err)
	}
	var reps map[string]struct {
		Incidents  int               `json:"incidents"`
		GoalMisses []json.RawMessage `json:"goal_misses"`
		ByYear     map[string]struct {
			IncidentsScored int `json:"incidents_scored"`
		} `json:"by_year"`
	}
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if reps[a].Incidents != 150 || reps[b].Incidents != 120 || reps[a].GoalMisses == nil {
		t.Fatalf("reports %+v", reps)
	}
	if n := reps[a].ByYear["2023"].IncidentsScored; n < 100 || n > 122 {
		t.Errorf("alpha's 2023: %d incidents scored, want the year's 122 less the burn-in", n)
	}

	// One file alone keeps the full report, now ending with the goal.
	out, _, err = run(t, "eta", "backtest", a)
	if err != nil || !strings.Contains(out, "Baselines:") || !strings.Contains(out, "\nGoal:") {
		t.Fatalf("single report (%v):\n%s", err, out)
	}

	_, _, err = run(t, "eta", "backtest", a, filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("a missing file: %v", err)
	}
}
