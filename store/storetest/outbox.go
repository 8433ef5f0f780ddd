package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// newJob returns a pending push job due at next.
func newJob(kind status.JobKind, incidentID, updateID string, next time.Time) status.OutboxJob {
	return status.OutboxJob{Kind: kind, IncidentID: incidentID, UpdateID: updateID, Event: "updated", Lang: "ko",
		Condition: "'candor.all.ko' in topics", Payload: []byte(`{"title":"장애"}`), Status: status.JobPending,
		NextAttemptAt: next, CreatedAt: next, UpdatedAt: next, ExpiresAt: next.Add(time.Hour)}
}

// insertJobs inserts jobs in one transaction; InsertJobs sets their IDs in the slice.
func insertJobs(t *testing.T, s status.Store, jobs []status.OutboxJob) {
	t.Helper()
	write(t, s, func(tx status.Tx) error { return tx.InsertJobs(jobs) })
}

func jobs(t *testing.T, s status.Store, f status.JobFilter) []status.OutboxJob {
	t.Helper()
	var js []status.OutboxJob
	read(t, s, func(tx status.Tx) error {
		var err error
		js, err = tx.Jobs(f)
		return err
	})
	return js
}

func claim(t *testing.T, s status.Store, now time.Time, owner string, lease time.Duration, limit int) []status.OutboxJob {
	t.Helper()
	var js []status.OutboxJob
	write(t, s, func(tx status.Tx) error {
		var err error
		js, err = tx.ClaimJobs(now, owner, lease, limit)
		return err
	})
	return js
}

// pick returns the jobs at idx, in that order.
func pick(jobs []status.OutboxJob, idx ...int) []status.OutboxJob {
	var out []status.OutboxJob
	for _, i := range idx {
		out = append(out, jobs[i])
	}
	return out
}

// leasedTo returns js as leased to owner until until.
func leasedTo(js []status.OutboxJob, owner string, until time.Time) []status.OutboxJob {
	out := slices.Clone(js)
	for i := range out {
		out[i].LeaseOwner, out[i].LeaseUntil = owner, until
	}
	return out
}

func jobIDs(js []status.OutboxJob) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testJobRoundTrip(t *testing.T, s status.Store) {
	read(t, s, func(tx status.Tx) error {
		js, err := tx.Jobs(status.JobFilter{})
		check(t, "Jobs of an empty store", js, []status.OutboxJob(nil))
		return err
	})
	full := status.OutboxJob{Kind: status.JobPush, IncidentID: "inc1", UpdateID: "inc1-u2", Event: "eta_missed", Lang: "en",
		Condition: "'candor.c.api.en' in topics || 'candor.all.en' in topics", Topic: "candor.c.api.en",
		Tokens:  []string{"tok-c-000000000000000", "tok-A-000000000000000", "tok-b-000000000000000"},
		Payload: []byte("{\"title\":\"로그인 실패\"}\x00\xff\x01"), Status: status.JobPending, Attempts: 3,
		NextAttemptAt: base.Add(time.Minute + 1), LeaseOwner: "dispatcher-1", LeaseUntil: base.Add(2*time.Minute + 3),
		LastError: "fcm: 503 Service Unavailable", Sent: 12, Failed: 2, CreatedAt: base,
		UpdatedAt: base.Add(30 * time.Second), ExpiresAt: base.Add(time.Hour), DoneAt: base.Add(3 * time.Minute)}
	// Nothing optional: no tokens, no payload, no times but the next attempt.
	minimal := status.OutboxJob{Kind: status.JobSubscribe, Topic: "candor.all.ko", Status: status.JobPending,
		NextAttemptAt: base}
	// As large as the notifier makes them: 1000 tokens of FCM's usual length.
	rng := rand.New(rand.NewPCG(5, 6))
	large := newJob(status.JobPush, "inc1", "inc1-u3", base)
	large.Tokens = make([]string, 1000)
	for i := range large.Tokens {
		large.Tokens[i] = fmt.Sprintf("%05d:APA91b%s", 1000-i, strings.Repeat("x", 150))
	}
	large.Payload = make([]byte, 4096)
	for i := range large.Payload {
		large.Payload[i] = byte(rng.IntN(256))
	}
	js := []status.OutboxJob{full, minimal, large}
	insertJobs(t, s, js)
	requireAllSet(t, js[0])
	if js[0].ID <= 0 || js[1].ID <= js[0].ID || js[2].ID <= js[1].ID {
		t.Fatalf("InsertJobs set IDs %v, want growing positive ids", jobIDs(js))
	}
	more := []status.OutboxJob{newJob(status.JobPush, "inc2", "inc2-u0", base)}
	insertJobs(t, s, more)
	if more[0].ID <= js[2].ID {
		t.Errorf("InsertJobs in a later transaction set ID %d, want more than %d", more[0].ID, js[2].ID)
	}
	write(t, s, func(tx status.Tx) error { return tx.InsertJobs(nil) })
	all := append(slices.Clone(js), more...)
	check(t, "Jobs round trip", jobs(t, s, status.JobFilter{}), all)

	// A rejected InsertJobs inserts none of its jobs, even when fn goes on and commits.
	noKind, noStatus, noNext := newJob("", "inc3", "u", base), newJob(status.JobPush, "inc3", "u", base), newJob(status.JobPush, "inc3", "u", time.Time{})
	noStatus.Status = ""
	write(t, s, func(tx status.Tx) error {
		for name, batch := range map[string][]status.OutboxJob{
			"without a kind":              {newJob(status.JobPush, "inc3", "u", base), noKind},
			"without a status":            {noStatus},
			"without a next attempt time": {newJob(status.JobPush, "inc3", "u", base), noNext},
		} {
			wantCode(t, "InsertJobs with a job "+name, tx.InsertJobs(batch), status.EINVALID)
		}
		return nil
	})
	check(t, "Jobs after rejected inserts", jobs(t, s, status.JobFilter{}), all)
}

func testClaimJobs(t *testing.T, s status.Store) {
	now := base.Add(time.Hour)
	ago := now.Add(-10 * time.Minute)
	mk := func(st status.JobStatus, next time.Time, owner string, until time.Time) status.OutboxJob {
		j := newJob(status.JobPush, "inc1", "u1", next)
		j.Status, j.LeaseOwner, j.LeaseUntil = st, owner, until
		j.Tokens = []string{fmt.Sprintf("token-for-job-%d", next.Unix())}
		return j
	}
	js := []status.OutboxJob{
		0:  mk(status.JobPending, ago, "", time.Time{}),                      // due
		1:  mk(status.JobPending, now.Add(time.Second), "", time.Time{}),     // not due yet
		2:  mk(status.JobSent, ago, "", time.Time{}),                         // done
		3:  mk(status.JobPending, ago, "other", now.Add(5*time.Minute)),      // leased by a live dispatcher
		4:  mk(status.JobPending, ago, "dead", now.Add(-time.Minute)),        // its dispatcher died
		5:  mk(status.JobPending, now, "", time.Time{}),                      // due exactly now
		6:  mk(status.JobPending, ago, "prev", now),                          // lease ends exactly now
		7:  mk(status.JobFailed, ago, "", time.Time{}),                       // done
		8:  mk(status.JobPending, now.Add(-20*time.Minute), "", time.Time{}), // due earlier, inserted later
		9:  mk(status.JobExpired, ago, "", time.Time{}),                      // done
		10: mk(status.JobSuperseded, ago, "", time.Time{}),                   // done
	}
	insertJobs(t, s, js)

	// Oldest (lowest id) first, up to limit; returned whole, with the lease.
	until := now.Add(time.Minute)
	got := claim(t, s, now, "a", time.Minute, 3)
	check(t, "ClaimJobs(now, a, limit 3)", got, leasedTo(pick(js, 0, 4, 5), "a", until))
	// It changed the lease and nothing else.
	check(t, "jobs after the claim", jobs(t, s, status.JobFilter{}),
		slices.Concat(leasedTo(pick(js, 0), "a", until), pick(js, 1, 2, 3), leasedTo(pick(js, 4, 5), "a", until), js[6:]))
	got = claim(t, s, now, "b", time.Minute, 10)
	check(t, "ClaimJobs(now, b)", got, leasedTo(pick(js, 6, 8), "b", until))
	// A second claimer gets nothing while the leases live and the rest is not due.
	got = claim(t, s, now, "c", time.Minute, 10)
	check(t, "ClaimJobs(now, c)", got, []status.OutboxJob(nil))
	got = claim(t, s, now.Add(59*time.Second), "c", time.Minute, 10)
	check(t, "ClaimJobs(now+59s, c)", got, leasedTo(pick(js, 1), "c", now.Add(119*time.Second)))
	// Leases end at their time: the jobs are claimable again.
	got = claim(t, s, until, "d", time.Minute, 10)
	check(t, "ClaimJobs(now+1m, d)", got, leasedTo(pick(js, 0, 4, 5, 6, 8), "d", until.Add(time.Minute)))
	// Much later every pending job is claimable, and only they.
	later := now.Add(5 * time.Minute)
	got = claim(t, s, later, "e", 90*time.Second, 100)
	check(t, "ClaimJobs(now+5m, e)", got, leasedTo(pick(js, 0, 1, 3, 4, 5, 6, 8), "e", later.Add(90*time.Second)))

	tests := []struct {
		name  string
		now   time.Time
		owner string
		lease time.Duration
		limit int
	}{
		{"without an owner", later, "", time.Minute, 1},
		{"at the zero time", time.Time{}, "f", time.Minute, 1},
		{"with no lease", later, "f", 0, 1},
		{"with a negative lease", later, "f", -time.Minute, 1},
		{"with limit 0", later, "f", time.Minute, 0},
		{"with a negative limit", later, "f", time.Minute, -1},
	}
	for _, tt := range tests {
		err := s.Write(wait(t), func(tx status.Tx) error {
			_, err := tx.ClaimJobs(tt.now, tt.owner, tt.lease, tt.limit)
			return err
		})
		wantCode(t, "ClaimJobs "+tt.name, err, status.EINVALID)
	}
	// Claiming writes: a Read cannot.
	err := s.Read(wait(t), func(tx status.Tx) error {
		_, err := tx.ClaimJobs(now.Add(time.Hour), "f", time.Minute, 10)
		return err
	})
	if err == nil {
		t.Error("ClaimJobs inside Read succeeded, want an error")
	}
	got = claim(t, s, now.Add(time.Hour), "f", time.Minute, 100)
	if want := jobIDs(pick(js, 0, 1, 3, 4, 5, 6, 8)); !slices.Equal(jobIDs(got), want) {
		t.Errorf("ClaimJobs after a Read tried = %v, want %v", jobIDs(got), want)
	}
}

// testClaimJobsConcurrent claims from several goroutines at the same instant: every job is
// handed out exactly once.
func testClaimJobsConcurrent(t *testing.T, s status.Store) {
	const total, workers, batch = 200, 8, 7
	now := base.Add(time.Hour)
	js := make([]status.OutboxJob, total)
	for i := range js {
		js[i] = newJob(status.JobPush, fmt.Sprintf("inc%d", i%5), "u1", now.Add(-time.Duration(i)*time.Second))
	}
	insertJobs(t, s, js)

	ctx := timeout(t, 2*time.Minute)
	var mu sync.Mutex
	owners := map[int64][]string{}
	claimed := 0 // jobs handed out, repeats included
	// record notes the jobs owner got and reports whether to go on.
	record := func(owner string, got []status.OutboxJob) bool {
		mu.Lock()
		defer mu.Unlock()
		claimed += len(got)
		if claimed > total { // a claimer got a job twice; stop rather than loop forever
			t.Errorf("%d jobs handed out so far, but only %d exist", claimed, total)
			return false
		}
		for _, j := range got {
			owners[j.ID] = append(owners[j.ID], owner)
			if j.LeaseOwner != owner {
				t.Errorf("%s got job %d leased to %q", owner, j.ID, j.LeaseOwner)
			}
		}
		return true
	}
	var wg sync.WaitGroup
	for w := range workers {
		owner := fmt.Sprintf("dispatcher-%d", w)
		wg.Go(func() {
			for {
				var got []status.OutboxJob
				err := s.Write(ctx, func(tx status.Tx) error {
					var err error
					got, err = tx.ClaimJobs(now, owner, time.Minute, batch)
					return err
				})
				if err != nil {
					t.Errorf("%s: ClaimJobs: %v", owner, err)
					return
				}
				if len(got) > batch {
					t.Errorf("%s: ClaimJobs returned %d jobs, limit %d", owner, len(got), batch)
				}
				if len(got) == 0 || !record(owner, got) {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, j := range js {
		if o := owners[j.ID]; len(o) != 1 {
			t.Errorf("job %d was claimed by %v, want exactly one claimer", j.ID, o)
		}
	}
	if len(owners) != total {
		t.Errorf("%d distinct jobs claimed, want %d", len(owners), total)
	}
}

func testSaveJob(t *testing.T, s status.Store) {
	now := base.Add(time.Hour)
	j := newJob(status.JobPush, "inc1", "u1", now)
	j.Condition, j.Tokens = "", []string{"tok-1-000000000000000", "tok-2-000000000000000", "tok-3-000000000000000"}
	other := newJob(status.JobSubscribe, "", "", now)
	other.Topic, other.Tokens = "candor.all.ko", []string{"tok-9-000000000000000"}
	js := []status.OutboxJob{j, other}
	insertJobs(t, s, js)
	j, other = js[0], js[1]

	// A retry: one token delivered, the others later.
	claimed := claim(t, s, now, "a", time.Minute, 1)
	if len(claimed) != 1 || claimed[0].ID != j.ID {
		t.Fatalf("ClaimJobs = %v, want job %d", jobIDs(claimed), j.ID)
	}
	retry := claimed[0]
	retry.Attempts, retry.NextAttemptAt, retry.LeaseOwner, retry.LeaseUntil = 1, now.Add(30*time.Second+7), "", time.Time{}
	retry.LastError, retry.Tokens, retry.Sent, retry.UpdatedAt = "fcm: UNAVAILABLE", j.Tokens[1:], 1, now.Add(time.Second)
	write(t, s, func(tx status.Tx) error { return tx.SaveJob(&retry, "a") })
	check(t, "Jobs after saving a retry", jobs(t, s, status.JobFilter{}), []status.OutboxJob{retry, other})
	if got := claim(t, s, now.Add(29*time.Second), "b", time.Minute, 1); len(got) != 1 || got[0].ID != other.ID {
		t.Errorf("ClaimJobs before the retry is due = %v, want only job %d", jobIDs(got), other.ID)
	}
	claimed = claim(t, s, now.Add(31*time.Second), "b", time.Minute, 1)
	check(t, "ClaimJobs when the retry is due", claimed, leasedTo([]status.OutboxJob{retry}, "b", now.Add(91*time.Second)))

	// Done. SaveJob stores only the progress fields: changes to the others are ignored.
	done := claimed[0]
	done.Status, done.Attempts, done.LeaseOwner, done.LeaseUntil = status.JobSent, 2, "", time.Time{}
	done.LastError, done.Tokens, done.Sent, done.Failed = "", nil, 2, 1
	done.UpdatedAt, done.DoneAt = now.Add(32*time.Second), now.Add(32*time.Second)
	arg := done
	arg.Kind, arg.IncidentID, arg.UpdateID, arg.Event, arg.Lang = status.JobUnsubscribe, "inc9", "u9", "resolved", "en"
	arg.Condition, arg.Topic, arg.Payload = "'x' in topics", "x", []byte("other")
	arg.CreatedAt, arg.ExpiresAt = now.Add(time.Hour), now.Add(2*time.Hour)
	write(t, s, func(tx status.Tx) error { return tx.SaveJob(&arg, "b") })
	othersClaimed := leasedTo([]status.OutboxJob{other}, "b", now.Add(89*time.Second))
	check(t, "Jobs after saving the job done", jobs(t, s, status.JobFilter{}), append([]status.OutboxJob{done}, othersClaimed...))
	if got := claim(t, s, now.Add(time.Hour), "c", time.Minute, 10); len(got) != 1 || got[0].ID != other.ID {
		t.Errorf("ClaimJobs after the job was done = %v, want only job %d", jobIDs(got), other.ID)
	}

	missing := done
	missing.ID = done.ID + other.ID + 1000
	noStatus, noNext := done, done
	noStatus.Status, noNext.NextAttemptAt = "", time.Time{}
	tests := []struct {
		name string
		job  *status.OutboxJob
		code string
	}{
		{"unknown id", &missing, status.ENOTFOUND},
		{"without a status", &noStatus, status.EINVALID},
		{"without a next attempt time", &noNext, status.EINVALID},
	}
	for _, tt := range tests {
		wantCode(t, "SaveJob "+tt.name, s.Write(wait(t), func(tx status.Tx) error { return tx.SaveJob(tt.job, "") }), tt.code)
	}
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Jobs(status.JobFilter{Status: status.JobSent})
		check(t, "sent job after rejected saves", got, []status.OutboxJob{done})
		return err
	})
}

func testJobsFilter(t *testing.T, s status.Store) {
	st := func(j status.OutboxJob, s status.JobStatus) status.OutboxJob { j.Status = s; return j }
	js := []status.OutboxJob{
		0: newJob(status.JobPush, "inc1", "u1", base),
		1: st(newJob(status.JobPush, "inc1", "u1", base), status.JobSent),
		2: newJob(status.JobPush, "inc2", "u1", base),
		3: newJob(status.JobSubscribe, "", "", base),
		4: st(newJob(status.JobPush, "inc1", "u2", base), status.JobFailed),
		5: newJob(status.JobPush, "inc1", "u2", base.Add(-time.Hour)), // created earlier, inserted later
	}
	insertJobs(t, s, js)
	tests := []struct {
		name string
		f    status.JobFilter
		want []int
	}{
		{"all", status.JobFilter{}, []int{0, 1, 2, 3, 4, 5}},
		{"by incident", status.JobFilter{IncidentID: "inc1"}, []int{0, 1, 4, 5}},
		{"by status", status.JobFilter{Status: status.JobPending}, []int{0, 2, 3, 5}},
		{"by incident and status", status.JobFilter{IncidentID: "inc1", Status: status.JobPending}, []int{0, 5}},
		{"limit", status.JobFilter{Limit: 2}, []int{0, 1}},
		{"by incident with limit", status.JobFilter{IncidentID: "inc1", Limit: 3}, []int{0, 1, 4}},
		{"unknown incident", status.JobFilter{IncidentID: "nope"}, nil},
		{"status without jobs", status.JobFilter{Status: status.JobExpired}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, fmt.Sprintf("Jobs(%+v)", tt.f), jobs(t, s, tt.f), pick(js, tt.want...))
		})
	}
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Jobs(status.JobFilter{Limit: -1})
		wantCode(t, "Jobs with a negative limit", err, status.EINVALID)
		return nil
	})
}

func testSupersedeJobs(t *testing.T, s status.Store) {
	now := base.Add(time.Hour)
	mk := func(kind status.JobKind, inc, upd string, st status.JobStatus) status.OutboxJob {
		j := newJob(kind, inc, upd, base)
		j.Status = st
		return j
	}
	leased := mk(status.JobPush, "inc1", "u1", status.JobPending)
	leased.LeaseOwner, leased.LeaseUntil = "dispatcher-1", now.Add(time.Minute)
	js := []status.OutboxJob{
		0: mk(status.JobPush, "inc1", "u1", status.JobPending),      // superseded
		1: leased,                                                   // superseded, lease cleared
		2: mk(status.JobPush, "inc1", "u2", status.JobPending),      // the kept update
		3: mk(status.JobPush, "inc1", "u1", status.JobSent),         // already done
		4: mk(status.JobSubscribe, "inc1", "u1", status.JobPending), // not a push
		5: mk(status.JobPush, "inc2", "u1", status.JobPending),      // another incident
		6: mk(status.JobPush, "inc1", "u0", status.JobFailed),       // already done
		7: mk(status.JobPush, "inc1", "u0", status.JobPending),      // superseded
	}
	insertJobs(t, s, js)
	var n int
	write(t, s, func(tx status.Tx) error {
		var err error
		n, err = tx.SupersedeJobs("inc1", "u2", now)
		return err
	})
	if n != 3 {
		t.Errorf("SupersedeJobs = %d, want 3", n)
	}
	want := slices.Clone(js)
	for _, i := range []int{0, 1, 7} {
		want[i].Status, want[i].DoneAt, want[i].UpdatedAt = status.JobSuperseded, now, now
		want[i].LeaseOwner, want[i].LeaseUntil = "", time.Time{}
	}
	check(t, "Jobs after SupersedeJobs", jobs(t, s, status.JobFilter{}), want)
	// The dispatcher sending the leased one learns it was superseded, not that it lost
	// its lease to another, and overwrites nothing.
	inFlight := js[1]
	inFlight.ID = want[1].ID
	inFlight.Sent, inFlight.UpdatedAt = 7, now
	err := s.Write(wait(t), func(tx status.Tx) error { return tx.SaveJob(&inFlight, "dispatcher-1") })
	if status.ErrorCode(err) != status.ECONFLICT || status.JobConflictStatus(err) != status.JobSuperseded {
		t.Errorf("SaveJob of a superseded job = %v, want ECONFLICT with status superseded", err)
	}
	check(t, "Jobs after saving a superseded job", jobs(t, s, status.JobFilter{}), want)
	write(t, s, func(tx status.Tx) error {
		n, err := tx.SupersedeJobs("inc1", "u2", now.Add(time.Minute))
		if n != 0 {
			t.Errorf("SupersedeJobs again = %d, want 0", n)
		}
		return err
	})
	check(t, "Jobs after SupersedeJobs again", jobs(t, s, status.JobFilter{}), want)
	// Superseded jobs are never claimed.
	if got := claim(t, s, now.Add(time.Hour), "a", time.Minute, 100); !slices.Equal(jobIDs(got), jobIDs(pick(js, 2, 4, 5))) {
		t.Errorf("ClaimJobs after SupersedeJobs = %v, want %v", jobIDs(got), jobIDs(pick(js, 2, 4, 5)))
	}
	for name, fn := range map[string]func(tx status.Tx) error{
		"without an incident": func(tx status.Tx) error { _, err := tx.SupersedeJobs("", "u2", now); return err },
		"at the zero time":    func(tx status.Tx) error { _, err := tx.SupersedeJobs("inc2", "u2", time.Time{}); return err },
	} {
		wantCode(t, "SupersedeJobs "+name, s.Write(wait(t), fn), status.EINVALID)
	}
}

func testNextJobDue(t *testing.T, s status.Store) {
	next := func(what string, wantOK bool, want time.Time) {
		t.Helper()
		read(t, s, func(tx status.Tx) error {
			at, ok, err := tx.NextJobDue()
			if ok != wantOK {
				t.Errorf("NextJobDue %s: ok = %v, want %v", what, ok, wantOK)
			}
			check(t, "NextJobDue "+what, at, want)
			return err
		})
	}
	next("of an empty store", false, time.Time{})
	done := newJob(status.JobPush, "inc1", "u1", base)
	done.Status = status.JobSent
	failed := newJob(status.JobPush, "inc1", "u1", base.Add(-time.Hour))
	failed.Status, failed.LeaseUntil = status.JobFailed, base.Add(-time.Hour)
	insertJobs(t, s, []status.OutboxJob{done, failed})
	next("with only finished jobs", false, time.Time{})

	at := func(next, leaseUntil time.Time) status.OutboxJob {
		j := newJob(status.JobPush, "inc1", "u1", next)
		if !leaseUntil.IsZero() {
			j.LeaseOwner, j.LeaseUntil = "d", leaseUntil
		}
		return j
	}
	steps := []struct {
		what string
		job  status.OutboxJob
		want time.Time
	}{
		{"of one job: its next attempt", at(base.Add(10*time.Minute), time.Time{}), base.Add(10 * time.Minute)},
		{"ignoring an earlier job leased until later", at(base.Add(5*time.Minute), base.Add(20*time.Minute)), base.Add(10 * time.Minute)},
		{"of a job whose lease ended before its next attempt", at(base.Add(7*time.Minute), base.Add(3*time.Minute)), base.Add(7 * time.Minute)},
		{"of a job whose lease ends after its next attempt: the lease end", at(base.Add(time.Minute), base.Add(4*time.Minute)), base.Add(4 * time.Minute)},
	}
	for _, st := range steps {
		insertJobs(t, s, []status.OutboxJob{st.job})
		next(st.what, true, st.want)
	}
	// Claiming moves jobs to their lease end.
	if got := claim(t, s, base.Add(10*time.Minute), "a", time.Hour, 10); len(got) != 3 {
		t.Fatalf("ClaimJobs = %v, want 3 jobs", jobIDs(got))
	}
	next("after a claim: the earliest lease end", true, base.Add(20*time.Minute))
}

// testSaveJobAfterLeaseLost: a dispatcher that outlived its lease, whose job another claimed
// and finished meanwhile, cannot overwrite that job's progress with its own.
func testSaveJobAfterLeaseLost(t *testing.T, s status.Store) {
	now := base.Add(time.Hour)
	j := newJob(status.JobPush, "inc1", "u1", now)
	j.Condition, j.Tokens = "", []string{"tok-1-000000000000000", "tok-2-000000000000000"}
	js := []status.OutboxJob{j}
	insertJobs(t, s, js)

	slow := claim(t, s, now, "slow", time.Minute, 1)
	fast := claim(t, s, now.Add(2*time.Minute), "fast", time.Minute, 1) // the slow one's lease ran out
	if len(slow) != 1 || len(fast) != 1 || fast[0].ID != slow[0].ID {
		t.Fatalf("claims: slow %v, fast %v; want the same job twice", jobIDs(slow), jobIDs(fast))
	}
	done := fast[0]
	done.Status, done.Attempts, done.LeaseOwner, done.LeaseUntil = status.JobSent, 1, "", time.Time{}
	done.Tokens, done.Sent, done.UpdatedAt, done.DoneAt = nil, 2, now.Add(2*time.Minute+time.Second), now.Add(2*time.Minute+time.Second)
	write(t, s, func(tx status.Tx) error { return tx.SaveJob(&done, "fast") })

	late := slow[0]
	late.Attempts, late.NextAttemptAt, late.LeaseOwner, late.LeaseUntil = 1, now.Add(3*time.Minute), "", time.Time{}
	late.LastError, late.Tokens, late.UpdatedAt = "fcm: UNAVAILABLE", j.Tokens[1:], now.Add(3*time.Minute)
	wantCode(t, "SaveJob by the dispatcher that lost its lease",
		s.Write(wait(t), func(tx status.Tx) error { return tx.SaveJob(&late, "slow") }), status.ECONFLICT)
	check(t, "job after the refused save", jobs(t, s, status.JobFilter{}), []status.OutboxJob{done})
	// Saving again by the owner that finished it is refused too: its lease ended with the save.
	wantCode(t, "SaveJob by an owner whose lease was cleared",
		s.Write(wait(t), func(tx status.Tx) error { return tx.SaveJob(&done, "fast") }), status.ECONFLICT)
}

func testJobBacklog(t *testing.T, s status.Store) {
	backlog := func() []status.JobBacklog {
		t.Helper()
		var b []status.JobBacklog
		read(t, s, func(tx status.Tx) error {
			var err error
			b, err = tx.JobBacklog()
			return err
		})
		return b
	}
	check(t, "JobBacklog of an empty store", backlog(), []status.JobBacklog(nil))
	oldPush := newJob(status.JobPush, "inc1", "u1", base.Add(-time.Hour))
	oldPush.LeaseOwner, oldPush.LeaseUntil = "d", base.Add(time.Minute) // claimed: still owed
	later := newJob(status.JobPush, "inc1", "u2", base.Add(time.Hour))  // retrying later: still owed
	sent := newJob(status.JobPush, "inc1", "u0", base.Add(-2*time.Hour))
	sent.Status = status.JobSent
	sub := newJob(status.JobSubscribe, "", "", base)
	insertJobs(t, s, []status.OutboxJob{oldPush, later, sent, sub})
	check(t, "JobBacklog", backlog(), []status.JobBacklog{
		{Kind: status.JobPush, Pending: 2, Oldest: stored(base.Add(-time.Hour))},
		{Kind: status.JobSubscribe, Pending: 1, Oldest: stored(base)},
	})
}

// testExtendLeases: a dispatcher's heartbeat moves the lease of its own pending jobs only.
func testExtendLeases(t *testing.T, s status.Store) {
	now := base.Add(time.Hour).Truncate(time.Microsecond) // what stores keep
	js := []status.OutboxJob{
		newJob(status.JobPush, "inc1", "u1", now), // leased to a, extended
		newJob(status.JobPush, "inc1", "u1", now), // leased to a, then finished: left alone
		newJob(status.JobPush, "inc1", "u1", now), // leased to b: left alone
		newJob(status.JobPush, "inc1", "u1", now), // not in ids: left alone
	}
	insertJobs(t, s, js)
	mine := claim(t, s, now, "a", time.Minute, 2)
	theirs := claim(t, s, now, "b", time.Minute, 1)
	if len(mine) != 2 || len(theirs) != 1 {
		t.Fatalf("claims %v %v", jobIDs(mine), jobIDs(theirs))
	}
	done := mine[1]
	done.Status, done.DoneAt, done.LeaseOwner, done.LeaseUntil = status.JobSent, now, "", time.Time{}
	write(t, s, func(tx status.Tx) error { return tx.SaveJob(&done, "a") })
	until := now.Add(10 * time.Minute)
	write(t, s, func(tx status.Tx) error {
		n, err := tx.ExtendLeases("a", []int64{mine[0].ID, mine[1].ID, theirs[0].ID}, until)
		if n != 1 {
			t.Errorf("ExtendLeases = %d, want 1", n)
		}
		return err
	})
	got := jobs(t, s, status.JobFilter{})
	if !got[0].LeaseUntil.Equal(until) || got[0].LeaseOwner != "a" {
		t.Errorf("extended job: %+v", got[0])
	}
	if !got[2].LeaseUntil.Equal(now.Add(time.Minute)) || got[2].LeaseOwner != "b" || !got[1].LeaseUntil.IsZero() || !got[3].LeaseUntil.IsZero() {
		t.Errorf("jobs not to extend were changed: %+v", got[1:])
	}
	write(t, s, func(tx status.Tx) error {
		n, err := tx.ExtendLeases("a", nil, until)
		if n != 0 {
			t.Errorf("ExtendLeases of no ids = %d", n)
		}
		return err
	})
	for name, fn := range map[string]func(tx status.Tx) error{
		"without an owner": func(tx status.Tx) error { _, err := tx.ExtendLeases("", []int64{1}, until); return err },
		"at the zero time": func(tx status.Tx) error { _, err := tx.ExtendLeases("a", []int64{1}, time.Time{}); return err },
	} {
		wantCode(t, "ExtendLeases "+name, s.Write(wait(t), fn), status.EINVALID)
	}
}

func testDeleteJobsBefore(t *testing.T, s status.Store) {
	now := base.Add(40 * 24 * time.Hour)
	cut := now.Add(-30 * 24 * time.Hour)
	mk := func(kind status.JobKind, st status.JobStatus, done time.Time) status.OutboxJob {
		j := newJob(kind, "inc1", "u1", base)
		j.Status, j.DoneAt = st, done
		return j
	}
	js := []status.OutboxJob{
		0: mk(status.JobPush, status.JobSent, cut.Add(-time.Hour)),        // old: goes
		1: mk(status.JobPush, status.JobPending, time.Time{}),             // pending, however old: stays
		2: mk(status.JobEmail, status.JobSuperseded, cut.Add(-time.Hour)), // old, with deliveries: goes with them
		3: mk(status.JobPush, status.JobFailed, cut),                      // exactly at the cut: stays
		4: mk(status.JobPush, status.JobSent, cut.Add(time.Hour)),         // recent: stays
		5: mk(status.JobPush, status.JobExpired, cut.Add(-2*time.Hour)),   // old: goes
	}
	insertJobs(t, s, js)
	putSubscribers(t, s, newSubscriber("sub-j", "jo@example.com", "ko", true, "*"))
	write(t, s, func(tx status.Tx) error {
		return tx.RecordEmailDeliveries([]status.EmailDelivery{{JobID: js[2].ID, SubscriberID: "sub-j", Status: status.DeliverySent, At: base}})
	})

	write(t, s, func(tx status.Tx) error {
		_, err := tx.DeleteJobsBefore(cut, 0)
		wantCode(t, "DeleteJobsBefore(limit 0)", err, status.EINVALID)
		// Oldest first, up to the limit.
		n, err := tx.DeleteJobsBefore(cut, 1)
		check(t, "DeleteJobsBefore(limit 1)", n, 1)
		return err
	})
	check(t, "jobs after one", jobIDs(jobs(t, s, status.JobFilter{})), jobIDs(pick(js, 1, 2, 3, 4, 5)))
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteJobsBefore(cut, 100)
		check(t, "DeleteJobsBefore(limit 100)", n, 2)
		return err
	})
	check(t, "jobs left", jobIDs(jobs(t, s, status.JobFilter{})), jobIDs(pick(js, 1, 3, 4)))
	read(t, s, func(tx status.Tx) error {
		ds, err := tx.EmailDeliveries(js[2].ID)
		check(t, "deliveries of a deleted job", len(ds), 0)
		return err
	})
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteJobsBefore(cut, 100)
		check(t, "DeleteJobsBefore again", n, 0)
		return err
	})
}
