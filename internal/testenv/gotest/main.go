// Command gotest is the project's test command: it runs `go test` with the arguments it is
// given (go run ./internal/testenv/gotest ./...), then says which suites were skipped because
// a service was missing (PostgreSQL, chromium, ../shared/data) — go test itself prints nothing
// of a passing package's skips. Its exit status is go test's.
//
// Tests record their skips through package testenv in the file named by CANDOR_TEST_SKIP_LOG
// (a CANDOR_TEST_ name: a candor a test starts does not take it for a misspelt setting). The
// file is new on every run; a package that skipped read that variable, so go test's cache
// never replays it without recording its skips again.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"

	"github.com/candorstatus/candor/internal/testenv"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	log, err := os.CreateTemp("", "candor-skips-*")
	if err != nil {
		fmt.Fprintf(stderr, "gotest: %v\n", err)
		return 2
	}
	log.Close()
	defer os.Remove(log.Name())

	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), testenv.SkipLogEnv+"="+log.Name())
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			fmt.Fprintf(stderr, "gotest: %v\n", err)
			return 2
		}
		code = exit.ExitCode()
	}

	f, err := os.Open(log.Name())
	if err != nil {
		fmt.Fprintf(stderr, "gotest: read the skips: %v\n", err)
		return max(code, 1)
	}
	defer f.Close()
	out := stdout
	if slices.Contains(args, "-json") { // keep stdout a stream of JSON events
		out = stderr
	}
	summarize(f, out)
	return code
}

// summarize prints, per missing service, why it was missing and how many tests of which
// packages skipped for it.
func summarize(r io.Reader, w io.Writer) {
	type service struct {
		why   string
		tests int
		pkgs  map[string]int
	}
	byService := map[string]*service{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), "\t", 4)
		if len(f) != 4 {
			continue
		}
		s := byService[f[0]]
		if s == nil {
			s = &service{why: f[3], pkgs: map[string]int{}}
			byService[f[0]] = s
		}
		s.tests++
		s.pkgs[f[1]]++
	}
	if len(byService) == 0 {
		fmt.Fprintln(w, "\nNo suite skipped for a missing service.")
		return
	}
	names := make([]string, 0, len(byService))
	for n := range byService {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\nSkipped for a missing service (%s=%s makes these failures):\n",
		testenv.RequireEnv, strings.Join(names, ","))
	for _, n := range names {
		s := byService[n]
		pkgs := make([]string, 0, len(s.pkgs))
		for p := range s.pkgs {
			pkgs = append(pkgs, p)
		}
		sort.Strings(pkgs)
		for i, p := range pkgs {
			pkgs[i] = fmt.Sprintf("%s (%d)", p, s.pkgs[p])
		}
		fmt.Fprintf(w, "  %s: %d tests in %d packages — %s\n    %s\n", n, s.tests, len(pkgs), s.why, strings.Join(pkgs, ", "))
	}
}
