package fcm_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier"
)

// BenchmarkSend100k sends 100 000 token messages through the real SDK to the fake (bodies
// not recorded) and reports throughput and the peak heap of the whole process (client and
// fake together) sampled during the send. Run with:
//
//	go test -run '^$' -bench Send100k -benchtime 1x ./notifier/fcm
func BenchmarkSend100k(b *testing.B) {
	const n = 100_000
	fake, s := setup(b)
	fake.RecordBodies(false)
	template := tokenMsg("")
	msgs := make([]notifier.Message, n)
	for i := range msgs {
		msgs[i] = template
		msgs[i].Token = fmt.Sprintf("bench-token-%08d", i)
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		fake.Reset()
		res, err := s.Send(context.Background(), msgs)
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range res {
			if r.Class != notifier.ClassNone {
				b.Fatalf("message %d: %v", i, r.Err)
			}
		}
		if fake.Accepted() != n {
			b.Fatalf("fake accepted %d of %d", fake.Accepted(), n)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "base-heap-MiB")
}
