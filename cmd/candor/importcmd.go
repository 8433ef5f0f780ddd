package main

import (
	"context"
	"fmt"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/importer"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/statuspagev2"
)

const importHelp = `Usage: candor import FORMAT [flags] FILE

Formats:
  statuspage   a Statuspage incident history: the /api/v2/incidents.json response
               ({"page":…,"incidents":[…]}, several concatenated) or a bare array.
               Scheduled maintenances are skipped; importing twice creates nothing new.
               --lang (default en) is the language it is written in.
  candor       a "candor export" stream, restored into an empty store (e.g. moving from
               SQLite to PostgreSQL); every record keeps its ids, times and hashes.
`

func importCmd(ctx context.Context, args []string, env Env) error {
	return subcommand(ctx, "import", args, env, map[string]func(context.Context, []string, Env) error{
		"statuspage": importStatuspage,
		"candor":     importCandor,
	}, importHelp)
}

func importStatuspage(ctx context.Context, args []string, env Env) error {
	fs := flagSet("import statuspage", "candor import statuspage [--lang en|ko] [--data-dir D] FILE", env)
	sf := registerStore(fs, env)
	langFlag := fs.String("lang", "en", "the language the history is written in: its texts become that language's, and the other language falls back to them")
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	l, ok := lang.Parse(*langFlag)
	if !ok {
		return fmt.Errorf("--lang %q: want en or ko", *langFlag)
	}
	incs, err := statuspagev2.ParseIncidentsFile(fs.Arg(0))
	if err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "import"}}
	res, err := importer.Statuspage(ctx, svc, op, incs, l)
	if err != nil {
		return fmt.Errorf("import %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(env.Stdout, "imported %d incidents (%d already present, %d scheduled maintenances skipped); created %d components\n",
		res.Imported, res.AlreadyPresent, res.SkippedMaint, res.ComponentsCreated)
	if res.Imported > 0 {
		// Past days' uptime changed: roll it up again now rather than leave the daily job
		// with figures from before the import.
		days, err := svc.RollUpUptimeSince(ctx, res.EarliestImported)
		if err != nil {
			return fmt.Errorf("roll up uptime after the import: %w", err)
		}
		fmt.Fprintf(env.Stdout, "rolled up %d days of uptime\n", days)
	}
	return nil
}
