// Command candor runs the Candor status page and its staff tools.
//
//	candor [serve] [flags]              run the server (the default)
//	candor apikey create|list|revoke    manage staff API keys
//	candor user create|list|passwd      manage staff console users
//	candor import statuspage FILE       import a Statuspage incident history
//	candor eta backtest FILE            measure the ETA model on a history
//
// Every subcommand takes its flags before positional arguments and has --help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ})
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "candor:", err)
		os.Exit(1)
	}
}

// Env is the process environment a command runs in; tests pass their own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Environ lists the environment (KEY=value), so a misspelt CANDOR_ variable is caught;
	// nil: not checked.
	Environ func() []string
	// Ready, when set, is called with the server's address once it listens (tests use it).
	Ready func(addr string)
}

// errUsage reports a command line that could not be understood; the usage was printed.
var errUsage = errors.New("usage error")

const usage = `Candor — an honest status page with push notifications.

Usage:
  candor [serve] [flags]                      run the server (default)
  candor apikey create --name NAME [--scope read|write|admin|signal]
  candor apikey list
  candor apikey revoke NAME
  candor user create --name NAME --role admin|editor|viewer   (password from a prompt or stdin)
  candor user list | passwd NAME              staff console users
  candor import statuspage [flags] FILE       import Statuspage incident history
  candor import candor [flags] FILE           restore a "candor export" into an empty store
  candor export [flags] [FILE]                write the whole state (for moving between stores)
  candor migrate [flags]                      apply database migrations and exit
  candor eta backtest [--json] FILE           measure the ETA model on a history
  candor fcmfake [--addr HOST:PORT]           run a fake FCM server that prints pushes (demos)

Run "candor COMMAND --help" for a command's flags.
`

// Run runs the command line args.
func Run(ctx context.Context, args []string, env Env) error {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-' && args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		return serve(ctx, args, env)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, env)
	case "apikey":
		return apikeyCmd(ctx, rest, env)
	case "user":
		return userCmd(ctx, rest, env)
	case "import":
		return importCmd(ctx, rest, env)
	case "eta":
		return etaCmd(ctx, rest, env)
	case "fcmfake":
		return fcmfakeCmd(ctx, rest, env)
	case "migrate":
		return migrateCmd(ctx, rest, env)
	case "export":
		return exportCmd(ctx, rest, env)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprintf(env.Stderr, "candor: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// subcommand dispatches to one of several named actions (e.g. "apikey create").
func subcommand(ctx context.Context, name string, args []string, env Env, actions map[string]func(context.Context, []string, Env) error, help string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, help)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	fn, ok := actions[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "candor %s: unknown action %q\n\n%s", name, args[0], help)
		return errUsage
	}
	return fn(ctx, args[1:], env)
}
