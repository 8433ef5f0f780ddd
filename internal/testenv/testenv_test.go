package testenv_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candorstatus/candor/internal/testenv"
)

// childEnv marks the process a test starts to watch Missing end a test for real: a skip and
// a failure end the test's goroutine, so they are observed from outside.
const childEnv = "CANDOR_TESTENV_CHILD"

// TestChildMissingPostgres is the child: it is a no-op unless started by runChild.
func TestChildMissingPostgres(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		return
	}
	testenv.Missing(t, testenv.Postgres, "CANDOR_TEST_POSTGRES_URL is not set")
	t.Log("AFTER MISSING") // never reached: Missing always ends the test
}

// runChild runs TestChildMissingPostgres in a fresh process with require as CANDOR_REQUIRE
// and a skip log, returning its verbose output, whether it passed, and the log's content.
func runChild(t *testing.T, require string) (out string, passed bool, log string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "skips")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildMissingPostgres$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1", testenv.RequireEnv+"="+require, testenv.SkipLogEnv+"="+logPath)
	b, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run child: %v", err)
	}
	l, _ := os.ReadFile(logPath)
	return string(b), err == nil, string(l)
}

func TestMissingFailsWhenRequired(t *testing.T) {
	for _, require := range []string{"postgres", "chromium, postgres ,shared-data", ",postgres,"} {
		out, passed, log := runChild(t, require)
		if passed || !strings.Contains(out, "--- FAIL: TestChildMissingPostgres") {
			t.Fatalf("CANDOR_REQUIRE=%q: the child did not fail:\n%s", require, out)
		}
		if !strings.Contains(out, "postgres is required (CANDOR_REQUIRE=") || !strings.Contains(out, "CANDOR_TEST_POSTGRES_URL is not set") {
			t.Errorf("CANDOR_REQUIRE=%q: the failure does not say what is missing:\n%s", require, out)
		}
		if strings.Contains(out, "AFTER MISSING") {
			t.Errorf("the test went on after Missing:\n%s", out)
		}
		if log != "" {
			t.Errorf("a failure was logged as a skip: %q", log)
		}
	}
}

func TestMissingSkipsWhenNotRequired(t *testing.T) {
	for _, require := range []string{"", "chromium", "shared-data,chromium"} {
		out, passed, log := runChild(t, require)
		if !passed || !strings.Contains(out, "--- SKIP: TestChildMissingPostgres") {
			t.Fatalf("CANDOR_REQUIRE=%q: the child did not skip:\n%s", require, out)
		}
		if !strings.Contains(out, "postgres missing, skipping: CANDOR_TEST_POSTGRES_URL is not set") {
			t.Errorf("CANDOR_REQUIRE=%q: the skip does not say what is missing:\n%s", require, out)
		}
		if strings.Contains(out, "AFTER MISSING") {
			t.Errorf("the test went on after Missing:\n%s", out)
		}
		want := "postgres\tinternal/testenv\tTestChildMissingPostgres\tCANDOR_TEST_POSTGRES_URL is not set\n"
		if log != want {
			t.Errorf("skip log %q, want %q", log, want)
		}
	}
}

// TestMissingFailsOnUnknownService: a misspelt CANDOR_REQUIRE must not quietly require nothing.
func TestMissingFailsOnUnknownService(t *testing.T) {
	out, passed, _ := runChild(t, "postgress")
	if passed || !strings.Contains(out, `CANDOR_REQUIRE names unknown service "postgress" (known: postgres, chromium, shared-data)`) {
		t.Fatalf("a misspelt service did not fail the test:\n%s", out)
	}
}

func TestRequired(t *testing.T) {
	got, err := testenv.Required(" postgres , ,shared-data")
	if err != nil || len(got) != 2 || got[0] != testenv.Postgres || got[1] != testenv.SharedData {
		t.Fatalf("Required = %v, %v", got, err)
	}
	if _, err := testenv.Required("postgres,mysql"); err == nil {
		t.Fatal("an unknown service was accepted")
	}
}
