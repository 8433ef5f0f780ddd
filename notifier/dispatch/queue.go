package dispatch

import (
	"context"
	"time"

	"github.com/candorstatus/candor/status"
)

// Queue is the narrow store access the dispatcher needs.
type Queue interface {
	// Claim leases up to limit pending jobs due at now (and not leased by a live owner) to
	// owner until now+lease, oldest first.
	Claim(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error)
	// Save stores a job's progress while owner still holds its lease (see
	// status.Tx.SaveJob: ECONFLICT when another dispatcher has claimed it since); the
	// dispatcher always clears the lease in j before saving.
	Save(ctx context.Context, j *status.OutboxJob, owner string) error
	// ExtendLeases moves the lease of owner's pending jobs among ids to until and returns
	// how many it moved (see status.Tx.ExtendLeases).
	ExtendLeases(ctx context.Context, owner string, ids []int64, until time.Time) (int, error)
	// DeleteDevices deletes the devices with these tokens and returns how many existed.
	DeleteDevices(ctx context.Context, tokens []string) (int, error)
	// NextDue returns when the earliest pending job can be claimed (ok=false: none).
	NextDue(ctx context.Context) (at time.Time, ok bool, err error)
}

// storeQueue adapts a status.Store: every call is one short transaction, so no lock is
// held while the dispatcher talks to FCM.
type storeQueue struct{ s status.Store }

// NewStoreQueue adapts a status.Store to Queue.
func NewStoreQueue(s status.Store) Queue { return storeQueue{s: s} }

func (q storeQueue) Claim(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
	var jobs []status.OutboxJob
	err := q.s.Write(ctx, func(tx status.Tx) error {
		var err error
		jobs, err = tx.ClaimJobs(now, owner, lease, limit)
		return err
	})
	return jobs, err
}

func (q storeQueue) Save(ctx context.Context, j *status.OutboxJob, owner string) error {
	return q.s.Write(ctx, func(tx status.Tx) error { return tx.SaveJob(j, owner) })
}

func (q storeQueue) ExtendLeases(ctx context.Context, owner string, ids []int64, until time.Time) (int, error) {
	var n int
	err := q.s.Write(ctx, func(tx status.Tx) error {
		var err error
		n, err = tx.ExtendLeases(owner, ids, until)
		return err
	})
	return n, err
}

func (q storeQueue) DeleteDevices(ctx context.Context, tokens []string) (int, error) {
	var n int
	err := q.s.Write(ctx, func(tx status.Tx) error {
		var err error
		n, err = tx.DeleteDevices(tokens)
		return err
	})
	return n, err
}

func (q storeQueue) NextDue(ctx context.Context) (time.Time, bool, error) {
	var (
		at time.Time
		ok bool
	)
	err := q.s.Read(ctx, func(tx status.Tx) error {
		var err error
		at, ok, err = tx.NextJobDue()
		return err
	})
	return at, ok, err
}
