package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/candorstatus/candor/app"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

func runWithStdin(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), err
}

func TestUserCommand(t *testing.T) {
	status.BcryptCost = bcrypt.MinCost
	dir := t.TempDir()
	for _, args := range [][]string{{"user", "--help"}, {"user", "create", "--help"}, {"user", "list", "--help"}, {"user", "passwd", "--help"}} {
		if out, _, err := runWithStdin(t, "", args...); (err != nil && !errors.Is(err, flag.ErrHelp)) || !strings.Contains(out, "Usage") {
			t.Fatalf("%v: %v %q", args, err, out)
		}
	}
	if _, _, err := runWithStdin(t, "", "user", "create", "--data-dir", dir, "--name", "mina"); !errors.Is(err, errUsage) {
		t.Fatalf("create without --role: %v", err)
	}
	// The password is the first line of a non-terminal stdin; the rest is ignored.
	_, stderr, err := runWithStdin(t, "a long enough password\nignored\n", "user", "create", "--data-dir", dir, "--name", "mina", "--role", "editor")
	if err != nil || !strings.Contains(stderr, "created mina (editor)") {
		t.Fatalf("create: %v %q", err, stderr)
	}
	if _, _, err := runWithStdin(t, "short\n", "user", "create", "--data-dir", dir, "--name", "joon", "--role", "admin"); err == nil ||
		!strings.Contains(err.Error(), "password must be at least") {
		t.Fatalf("short password: %v", err)
	}
	if _, _, err := runWithStdin(t, "", "user", "create", "--data-dir", dir, "--name", "joon", "--role", "admin"); err == nil ||
		!strings.Contains(err.Error(), "no password") {
		t.Fatalf("empty stdin: %v", err)
	}
	if _, _, err := runWithStdin(t, "x\n", "user", "create", "--data-dir", dir, "--name", "joon", "--role", "owner"); err == nil {
		t.Fatal("unknown role accepted")
	}
	out, _, err := runWithStdin(t, "", "user", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "mina") || !strings.Contains(out, "editor") || strings.Contains(out, "joon") {
		t.Fatalf("list: %v %q", err, out)
	}
	if _, _, err := runWithStdin(t, "another long password\n", "user", "passwd", "--data-dir", dir, "mina"); err != nil {
		t.Fatalf("passwd: %v", err)
	}
	store, err := sqlite.Open(context.Background(), app.DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := status.NewService(store, status.SystemClock{}, nil)
	if _, _, _, err := svc.Login(context.Background(), "mina", "another long password", "127.0.0.1"); err != nil {
		t.Fatalf("sign in with the new password: %v", err)
	}
}
