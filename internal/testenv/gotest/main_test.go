package main

import (
	"strings"
	"testing"
)

func TestSummarizeGroupsSkipsByServiceAndPackage(t *testing.T) {
	log := "postgres\tstore/postgres\tTestA\tURL not set\n" +
		"shared-data\timporter\tTestReal\tno history\n" +
		"postgres\treplicas\tTestB\tURL not set\n" +
		"postgres\tstore/postgres\tTestC\tURL not set\n" +
		"garbage line\n"
	var out strings.Builder
	summarize(strings.NewReader(log), &out)
	want := `
Skipped for a missing service (CANDOR_REQUIRE=postgres,shared-data makes these failures):
  postgres: 3 tests in 2 packages — URL not set
    replicas (1), store/postgres (2)
  shared-data: 1 tests in 1 packages — no history
    importer (1)
`
	if out.String() != want {
		t.Fatalf("summary:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	summarize(strings.NewReader(""), &out)
	if !strings.Contains(out.String(), "No suite skipped") {
		t.Fatalf("empty log: %q", out.String())
	}
}
