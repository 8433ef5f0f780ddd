// Package testenv is test support: the one place a test decides what to do when a service it
// needs (PostgreSQL, chromium, the real history in ../shared/data) is not there.
//
// On a bare machine such a test skips with a message, so `go test ./...` passes with only Go
// installed. CI cannot afford that: a PostgreSQL that did not start would turn the PostgreSQL
// suite into silent skips and CI green. CANDOR_REQUIRE (comma-separated service names, e.g.
// "postgres,chromium,shared-data"; .ci/run sets it) turns the skip for a listed service into a
// failure.
//
// When CANDOR_TEST_SKIP_LOG names a file, every skip is also appended to it as one line
// "service<TAB>package<TAB>test<TAB>reason", so the test command (go run
// ./internal/testenv/gotest ./...) can say at the end which suites were skipped: go test
// prints nothing of a passing package's skips without -v.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A Service is something a test needs that a bare machine may not have.
type Service string

// The services tests may find missing. The names are CANDOR_REQUIRE's vocabulary.
const (
	// Postgres is a PostgreSQL server named by CANDOR_TEST_POSTGRES_URL.
	Postgres Service = "postgres"
	// Chromium is Debian's chromium at /usr/bin/chromium, for the browser tests.
	Chromium Service = "chromium"
	// SharedData is the real incident history in ../shared/data beside the checkout (its
	// licence does not allow copying it into the repository).
	SharedData Service = "shared-data"
)

// Services lists every service CANDOR_REQUIRE may name.
var Services = []Service{Postgres, Chromium, SharedData}

const (
	// RequireEnv lists the services whose absence fails a test instead of skipping it.
	RequireEnv = "CANDOR_REQUIRE"
	// SkipLogEnv names a file every skip is appended to.
	SkipLogEnv = "CANDOR_TEST_SKIP_LOG"
)

// Missing ends the test because svc is not available: t.Fatal when CANDOR_REQUIRE lists svc,
// t.Skip otherwise. why says what is missing and how to provide it. A CANDOR_REQUIRE naming a
// service that does not exist fails too, so a typo cannot switch the requirement off.
func Missing(t testing.TB, svc Service, why string) {
	t.Helper()
	required, err := Required(os.Getenv(RequireEnv))
	if err != nil {
		t.Fatalf("%v (while %s is missing: %s)", err, svc, why)
	}
	if slices.Contains(required, svc) {
		t.Fatalf("%s is required (%s=%s) but missing: %s", svc, RequireEnv, os.Getenv(RequireEnv), why)
	}
	logSkip(t, svc, why)
	t.Skipf("%s missing, skipping: %s (set %s=%s to make this a failure)", svc, why, RequireEnv, svc)
}

// Required parses a CANDOR_REQUIRE value: service names separated by commas, spaces around
// them and empty items ignored. An unknown name is an error naming the known ones.
func Required(v string) ([]Service, error) {
	var out []Service
	for _, item := range strings.Split(v, ",") {
		name := Service(strings.TrimSpace(item))
		if name == "" {
			continue
		}
		if !slices.Contains(Services, name) {
			return nil, fmt.Errorf("%s names unknown service %q (known: %s)", RequireEnv, name, known())
		}
		out = append(out, name)
	}
	return out, nil
}

func known() string {
	names := make([]string, len(Services))
	for i, s := range Services {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// logSkip appends the skip to CANDOR_TEST_SKIP_LOG's file. A log that cannot be written is
// reported in the test's output but does not change the outcome: the summary is a courtesy.
func logSkip(t testing.TB, svc Service, why string) {
	path := os.Getenv(SkipLogEnv)
	if path == "" {
		return
	}
	line := strings.Join([]string{string(svc), packageDir(), t.Name(), oneLine(why)}, "\t") + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		// One write of a short line with O_APPEND: test binaries of several packages run at
		// once and their lines must not interleave.
		_, err = f.WriteString(line)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Logf("testenv: cannot record the skip in %s: %v", path, err)
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// packageDir is the directory of the package under test relative to the module's root
// ("store/postgres"): go test runs each package's test binary in the package's directory.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil {
				return wd
			}
			return filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}
