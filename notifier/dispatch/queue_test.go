package dispatch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/notifier/fcmfake"
	"github.com/candorstatus/candor/status"
)

// memQueue is an in-memory Queue with the store's lease semantics, safe for concurrent use.
type memQueue struct {
	mu      sync.Mutex
	jobs    map[int64]*status.OutboxJob
	nextID  int64
	deleted []string
	claims  int // Claim calls, failed ones included
	nextDue int // NextDue calls
	extends int // ExtendLeases calls
	// failSaves makes the next failSaves Saves fail (the store died after the send).
	failSaves int
	fail      error // when set, every call returns it
	failN     int   // when > 0, the next failN calls fail with fail
}

func newMemQueue() *memQueue { return &memQueue{jobs: map[int64]*status.OutboxJob{}} }

func cloneJob(j status.OutboxJob) status.OutboxJob {
	j.Tokens = slices.Clone(j.Tokens)
	j.Payload = slices.Clone(j.Payload)
	return j
}

// add inserts jobs as pending (unless a status is set) and returns their ids.
func (q *memQueue) add(jobs ...status.OutboxJob) []int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		q.nextID++
		j.ID = q.nextID
		if j.Status == "" {
			j.Status = status.JobPending
		}
		c := cloneJob(j)
		q.jobs[j.ID] = &c
		ids[i] = j.ID
	}
	return ids
}

// job returns a copy of the stored job.
func (q *memQueue) job(t testing.TB, id int64) status.OutboxJob {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok {
		t.Fatalf("no job %d", id)
	}
	return cloneJob(*j)
}

func (q *memQueue) deletedTokens() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := slices.Clone(q.deleted)
	sort.Strings(out)
	return out
}

func (q *memQueue) setFail(err error, n int) {
	q.mu.Lock()
	q.fail, q.failN = err, n
	q.mu.Unlock()
}

func (q *memQueue) claimCalls() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.claims
}

func (q *memQueue) extendCalls() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.extends
}

func (q *memQueue) nextDueCalls() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nextDue
}

func (q *memQueue) failNextSaves(n int) {
	q.mu.Lock()
	q.failSaves = n
	q.mu.Unlock()
}

// failing reports the injected error, if any; q.mu is held.
func (q *memQueue) failing() error {
	if q.fail == nil {
		return nil
	}
	if q.failN > 0 {
		q.failN--
		if q.failN == 0 {
			err := q.fail
			q.fail = nil
			return err
		}
	}
	return q.fail
}

func (q *memQueue) Claim(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.claims++
	if err := q.failing(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(q.jobs))
	for id, j := range q.jobs {
		if j.Status == status.JobPending && !j.NextAttemptAt.After(now) && !j.LeaseUntil.After(now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // oldest first
	var out []status.OutboxJob
	for _, id := range ids[:min(limit, len(ids))] {
		j := q.jobs[id]
		j.LeaseOwner, j.LeaseUntil = owner, now.Add(lease)
		out = append(out, cloneJob(*j))
	}
	return out, nil
}

func (q *memQueue) Save(ctx context.Context, j *status.OutboxJob, owner string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.failing(); err != nil {
		return err
	}
	if q.failSaves > 0 {
		q.failSaves--
		return status.Errorf(status.EUNAVAILABLE, "disk I/O error")
	}
	cur, ok := q.jobs[j.ID]
	if !ok {
		return status.Errorf(status.ENOTFOUND, "no job %d", j.ID)
	}
	if owner != "" && cur.LeaseOwner != owner {
		if cur.Status != status.JobPending {
			return &status.Error{Code: status.ECONFLICT, Message: fmt.Sprintf("job %d is %s", j.ID, cur.Status),
				Fields: map[string]string{"status": string(cur.Status)}}
		}
		return status.Errorf(status.ECONFLICT, "job %d is leased to %q", j.ID, cur.LeaseOwner)
	}
	c := cloneJob(*j)
	q.jobs[j.ID] = &c
	return nil
}

func (q *memQueue) ExtendLeases(ctx context.Context, owner string, ids []int64, until time.Time) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.failing(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if j, ok := q.jobs[id]; ok && j.LeaseOwner == owner && j.Status == status.JobPending {
			j.LeaseUntil = until
			n++
		}
	}
	q.extends++
	return n, nil
}

// supersede marks a pending job superseded and clears its lease, as SupersedeJobs does.
func (q *memQueue) supersede(id int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	j.Status, j.LeaseOwner, j.LeaseUntil = status.JobSuperseded, "", time.Time{}
}

func (q *memQueue) DeleteDevices(ctx context.Context, tokens []string) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.failing(); err != nil {
		return 0, err
	}
	q.deleted = append(q.deleted, tokens...)
	return len(tokens), nil
}

func (q *memQueue) NextDue(ctx context.Context) (time.Time, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextDue++
	if err := q.failing(); err != nil {
		return time.Time{}, false, err
	}
	var at time.Time
	ok := false
	for _, j := range q.jobs {
		if j.Status != status.JobPending {
			continue
		}
		due := j.NextAttemptAt
		if j.LeaseUntil.After(due) {
			due = j.LeaseUntil
		}
		if !ok || due.Before(at) {
			at, ok = due, true
		}
	}
	return at, ok, nil
}

var t0 = time.Date(2026, 11, 22, 18, 5, 0, 0, time.UTC)

// syncBuffer is a log sink safe for the dispatcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one dispatcher under test with its queue, clock and logs.
type env struct {
	q     *memQueue
	clock *status.ManualClock
	logs  *syncBuffer
	d     *dispatch.Dispatcher
}

// newEnv builds a dispatcher over a fresh memQueue with a ManualClock at t0, jitter fixed
// at 0.5, a 100ms base backoff (so Retry-After shows) and logs captured; edit adjusts cfg.
func newEnv(t testing.TB, sender notifier.Sender, edit func(*dispatch.Config)) *env {
	t.Helper()
	e := &env{q: newMemQueue(), clock: status.NewManualClock(t0), logs: &syncBuffer{}}
	cfg := dispatch.Config{
		Owner: "test", Sender: sender, Queue: e.q, Clock: e.clock,
		Log:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Minute,
		Rand: func() float64 { return 0.5 },
	}
	if edit != nil {
		edit(&cfg)
	}
	e.d = dispatch.New(cfg)
	return e
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// drain runs Drain with a deadline and fails the test on error.
func (e *env) drain(t testing.TB) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := e.d.Drain(ctx)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	return n
}

// setupFCM starts a fake FCM and the real SDK-backed Sender pointed at it.
func setupFCM(t testing.TB) (*fcmfake.Server, *fcm.Sender) {
	t.Helper()
	fake := fcmfake.New()
	url, stop := fake.Start()
	t.Cleanup(stop)
	s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "p", Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	return fake, s
}

// payload encodes a small valid push.
func payload(t testing.TB) []byte {
	t.Helper()
	b, err := notifier.EncodePayload(notifier.Message{
		Title: "Messenger: outage", Body: "Messages are delayed.", TTL: time.Hour, High: true,
		CollapseKey: "incident-42", Data: map[string]string{"incident_id": "42", "kind": "created"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tokenJob(t testing.TB, tokens ...string) status.OutboxJob {
	t.Helper()
	return status.OutboxJob{Kind: status.JobPush, IncidentID: "42", Tokens: tokens, Payload: payload(t),
		NextAttemptAt: t0, CreatedAt: t0}
}

// perToken counts the messages the fake accepted per token.
func perToken(fake *fcmfake.Server) map[string]int {
	n := map[string]int{}
	for _, m := range fake.Messages() {
		n[m.Token]++
	}
	return n
}

// scriptSender answers every message with result (a message id on success) unless hook
// is set, and records its calls; topic calls succeed.
type scriptSender struct {
	mu     sync.Mutex
	result notifier.Result
	hook   func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error)
	calls  [][]notifier.Message
}

func (s *scriptSender) Send(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
	s.mu.Lock()
	s.calls = append(s.calls, slices.Clone(msgs))
	hook, result := s.hook, s.result
	s.mu.Unlock()
	if hook != nil {
		return hook(ctx, msgs)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := make([]notifier.Result, len(msgs))
	for i := range res {
		res[i] = result
		if result.Class == notifier.ClassNone {
			res[i].MessageID = fmt.Sprintf("script/%d", i)
		}
	}
	return res, nil
}

func (s *scriptSender) Subscribe(ctx context.Context, topic string, tokens []string) ([]notifier.TopicResult, error) {
	return (&notifier.LogSender{Log: discard()}).Subscribe(ctx, topic, tokens)
}

func (s *scriptSender) Unsubscribe(ctx context.Context, topic string, tokens []string) ([]notifier.TopicResult, error) {
	return (&notifier.LogSender{Log: discard()}).Unsubscribe(ctx, topic, tokens)
}

func (s *scriptSender) sends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func (s *scriptSender) sendSizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, c := range s.calls {
		out = append(out, len(c))
	}
	return out
}

// fakeStore is a status.Store whose transactions reach a memQueue, to check StoreQueue's
// routing; the embedded nil Tx panics on anything else.
type fakeStore struct {
	q             *memQueue
	reads, writes int
}

type fakeTx struct {
	status.Tx
	q *memQueue
}

func (s *fakeStore) Read(ctx context.Context, fn func(status.Tx) error) error {
	s.reads++
	return fn(fakeTx{q: s.q})
}

func (s *fakeStore) Write(ctx context.Context, fn func(status.Tx) error) error {
	s.writes++
	return fn(fakeTx{q: s.q})
}

func (s *fakeStore) Ping(context.Context) error          { return nil }
func (s *fakeStore) CheckWritable(context.Context) error { return nil }
func (s *fakeStore) Close() error                        { return nil }

func (tx fakeTx) ClaimJobs(now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
	return tx.q.Claim(context.Background(), now, owner, lease, limit)
}
func (tx fakeTx) SaveJob(j *status.OutboxJob, claimedBy string) error {
	return tx.q.Save(context.Background(), j, claimedBy)
}
func (tx fakeTx) ExtendLeases(owner string, ids []int64, until time.Time) (int, error) {
	return tx.q.ExtendLeases(context.Background(), owner, ids, until)
}
func (tx fakeTx) DeleteDevices(tokens []string) (int, error) {
	return tx.q.DeleteDevices(context.Background(), tokens)
}
func (tx fakeTx) NextJobDue() (time.Time, bool, error) {
	return tx.q.NextDue(context.Background())
}

func TestStoreQueue(t *testing.T) {
	fake, sender := setupFCM(t)
	mq := newMemQueue()
	store := &fakeStore{q: mq}
	id := mq.add(tokenJob(t, "store-token-0001", "unregistered-store-0002"))[0]
	d := dispatch.New(dispatch.Config{Sender: sender, Queue: dispatch.NewStoreQueue(store),
		Clock: status.NewManualClock(t0), Log: discard()})
	if n, err := d.Drain(context.Background()); err != nil || n != 1 {
		t.Fatalf("drain = %d, %v", n, err)
	}
	j := mq.job(t, id)
	if j.Status != status.JobSent || j.Sent != 1 || j.Failed != 1 || fake.Accepted() != 1 {
		t.Errorf("job %+v, accepted %d", j, fake.Accepted())
	}
	if got := mq.deletedTokens(); !slices.Equal(got, []string{"unregistered-store-0002"}) {
		t.Errorf("deleted %v", got)
	}
	// Claims, the save, the delete: writes; NextDue is not called by Drain.
	if store.writes != 4 || store.reads != 0 {
		t.Errorf("writes %d, reads %d", store.writes, store.reads)
	}
	if _, ok, err := dispatch.NewStoreQueue(store).NextDue(context.Background()); err != nil || ok || store.reads != 1 {
		t.Errorf("NextDue: ok %v, err %v, reads %d", ok, err, store.reads)
	}
	mq.setFail(errors.New("db down"), 0)
	if _, err := d.Drain(context.Background()); err == nil {
		t.Error("drain over a failing store succeeded")
	}
}
