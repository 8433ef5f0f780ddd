package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/candorstatus/candor/store/transfer"
)

// transferTimeout bounds an export or import: it reads or writes the whole state in a few
// large transactions, which PostgreSQL's default per-call deadline (seconds) would cut.
const transferTimeout = time.Hour

func migrateCmd(ctx context.Context, args []string, env Env) error {
	fs := flagSet("migrate", "candor migrate [--data-dir D | --database-url URL]", env)
	sf := registerStore(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Opening a store applies its embedded migrations (under an advisory lock on
	// PostgreSQL); running it on its own lets operators migrate before rolling out replicas.
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(env.Stdout, "%s is up to date\n", st.Desc)
	return nil
}

func exportCmd(ctx context.Context, args []string, env Env) error {
	fs := flagSet("export", "candor export [--data-dir D | --database-url URL] [--include-secrets] [FILE]   (default: standard output)", env)
	sf := registerStore(fs, env)
	secrets := fs.Bool("include-secrets", false, "also write webhook signing secrets (without them, imported webhooks start disabled)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var w io.Writer = env.Stdout
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.OpenFile(fs.Arg(0), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // it holds password and key hashes
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	// One read of everything: longer than a store call's default deadline, yet bounded.
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	stats, err := transfer.ExportWith(ctx, st, w, time.Now(), transfer.Options{IncludeSecrets: *secrets})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "exported %s\n", statsText(stats))
	return nil
}

func importCandor(ctx context.Context, args []string, env Env) error {
	fs := flagSet("import candor", "candor import candor [--data-dir D | --database-url URL] FILE   (into an empty store)", env)
	sf := registerStore(fs, env)
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	var r io.Reader = env.Stdin
	if fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	stats, err := transfer.Import(ctx, st, r)
	if err != nil {
		return fmt.Errorf("import into %s: %w", st.Desc, err)
	}
	fmt.Fprintf(env.Stdout, "imported %s into %s\n", statsText(stats), st.Desc)
	return nil
}

func statsText(s transfer.Stats) string {
	var parts []string
	for k, v := range s {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
