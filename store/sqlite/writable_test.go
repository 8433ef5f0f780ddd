package sqlite

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
)

// TestCheckWritable (issue 18, defect 6): reads keep working on a full disk or a
// read-only database, so only a write tells; CheckWritable reports both — the last real
// write's failure until a write commits again, and a probe write's.
func TestCheckWritable(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("a fresh store: %v", err)
	}

	// Disk full: the database may not grow by a page (max_page_count applies to the
	// committer's one connection, as a full file system would).
	var pages int
	if err := s.writer.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 64<<10)
	err := s.Write(ctx, func(tx status.Tx) error {
		return tx.CreateIncident(&status.Incident{ID: "full", Title: lang.Same(big), Impact: status.ImpactMinor,
			Status: status.Investigating, StartedAt: time.Now()})
	})
	if err == nil {
		t.Fatal("a write that needs new pages succeeded at max_page_count")
	}
	s.writable.probed = time.Time{}
	err = s.CheckWritable(ctx)
	if status.ErrorCode(err) != status.EUNAVAILABLE || !strings.Contains(status.ErrorMessage(err), "disk is full") {
		t.Fatalf("after SQLITE_FULL: %v, want EUNAVAILABLE saying the disk is full", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a full disk: %v (reads still work)", err)
	}
	if _, err := s.writer.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("after a write committed again: %v", err)
	}

	// Read-only: every write is refused, and the probe finds out with no real write.
	if _, err := s.writer.ExecContext(ctx, `PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	s.writable.probed = time.Time{}
	err = s.CheckWritable(ctx)
	if status.ErrorCode(err) != status.EUNAVAILABLE || !strings.Contains(status.ErrorMessage(err), "read-only") {
		t.Fatalf("read-only database: %v, want EUNAVAILABLE saying read-only", err)
	}
	if _, err := s.writer.ExecContext(context.Background(), `PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	s.writable.probed = time.Time{}
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("writable again: %v", err)
	}
}
