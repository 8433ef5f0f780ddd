package sqlite

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// TestGroupCommit: writes queued behind a running one share its transaction, yet each
// fails alone — a failing or panicking write leaves no trace and does not undo the others —
// and a write whose caller gave up while it was queued never runs.
func TestGroupCommit(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	started, release := make(chan struct{}), make(chan struct{})
	bump := func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err }
	first := make(chan error, 1)
	go func() {
		first <- s.Write(ctx, func(tx status.Tx) error {
			close(started)
			<-release // the others queue meanwhile
			return bump(tx)
		})
	}()
	<-started

	results := make(chan string, 4)
	queue := func(name string, fn func(status.Tx) error) {
		go func() {
			defer func() {
				if r := recover(); r != nil {
					results <- name + ": panic " + r.(string)
				}
			}()
			err := s.Write(ctx, fn)
			results <- name + ": " + status.ErrorCode(err)
		}()
	}
	queue("ok", bump)
	queue("fails", func(tx status.Tx) error {
		if err := bump(tx); err != nil {
			return err
		}
		return errors.New("boom")
	})
	queue("panics", func(tx status.Tx) error {
		if err := bump(tx); err != nil {
			return err
		}
		panic("oops")
	})
	gaveUp, cancel := context.WithCancel(ctx)
	var ran atomic.Bool
	go func() {
		err := s.Write(gaveUp, func(tx status.Tx) error { ran.Store(true); return bump(tx) })
		results <- "cancelled: " + status.ErrorCode(err)
	}()
	time.Sleep(100 * time.Millisecond) // all four queued behind the first
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)

	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	got := map[string]bool{}
	for range 4 {
		got[<-results] = true
	}
	for _, want := range []string{"ok: ", "fails: internal", "panics: panic oops", "cancelled: unavailable"} {
		if !got[want] {
			t.Errorf("missing outcome %q in %v", want, got)
		}
	}
	if ran.Load() {
		t.Error("a write whose caller had given up ran")
	}
	// first and ok committed; the failed and panicked bumps were rolled back.
	var rev int64
	if err := s.Read(ctx, func(tx status.Tx) error { var err error; rev, err = tx.Revision(); return err }); err != nil {
		t.Fatal(err)
	}
	if rev != 2 {
		t.Errorf("revision %d after the batch, want 2", rev)
	}
}
