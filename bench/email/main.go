// Command email measures how fast Candor emails an update to its subscribers, against the
// local SMTP server's own intake rate measured in the same run. Run it as
// "go run ./bench/email" (100 000 subscribers, 4 connections) or with flags, e.g.
// "go run ./bench/email -subscribers 10000 -connections 8".
//
// First the intake: -intake emails of the same size sent straight to an in-process SMTP
// server (github.com/emersion/go-smtp) over -connections reused go-mail connections, the
// fastest any sender on this machine can hand mail to that server. Then Candor: a SQLite
// store with -subscribers confirmed subscribers, one incident whose email job is planned in
// the write transaction, and Candor's email dispatcher sending it over the same number of
// connections, the audience streamed from the store in pages and every accepted email
// recorded.
//
// It prints both rates, their ratio (target: Candor at least 1 000 emails/s; the ratio says
// how much of the server's intake Candor's bookkeeping costs) and the peak Go heap while
// sending, which is bounded by the pages in flight, not by the number of subscribers (no
// per-subscriber goroutines, no list of all addresses in memory).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/email/smtptest"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

func main() {
	subs := flag.Int("subscribers", 100000, "confirmed subscribers")
	intakeN := flag.Int("intake", 20000, "emails sent straight to the server to measure its intake")
	conns := flag.Int("connections", 4, "SMTP connections")
	flushEvery := flag.Duration("flush", 0, "EmailConfig.FlushEvery (0: the default)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/email:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*subs, *intakeN, *conns, *flushEvery); err != nil {
		fmt.Fprintln(os.Stderr, "bench/email:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(subs, intakeN, conns int, flushEvery time.Duration) error {
	ctx := context.Background()
	srv, err := smtptest.Start(smtptest.Config{DropData: true})
	if err != nil {
		return err
	}
	defer srv.Close()
	sc, err := email.ParseSMTPURL(srv.URL())
	if err != nil {
		return err
	}
	sender := email.NewSMTP(sc, nil)
	page := lang.Text{KO: "캔더 상태", EN: "Candor Status"}
	ev := notifier.Event{Kind: notifier.KindCreated, PageName: page, PublicURL: "https://status.example.com", Location: time.UTC,
		Now: time.Now(), IncidentID: "inc-1", Title: lang.Same("Messages not delivered"), Status: "investigating", Impact: "major",
		Message: lang.Same("Some messages are not delivered; we are on it."), Components: []lang.Text{lang.Same("Messages")}}
	content, err := email.BuildUpdate(ev, "en")
	if err != nil {
		return err
	}
	content = email.Personalize(content, "https://status.example.com/subscription?token=0123456789abcdef0123456789abcdef0123456789a",
		"https://status.example.com/unsubscribe?token=0123456789abcdef0123456789abcdef0123456789a")

	// 1. The server's intake.
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var sendErr atomic.Value
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := sender.Open(ctx)
			if err != nil {
				sendErr.Store(err)
				return
			}
			defer c.Close()
			for i := next.Add(1); i <= int64(intakeN); i = next.Add(1) {
				m := email.Mail{From: "Candor Status <status@example.com>", To: fmt.Sprintf("intake%06d@example.com", i), Subject: content.Subject,
					Text: content.Text, HTML: content.HTML, Lang: "en", MessageID: email.MessageID(i, "x", "example.com"),
					InReplyTo: "<incident-inc-1@example.com>", References: []string{"<incident-inc-1@example.com>"},
					Unsubscribe: "https://status.example.com/unsubscribe?token=x"}
				if err := c.Send(ctx, m); err != nil {
					sendErr.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := sendErr.Load().(error); err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	intakeTook := time.Since(start)
	intake := float64(srv.Count()) / intakeTook.Seconds()
	srv.Reset()

	// 2. Candor.
	dir, err := os.MkdirTemp("", "candor-bench-email")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "candor.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	svc := status.NewService(st, status.SystemClock{}, nil)
	svc.SetNotifier(&notifier.Planner{PageName: page, DefaultLang: lang.Korean, PublicURL: "https://status.example.com",
		Location: time.UTC, Email: email.Planner{}})
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "bench"}}
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "messages", Name: lang.Same("Messages")}); err != nil {
		return err
	}
	seedStart := time.Now()
	now := time.Now()
	for lo := 0; lo < subs; lo += 10000 {
		if err := st.Write(ctx, func(tx status.Tx) error {
			for i := lo; i < min(lo+10000, subs); i++ {
				comps := []string{"*"}
				if i%3 == 0 {
					comps = []string{"messages"}
				}
				if err := tx.PutSubscriber(&status.Subscriber{ID: fmt.Sprintf("s%07d", i), Email: fmt.Sprintf("user%07d@example.com", i),
					Lang: []string{"ko", "en"}[i%2], Components: comps, ConfirmedAt: now, CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	fmt.Printf("seeded %d subscribers in %s\n", subs, time.Since(seedStart).Round(time.Millisecond))

	d := dispatch.NewEmail(dispatch.EmailConfig{Sender: sender, Store: st, Log: slog.New(slog.DiscardHandler),
		From: "Candor Status <status@example.com>", PublicURL: "https://status.example.com", PageName: page,
		DefaultLang: lang.Korean, Connections: conns, FlushEvery: flushEvery})
	runtime.GC()
	heapBefore := heapMiB()
	peak := sample()
	planStart := time.Now()
	if _, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Messages not delivered"), Message: lang.Same("Looking."),
		Impact: status.ImpactMajor, Notify: true, Components: map[string]status.ComponentStatus{"messages": status.MajorOutage}}); err != nil {
		return err
	}
	planned := time.Since(planStart)
	start = time.Now()
	if _, err := d.Drain(ctx); err != nil {
		return err
	}
	took := time.Since(start)
	peakHeap := peak()
	got := srv.Count()
	if got != subs {
		return fmt.Errorf("the server accepted %d emails, want %d (stats %+v)", got, subs, d.Stats())
	}
	rate := float64(got) / took.Seconds()
	fmt.Printf("smtp server intake:   %6d emails in %-8s = %7.0f emails/s (%d connections)\n", intakeN, intakeTook.Round(time.Millisecond), intake, conns)
	fmt.Printf("candor, one update:   %6d emails in %-8s = %7.0f emails/s (planning the job took %s)\n", got, took.Round(time.Millisecond), rate, planned.Round(time.Millisecond))
	fmt.Printf("ratio candor/intake:  %.2f\n", rate/intake)
	fmt.Printf("go heap: %.1f MiB before, peak %.1f MiB while sending\n", heapBefore, peakHeap)
	if rate < 1000 {
		fmt.Println("BELOW TARGET: want at least 1 000 emails/s")
	}
	return nil
}

func heapMiB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

// sample records the peak heap in use every 50ms until the returned func is called.
func sample() func() float64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		<-done
		return float64(peak.Load()) / (1 << 20)
	}
}
