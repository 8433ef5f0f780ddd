package probe

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/candorstatus/candor/status"
)

// Runner runs the probes that are due: the probes job calls Run every few seconds.
type Runner struct {
	Service *status.Service
	Checker *Checker
	Log     *slog.Logger
	// Concurrency bounds the checks in flight (0: 128); Batch the probes claimed per run
	// (0: 10 000).
	Concurrency int
	Batch       int
}

// Run claims the due probes (so no other replica runs them this interval), checks them
// concurrently and records every result in one transaction. When ctx ends first (the
// server is stopping) nothing is recorded: a check cut short says nothing about its target.
func (r *Runner) Run(ctx context.Context) error {
	batch, conc := r.Batch, r.Concurrency
	if batch <= 0 {
		batch = 10000
	}
	if conc <= 0 {
		conc = 128
	}
	checker := r.Checker
	if checker == nil {
		checker = &Checker{}
	}
	due, err := r.Service.ClaimProbes(ctx, batch)
	if err != nil || len(due) == 0 {
		return err
	}
	results := make([]status.ProbeResult, len(due))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = checker.Check(ctx, due[i])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("probes cut short: %w", err)
	}
	n, err := r.Service.RecordProbeResults(ctx, results)
	if err != nil {
		return err
	}
	if n > 0 && r.Log != nil {
		r.Log.Info("probes changed state", "probes", n)
	}
	return nil
}
