package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/importer"
	"github.com/candorstatus/candor/statuspagev2"
)

const etaHelp = `Usage: candor eta ACTION [flags]

Actions:
  backtest [--json] FILE   replay a Statuspage incident history in time order, as production
                           would have lived it (the model knowing only the past and correcting
                           itself from its own misses), and report how well its ranges covered
                           the real restoration times — coverage, pinball loss and interval
                           score by elapsed time, year and phase — against three baselines.
`

func etaCmd(ctx context.Context, args []string, env Env) error {
	return subcommand(ctx, "eta", args, env, map[string]func(context.Context, []string, Env) error{
		"backtest": etaBacktest,
	}, etaHelp)
}

func etaBacktest(ctx context.Context, args []string, env Env) error {
	fs := flagSet("eta backtest", "candor eta backtest [--json] FILE", env)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	incs, err := statuspagev2.ParseIncidents(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", fs.Arg(0), err)
	}
	recs, err := importer.Records(incs)
	if err != nil {
		return fmt.Errorf("read %s: %w", fs.Arg(0), err)
	}
	report := eta.Backtest(recs, eta.DefaultConfig())
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	_, err = fmt.Fprint(env.Stdout, report.Text())
	return err
}
