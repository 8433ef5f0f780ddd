package main

import (
	"context"
	"fmt"
	"time"

	"github.com/candorstatus/candor/app"
	"github.com/candorstatus/candor/status"
)

// serve runs the server: every setting is read from flags, else the environment, else its
// default (app.Settings), and a malformed or unknown one stops start-up.
func serve(ctx context.Context, args []string, env Env) error {
	fs := flagSet("serve", "candor [serve] [flags]", env)
	set := map[string]string{}
	for _, s := range app.Settings {
		if s.Flag == "" {
			continue
		}
		def := s.Default
		if v := env.Getenv(s.Env); v != "" {
			def = v
		}
		usage := fmt.Sprintf("%s (env %s, default %q)", s.Help, s.Env, def)
		record := func(v string) error {
			set[s.Flag] = v
			return nil
		}
		if s.Bool() {
			fs.BoolFunc(s.Flag, usage, record)
		} else {
			fs.Func(s.Flag, usage, record)
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "candor serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	var environ []string
	if env.Environ != nil {
		environ = env.Environ()
	}
	cfg, err := app.Load(set, env.Getenv, environ)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(env.Stderr, cfg.LogLevel)

	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	addr, err := a.Start(ctx)
	if err != nil {
		a.Stop(ctx)
		return err
	}
	fmt.Fprintf(env.Stdout, "Candor is serving http://%s (%s). Press Ctrl-C to stop.\n", addr, a.Store.Desc)
	printHints(ctx, env, a.Service, cfg.DataDir)
	if env.Ready != nil {
		env.Ready(addr)
	}
	werr := a.Wait(ctx)
	log.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.Stop(stopCtx); err != nil {
		return err
	}
	return werr
}

// printHints tells a new operator how to make the first API key and console user.
func printHints(ctx context.Context, env Env, svc *status.Service, dataDir string) {
	if keys, err := svc.APIKeys(ctx); err == nil && !hasActiveKey(keys) {
		fmt.Fprintf(env.Stdout, "No staff API key yet. Make one with:\n  go run ./cmd/candor apikey create --data-dir %s --name admin --scope admin\n", dataDir)
	}
	if users, err := svc.Users(ctx); err == nil && len(users) == 0 {
		fmt.Fprintf(env.Stdout, "No staff console user yet. Make one with:\n  go run ./cmd/candor user create --data-dir %s --name admin --role admin\n", dataDir)
	}
}

func hasActiveKey(keys []status.APIKey) bool {
	for _, k := range keys {
		if k.RevokedAt.IsZero() {
			return true
		}
	}
	return false
}
