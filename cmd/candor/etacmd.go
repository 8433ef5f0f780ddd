package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/importer"
)

const etaHelp = `Usage: candor eta ACTION [flags]

Actions:
  backtest [--json] FILE...  replay a Statuspage incident history in time order, as production
                             would have lived it (the model knowing only the past and correcting
                             itself from its own misses), and report how well its ranges covered
                             the real restoration times — coverage, pinball loss and interval
                             score by elapsed time, year and phase — against three baselines,
                             and where the figures miss the goal. With several files, one line
                             per history and each history's misses (--json: an object keyed
                             by file).
`

func etaCmd(ctx context.Context, args []string, env Env) error {
	return subcommand(ctx, "eta", args, env, map[string]func(context.Context, []string, Env) error{
		"backtest": etaBacktest,
	}, etaHelp)
}

func etaBacktest(ctx context.Context, args []string, env Env) error {
	fs := flagSet("eta backtest", "candor eta backtest [--json] FILE...", env)
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	files := fs.Args()
	reports, err := backtestFiles(files)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	switch {
	case len(files) == 1 && *asJSON:
		return enc.Encode(reports[0])
	case len(files) == 1:
		_, err = fmt.Fprint(env.Stdout, reports[0].Text())
		return err
	case *asJSON:
		byFile := map[string]eta.Report{}
		for i, f := range files {
			byFile[f] = reports[i]
		}
		return enc.Encode(byFile)
	}
	_, err = fmt.Fprint(env.Stdout, backtestSummary(files, reports))
	return err
}

// backtestFiles backtests each file, several at once: a replay uses one core, and a long
// history takes seconds. A file that cannot be read fails the whole run, naming it.
func backtestFiles(files []string) ([]eta.Report, error) {
	reports := make([]eta.Report, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, path := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			recs, err := importer.ReadRecords(path)
			if err != nil {
				errs[i] = fmt.Errorf("read %s: %w", path, err)
				return
			}
			reports[i] = eta.Backtest(recs, eta.DefaultConfig())
		}()
	}
	wg.Wait()
	return reports, errors.Join(errs...)
}

// backtestSummary is one line per history — its coverage, how many goal checks it misses,
// and its pinball loss against the best baseline's at elapsed 0 and overall — then each
// history's misses.
func backtestSummary(files []string, reports []eta.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %9s %11s %6s %6s %6s | %-15s %-15s\n", "history", "incidents", "evaluations", "cov50", "cov90", "misses", "P50 vs best 0m", "P90 vs best 0m")
	pct := func(diff, se, model float64) string {
		if model-diff <= 0 {
			return "-"
		}
		return fmt.Sprintf("%+5.1f%% (%+.1f se)", 100*diff/(model-diff), diff/max(se, 1e-9))
	}
	for i, r := range reports {
		v := r.VersusBest["0"]
		s0 := r.ByElapsed["0"]
		fmt.Fprintf(&b, "%-28s %9d %11d %6.3f %6.3f %6d | %-15s %-15s\n", filepath.Base(files[i]), r.Incidents, r.Evaluations,
			r.P50Coverage, r.P90Coverage, len(r.GoalMisses),
			pct(v.PinballP50Diff, v.PinballP50DiffSE, s0.PinballP50), pct(v.PinballP90Diff, v.PinballP90DiffSE, s0.PinballP90))
	}
	for i, r := range reports {
		fmt.Fprintf(&b, "\n%s: %s", filepath.Base(files[i]), r.GoalText())
	}
	return b.String()
}
