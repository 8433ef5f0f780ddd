package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/candorstatus/candor/status"
)

const apikeyHelp = `Usage: candor apikey ACTION [flags]

Actions:
  create --name NAME [--scope read|write|admin|signal]   make a key; prints only the key
  list                                            list keys (never their secrets)
  revoke NAME                                     revoke the active key NAME

Each action takes --data-dir (env CANDOR_DATA_DIR, default candor-data) and --help.
`

func apikeyCmd(ctx context.Context, args []string, env Env) error {
	return subcommand(ctx, "apikey", args, env, map[string]func(context.Context, []string, Env) error{
		"create": apikeyCreate, "list": apikeyList, "revoke": apikeyRevoke,
	}, apikeyHelp)
}

// openService opens the store for a one-off command.
func openService(ctx context.Context, sf storeFlags) (*status.Service, func(), error) {
	store, err := sf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	return status.NewService(store, status.SystemClock{}, nil), func() { store.Close() }, nil
}

var cliOp = status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "cli"}}

func apikeyCreate(ctx context.Context, args []string, env Env) error {
	fs := flagSet("apikey create", "candor apikey create --name NAME [--scope read|write|admin|signal] [--data-dir D]", env)
	name := fs.String("name", "", "name of the key, e.g. the person or system using it (required)")
	scope := fs.String("scope", "write", "read (read everything), write (also post incidents), admin (also manage components and keys) or signal (only send monitoring signals)")
	sf := registerStore(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	secret, _, err := svc.CreateAPIKey(ctx, cliOp, *name, status.Scope(*scope))
	if err != nil {
		return fmt.Errorf("create key: %s", status.ErrorMessage(err))
	}
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

func apikeyList(ctx context.Context, args []string, env Env) error {
	fs := flagSet("apikey list", "candor apikey list [--data-dir D]", env)
	sf := registerStore(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	keys, err := svc.APIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCOPE\tPREFIX\tCREATED\tLAST USED\tSTATE")
	for _, k := range keys {
		state, used := "active", "never"
		if !k.RevokedAt.IsZero() {
			state = "revoked " + k.RevokedAt.Format(time.RFC3339)
		}
		if !k.LastUsedAt.IsZero() {
			used = k.LastUsedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\n", k.Name, k.Scope, k.Prefix, k.CreatedAt.Format(time.RFC3339), used, state)
	}
	return tw.Flush()
}

func apikeyRevoke(ctx context.Context, args []string, env Env) error {
	fs := flagSet("apikey revoke", "candor apikey revoke [--data-dir D] NAME", env)
	sf := registerStore(fs, env)
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := svc.RevokeAPIKey(ctx, cliOp, fs.Arg(0)); err != nil {
		return fmt.Errorf("revoke key: %s", status.ErrorMessage(err))
	}
	fmt.Fprintf(env.Stderr, "revoked %s\n", fs.Arg(0))
	return nil
}
