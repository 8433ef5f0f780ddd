// Package periodic owns every periodic job on one robfig/cron scheduler: each run is recovered
// from panics, skipped while the previous run of the same job is still going, and guarded
// by a lock so that with several replicas each job runs on one of them at a time.
package periodic

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Locker lets one replica at a time run a job. TryLock returns ok=false when another
// replica holds the lock; unlock releases it.
type Locker interface {
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}

// LocalLocker is the Locker for a single process (the embedded SQLite deployment).
type LocalLocker struct{}

// TryLock always succeeds: SkipIfRunning already keeps one process from overlapping itself.
func (LocalLocker) TryLock(context.Context, string) (func(), bool, error) {
	return func() {}, true, nil
}

// Status is what GET /api/v1/jobs shows about one job.
type Status struct {
	Name         string
	Schedule     string
	LastStart    time.Time
	LastDuration time.Duration
	LastError    string
	Runs         int
	Failures     int
	Skipped      int // runs skipped because the previous one was still going or another replica held the lock
	Running      bool
	Next         time.Time
}

type job struct {
	name, spec string
	fn         func(context.Context) error
	id         cron.EntryID
	timeout    time.Duration
	hold       time.Duration // the least time a run keeps its lock (see run)

	mu      sync.Mutex
	running bool
	st      Status
}

// Scheduler runs the jobs.
type Scheduler struct {
	cron   *cron.Cron
	log    *slog.Logger
	locker Locker

	mu   sync.Mutex
	jobs []*job
	ctx  context.Context
}

// specParser reads specs with a seconds field, as the scheduler's cron does.
var specParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// maxLockHold caps how long a quick run keeps its lock after it ends.
const maxLockHold = 5 * time.Second

// lockHold is the least time a run of a job on sched keeps its lock: half the gap between
// two runs, at most maxLockHold. Every replica fires on the same tick, their clocks a
// little apart; a replica that tries the lock after a quick run on another has already
// ended must still find it held, or the job would run once per replica per tick.
func lockHold(sched cron.Schedule, now time.Time) time.Duration {
	first := sched.Next(now)
	return min(sched.Next(first).Sub(first)/2, maxLockHold)
}

// New returns a Scheduler; specs have a seconds field ("*/15 * * * * *").
func New(log *slog.Logger, locker Locker) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if locker == nil {
		locker = LocalLocker{}
	}
	return &Scheduler{cron: cron.New(cron.WithSeconds()), log: log, locker: locker, ctx: context.Background()}
}

// Add registers a job. timeout bounds one run (0: one minute).
func (s *Scheduler) Add(name, spec string, timeout time.Duration, fn func(context.Context) error) error {
	if timeout <= 0 {
		timeout = time.Minute
	}
	sched, err := specParser.Parse(spec)
	if err != nil {
		return fmt.Errorf("schedule job %s (%q): %w", name, spec, err)
	}
	j := &job{name: name, spec: spec, fn: fn, timeout: timeout, hold: lockHold(sched, time.Now()),
		st: Status{Name: name, Schedule: spec}}
	id := s.cron.Schedule(sched, cron.FuncJob(func() { s.run(j) }))
	j.id = id
	s.mu.Lock()
	s.jobs = append(s.jobs, j)
	s.mu.Unlock()
	return nil
}

// Start runs the scheduler until Stop; jobs get contexts derived from ctx.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	s.cron.Start()
}

// Stop stops scheduling and waits for running jobs to finish.
func (s *Scheduler) Stop() { <-s.cron.Stop().Done() }

// RunNow runs a job immediately (on the caller's goroutine), with the same guards as a
// scheduled run. Tests and start-up catch-up use it.
func (s *Scheduler) RunNow(name string) error {
	s.mu.Lock()
	i := slices.IndexFunc(s.jobs, func(j *job) bool { return j.name == name })
	s.mu.Unlock()
	if i < 0 {
		return fmt.Errorf("no job named %q", name)
	}
	return s.run(s.jobs[i])
}

func (s *Scheduler) run(j *job) (err error) {
	j.mu.Lock()
	if j.running {
		j.st.Skipped++
		j.mu.Unlock()
		s.log.Warn("job still running; skipping this run", "job", j.name)
		return nil
	}
	j.running = true
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.running = false
		j.mu.Unlock()
	}()

	s.mu.Lock()
	parent := s.ctx
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(parent, j.timeout)
	defer cancel()
	unlock, ok, lerr := s.locker.TryLock(ctx, j.name)
	if lerr != nil || !ok {
		j.mu.Lock()
		j.st.Skipped++
		j.mu.Unlock()
		if lerr != nil {
			s.log.Warn("job lock failed", "job", j.name, "err", lerr)
		}
		return lerr
	}
	start := time.Now()
	defer func() {
		if rest := j.hold - time.Since(start); rest > 0 {
			time.AfterFunc(rest, unlock) // see lockHold
			return
		}
		unlock()
	}()

	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			s.log.Error("job panicked", "job", j.name, "panic", r, "stack", string(debug.Stack()))
		}
		d := time.Since(start)
		j.mu.Lock()
		j.st.LastStart, j.st.LastDuration = start, d
		j.st.Runs++
		j.st.LastError = ""
		if err != nil {
			j.st.Failures++
			j.st.LastError = err.Error()
		}
		j.mu.Unlock()
		if err != nil {
			s.log.Error("job failed", "job", j.name, "err", err, "took", d)
		}
	}()
	return j.fn(ctx)
}

// Statuses reports every job, in the order they were added.
func (s *Scheduler) Statuses() []Status {
	s.mu.Lock()
	jobs := slices.Clone(s.jobs)
	s.mu.Unlock()
	out := make([]Status, 0, len(jobs))
	for _, j := range jobs {
		j.mu.Lock()
		st := j.st
		st.Running = j.running
		j.mu.Unlock()
		st.Next = s.cron.Entry(j.id).Next
		out = append(out, st)
	}
	return out
}
