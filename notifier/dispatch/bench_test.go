package dispatch_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/status"
)

// heapPeak samples the heap every 20ms and keeps the largest HeapAlloc since the last reset.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Go(func() {
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > h.peak.Load() {
				h.peak.Store(ms.HeapAlloc)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	})
	return h
}

func (h *heapPeak) reset() { runtime.GC(); h.peak.Store(0) }
func (h *heapPeak) mib() float64 {
	return float64(h.peak.Load()) / (1 << 20)
}
func (h *heapPeak) close() { close(h.stop); h.wg.Wait() }

// BenchmarkDispatch100kTokens sends 200 jobs of 500 tokens through the dispatcher (in-memory
// queue, real fcm.Sender, fcmfake not recording bodies), then the same 100 000 messages
// through fcm.Sender.Send directly, and reports both rates, their ratio (1.0: the
// dispatcher costs nothing over the Sender) and each phase's peak heap (client and fake
// together, one process). Run with:
//
//	go test -run '^$' -bench Dispatch100k -benchtime 1x ./notifier/dispatch
func BenchmarkDispatch100kTokens(b *testing.B) {
	const jobs, per, total = 200, 500, 200 * 500
	fake, sender := setupFCM(b)
	fake.RecordBodies(false)
	pl := payload(b)
	base, err := notifier.DecodePayload(pl)
	if err != nil {
		b.Fatal(err)
	}
	all := make([][]string, jobs)
	msgs := make([]notifier.Message, 0, total)
	for i := range all {
		all[i] = make([]string, per)
		for k := range all[i] {
			all[i][k] = fmt.Sprintf("bench-%03d-token-%05d", i, k)
			m := base
			m.Token = all[i][k]
			msgs = append(msgs, m)
		}
	}
	ctx := context.Background()
	if _, err := sender.Send(ctx, msgs[:per]); err != nil { // warm the connection pool
		b.Fatal(err)
	}
	heap := startHeapPeak()
	defer heap.close()
	var viaDispatcher, direct time.Duration
	var peakDispatch, peakDirect float64

	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		q := newMemQueue()
		for _, toks := range all {
			q.add(status.OutboxJob{Kind: status.JobPush, Tokens: toks, Payload: pl})
		}
		d := dispatch.New(dispatch.Config{Sender: sender, Queue: q, Log: discard()})
		fake.Reset()
		heap.reset()
		b.StartTimer()

		start := time.Now()
		n, err := d.Drain(ctx)
		viaDispatcher += time.Since(start)
		if err != nil || n != jobs || fake.Accepted() != total || d.Stats().JobsSent != jobs {
			b.Fatalf("drain: %d jobs, %v; accepted %d; %+v", n, err, fake.Accepted(), d.Stats())
		}
		peakDispatch = max(peakDispatch, heap.mib())

		b.StopTimer()
		fake.Reset()
		heap.reset()
		b.StartTimer()
		start = time.Now()
		res, err := sender.Send(ctx, msgs)
		direct += time.Since(start)
		if err != nil || fake.Accepted() != total || res[total-1].Class != notifier.ClassNone {
			b.Fatalf("direct send: %v, accepted %d", err, fake.Accepted())
		}
		peakDirect = max(peakDirect, heap.mib())
	}
	b.StopTimer()
	sent := float64(total * b.N)
	b.ReportMetric(sent/viaDispatcher.Seconds(), "msgs/s")
	b.ReportMetric(sent/direct.Seconds(), "direct-msgs/s")
	b.ReportMetric(direct.Seconds()/viaDispatcher.Seconds(), "dispatch/direct")
	b.ReportMetric(peakDispatch, "peak-heap-MiB")
	b.ReportMetric(peakDirect, "direct-peak-heap-MiB")
}
