package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// flagSet returns a FlagSet whose usage lists each flag with its environment variable.
func flagSet(name, synopsis string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: %s\n\nFlags:\n", synopsis)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	return fs
}

// parseArgs parses a subcommand's flags and requires exactly nargs positional arguments,
// showing the usage otherwise.
func parseArgs(fs *flag.FlagSet, args []string, nargs int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != nargs {
		fs.Usage()
		return errUsage
	}
	return nil
}

func envOr(env Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

// dataDirFlag registers --data-dir, shared by every command that opens the store.
func dataDirFlag(fs *flag.FlagSet, env Env) *string {
	return fs.String("data-dir", envOr(env, "CANDOR_DATA_DIR", "candor-data"), "folder for the embedded database (env CANDOR_DATA_DIR)")
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
