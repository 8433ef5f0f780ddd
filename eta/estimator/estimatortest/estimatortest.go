// Package estimatortest gives tests the real incident history kept beside the checkout in
// shared/data, read the way production reads it (importer.Records). It is the
// one place that decides what a test does when that file is absent.
package estimatortest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/importer"
	"github.com/candorstatus/candor/internal/testenv"
)

// HistoryFile is the real history's name in shared/data.
const HistoryFile = "history-digitalocean.json"

// HistoryPath returns the path of shared/data/name, looked for in the working directory's
// ancestors (a checkout lives beside shared/), or "" when there is none.
func HistoryPath(name string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "data", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// RealHistory reads the real history. When the file is not there the test skips with the
// reason, or fails when CANDOR_REQUIRE lists shared-data.
func RealHistory(t testing.TB) []eta.Record {
	t.Helper()
	path := HistoryPath(HistoryFile)
	if path == "" {
		testenv.Missing(t, testenv.SharedData, "real history shared/data/"+HistoryFile+" not found beside the checkout")
	}
	recs, err := importer.ReadRecords(path)
	if err != nil {
		t.Fatalf("real history %s: %v", path, err)
	}
	return recs
}
