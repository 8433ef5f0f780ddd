package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

// insertTestJobs inserts n pending jobs due at now.
func insertTestJobs(t *testing.T, s *Store, n int, now time.Time) {
	t.Helper()
	js := make([]status.OutboxJob, n)
	for i := range js {
		js[i] = status.OutboxJob{Kind: status.JobPush, IncidentID: "inc", UpdateID: "u", Status: status.JobPending,
			NextAttemptAt: now, Tokens: []string{fmt.Sprintf("token-%04d", i)}}
	}
	if err := s.Write(t.Context(), func(tx status.Tx) error { return tx.InsertJobs(js) }); err != nil {
		t.Fatalf("InsertJobs: %v", err)
	}
}

// TestClaimJobsAcrossReplicas claims from two Store instances (two replicas) at once: every
// job is handed out exactly once.
func TestClaimJobsAcrossReplicas(t *testing.T) {
	dbURL := newSchema(t)
	replicas := []*Store{openTest(t, dbURL), openTest(t, dbURL)}
	const total, perReplica, batch = 300, 4, 9
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	insertTestJobs(t, replicas[0], total, now)

	var mu sync.Mutex
	owners := map[int64][]string{}
	var wg sync.WaitGroup
	for r, s := range replicas {
		for w := range perReplica {
			owner := fmt.Sprintf("replica-%d/dispatcher-%d", r, w)
			wg.Go(func() {
				for {
					var got []status.OutboxJob
					err := s.Write(t.Context(), func(tx status.Tx) error {
						var err error
						got, err = tx.ClaimJobs(now, owner, time.Minute, batch)
						return err
					})
					if err != nil {
						t.Errorf("%s: ClaimJobs: %v", owner, err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, j := range got {
						owners[j.ID] = append(owners[j.ID], owner)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(owners) != total {
		t.Errorf("%d distinct jobs claimed, want %d", len(owners), total)
	}
	for id, o := range owners {
		if len(o) != 1 {
			t.Errorf("job %d claimed by %v, want one claimer", id, o)
		}
	}
}

// TestClaimSkipsLockedJobs runs the claim statement in two transactions that bypass the
// write lock: the second skips the jobs the first is leasing instead of waiting for them or
// claiming them too, so claims stay exclusive even if Writes are one day not serialized.
func TestClaimSkipsLockedJobs(t *testing.T) {
	s := openTest(t, newSchema(t))
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	insertTestJobs(t, s, 10, now)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	claimRaw := func(owner string) (pgx.Tx, []int64) {
		t.Helper()
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback(context.Background()) })
		rows, err := tx.Query(ctx, claimQuery, owner, now.Add(time.Minute), now, 6)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for rows.Next() {
			var j status.OutboxJob
			if err := scanJob(rows, &j); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, j.ID)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("claim as %s: %v", owner, err)
		}
		return tx, ids
	}
	txA, a := claimRaw("a") // not committed: its rows stay locked
	_, b := claimRaw("b")
	if len(a) != 6 || len(b) != 4 {
		t.Errorf("claims got %d and %d jobs, want 6 and the remaining 4", len(a), len(b))
	}
	seen := map[int64]bool{}
	for _, id := range append(a, b...) {
		if seen[id] {
			t.Errorf("job %d claimed by both transactions", id)
		}
		seen[id] = true
	}
	if err := txA.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
