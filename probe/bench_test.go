//go:build linux

package probe_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/probe"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// targetEnv makes the test binary serve as the probes' target instead of running tests, so
// the benchmark measures Candor's process alone.
const targetEnv = "CANDOR_PROBE_BENCH_TARGET"

func TestMain(m *testing.M) {
	if os.Getenv(targetEnv) != "" {
		serveTarget()
		return
	}
	os.Exit(m.Run())
}

func serveTarget() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"status": "ok"}`)) }))
}

// BenchmarkProbes1000 runs 1 000 HTTP probes every 15 s on the real scheduler, SQLite store
// and checker for CANDOR_BENCH_DURATION (default 60s) against a target in another process,
// and reports the CPU this process used (as a share of one core and of all cores), its
// peak heap and RSS, and the checks recorded. Run it with -benchtime 1x:
//
//	go test -run '^$' -bench Probes1000 -benchtime 1x ./probe/
func BenchmarkProbes1000(b *testing.B) {
	dur := time.Minute
	if v := os.Getenv("CANDOR_BENCH_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		dur = d
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), targetEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	url := "http://" + strings.TrimSpace(addr) + "/healthz"

	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir()+"/candor.db")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := status.NewService(store, status.SystemClock{}, nil)
	op := status.Op{Actor: status.System}
	for c := range 20 {
		comp := fmt.Sprintf("c%02d", c)
		if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: comp, Name: lang.Same(comp)}); err != nil {
			b.Fatal(err)
		}
		for range 50 {
			if _, err := svc.CreateProbe(ctx, op, comp, status.ProbeInput{Kind: status.ProbeHTTP, Target: url, BodyContains: "ok",
				Interval: 15 * time.Second, Timeout: 5 * time.Second}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		runtime.GC()
		sched := periodic.New(nil, nil)
		runner := &probe.Runner{Service: svc, Checker: &probe.Checker{}}
		if err := periodic.AddProbes(sched, svc, runner.Run); err != nil {
			b.Fatal(err)
		}
		var before syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		start := time.Now()
		sched.Start(ctx)
		var peakHeap uint64
		for end := start.Add(dur); time.Now().Before(end); time.Sleep(time.Second) {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapInuse)
		}
		sched.Stop()
		wall := time.Since(start)
		var after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond

		checks, failures := 0, 0
		for c := range 20 {
			m, err := svc.ComponentMetrics(ctx, fmt.Sprintf("c%02d", c), start.Add(-time.Minute), time.Now().Add(time.Minute), time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			checks, failures = checks+m.Total.Checks, failures+m.Total.Failures
		}
		oneCore := cpu.Seconds() / wall.Seconds() * 100
		b.ReportMetric(oneCore, "cpu-%-of-1-core")
		b.ReportMetric(oneCore/float64(runtime.NumCPU()), "cpu-%-of-all-cores")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(after.Maxrss)/1024, "max-rss-MiB")
		b.ReportMetric(float64(checks), "checks")
		b.ReportMetric(float64(checks)/wall.Seconds(), "checks/s")
		b.ReportMetric(float64(failures), "failures")
		b.Logf("%d cores, %s: %d checks (%d failed), CPU %s", runtime.NumCPU(), wall.Round(time.Second), checks, failures, cpu.Round(time.Millisecond))
	}
}
