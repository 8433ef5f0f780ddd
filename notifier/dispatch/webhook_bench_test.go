package dispatch_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// BenchmarkWebhookFanout10k: one incident update to 10 000 endpoints served by a local
// receiver — planning in the write transaction, then the dispatcher's Run sending them all.
// Reports the write (plan) time, the time until all are delivered, deliveries per second
// and the peak heap while delivering.
//
//	go test -run '^$' -bench WebhookFanout10k -benchtime 1x ./notifier/dispatch/
func BenchmarkWebhookFanout10k(b *testing.B) {
	const n = 10000
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		st, err := sqlite.Open(ctx, b.TempDir()+"/candor.db")
		if err != nil {
			b.Fatal(err)
		}
		svc := status.NewService(st, status.SystemClock{}, nil)
		bl := snapshot.NewBuilder(snapshot.Config{PageID: "p", PageName: lang.Same("Candor"), PublicURL: "https://status.example.com"}, st, nil)
		guard := webhook.Guard{AllowPrivate: true}
		svc.SetWebhooks(&webhook.Planner{Builder: bl}, nil)
		if _, err := svc.CreateComponent(ctx, hookOp, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
			b.Fatal(err)
		}
		inc, err := svc.CreateIncident(ctx, hookOp, status.IncidentInput{Title: lang.Same("API down"), Message: lang.Same("Looking."),
			Components: map[string]status.ComponentStatus{"api": status.MajorOutage}})
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now().UTC()
		if err := st.Write(ctx, func(tx status.Tx) error {
			for i := range n {
				e := &status.WebhookEndpoint{ID: fmt.Sprintf("wh%05d", i), URL: fmt.Sprintf("%s/e/%d", srv.URL, i),
					Components: []string{"*"}, Events: []status.WebhookEvent{status.EventIncidentUpdated}, Lang: []string{"ko", "en"}[i%2],
					Format: status.WebhookFormats[i%3], Secret: status.NewWebhookSecret(), CreatedAt: now, UpdatedAt: now}
				if err := tx.PutWebhookEndpoint(e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		d := dispatch.NewWebhookDispatcher(dispatch.WebhookConfig{Store: st, Guard: guard, Log: slog.New(slog.DiscardHandler)})
		got.Store(0)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}()

		b.StartTimer()
		start := time.Now()
		if _, err := svc.PostUpdate(ctx, hookOp, inc.ID, status.UpdateInput{Message: lang.Same("Still looking.")}); err != nil {
			b.Fatal(err)
		}
		planned := time.Since(start)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { d.Run(runCtx); close(done) }()
		for got.Load() < n {
			time.Sleep(time.Millisecond)
		}
		all := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		close(stop)
		if got.Load() != n {
			b.Fatalf("receiver got %d of %d", got.Load(), n)
		}
		b.ReportMetric(planned.Seconds(), "plan-s")
		b.ReportMetric(all.Seconds(), "all-delivered-s")
		b.ReportMetric(float64(n)/all.Seconds(), "deliveries/s")
		b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/(1<<20), "peak-heap-MiB")
		st.Close()
	}
}
