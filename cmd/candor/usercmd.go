package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/candorstatus/candor/status"
)

const userHelp = `Usage: candor user ACTION [flags]

Actions:
  create --name NAME --role admin|editor|viewer   add a staff console user
  list                                            list console users
  passwd NAME                                     set a user's password (ends their sessions)

The password is read from the terminal (asked twice, not echoed), or else from the first
line of standard input:  printf '%s\n' "$PASSWORD" | candor user create --name mina --role editor

Each action takes --data-dir (env CANDOR_DATA_DIR, default candor-data) and --help.
`

func userCmd(ctx context.Context, args []string, env Env) error {
	return subcommand(ctx, "user", args, env, map[string]func(context.Context, []string, Env) error{
		"create": userCreate, "list": userList, "passwd": userPasswd,
	}, userHelp)
}

func userCreate(ctx context.Context, args []string, env Env) error {
	fs := flagSet("user create", "candor user create --name NAME --role admin|editor|viewer [--data-dir D]", env)
	name := fs.String("name", "", "login name: lower-case letters, digits, '.', '_' and '-' (required)")
	role := fs.String("role", "", "viewer (reads the console), editor (also posts incidents, updates, maintenance and postmortems) "+
		"or admin (also manages components, keys, users and templates) (required)")
	sf := registerStore(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || *role == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if !status.Role(*role).Valid() {
		return fmt.Errorf("create user: --role must be admin, editor or viewer, not %q", *role)
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	u, err := svc.CreateUser(ctx, cliOp, *name, status.Role(*role), password)
	if err != nil {
		return fmt.Errorf("create user: %s", problemText(err))
	}
	fmt.Fprintf(env.Stderr, "created %s (%s); sign in at /admin\n", u.Name, u.Role)
	return nil
}

func userList(ctx context.Context, args []string, env Env) error {
	fs := flagSet("user list", "candor user list [--data-dir D]", env)
	sf := registerStore(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	users, err := svc.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST SIGN-IN\tSTATE")
	for _, u := range users {
		state, last := "active", "never"
		if !u.DisabledAt.IsZero() {
			state = "disabled " + u.DisabledAt.Format(time.RFC3339)
		}
		if !u.LastLoginAt.IsZero() {
			last = u.LastLoginAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.CreatedAt.Format(time.RFC3339), last, state)
	}
	return tw.Flush()
}

// userPasswd sets a password from the command line: the way back in when the only admin
// has forgotten theirs.
func userPasswd(ctx context.Context, args []string, env Env) error {
	fs := flagSet("user passwd", "candor user passwd [--data-dir D] NAME", env)
	sf := registerStore(fs, env)
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, sf)
	if err != nil {
		return err
	}
	defer closeFn()
	users, err := svc.Users(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(users, func(u status.User) bool { return u.Name == fs.Arg(0) })
	if i < 0 {
		return fmt.Errorf("no user named %q", fs.Arg(0))
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	if _, err := svc.UpdateUser(ctx, cliOp, users[i].ID, status.UserPatch{Password: &password}); err != nil {
		return fmt.Errorf("set password: %s", problemText(err))
	}
	fmt.Fprintf(env.Stderr, "password of %s changed; their sessions ended\n", users[i].Name)
	return nil
}

// readPassword asks twice without echo on a terminal; otherwise it reads the first line of
// standard input, so scripts can pipe a password in without it showing in the process list.
func readPassword(env Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(env.Stderr, "Repeat password: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords do not match")
		}
		return string(p1), nil
	}
	if env.Stdin == nil {
		return "", errors.New("no password: pipe it on standard input")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input (give it on the first line)")
	}
	return line, nil
}

// problemText spells out a service error with each field's problem.
func problemText(err error) string {
	fields := status.ErrorFields(err)
	if len(fields) == 0 {
		return status.ErrorMessage(err)
	}
	parts := make([]string, 0, len(fields))
	for f, msg := range fields {
		parts = append(parts, f+" "+msg)
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}
