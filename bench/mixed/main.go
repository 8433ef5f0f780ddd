// Command mixed puts a mixed load on a running Candor and reports, every -interval, what
// readers, writers, event streams and pushes saw: request counts, p50/p99 latency, errors,
// and the server's resident memory. bench/writes.sh (200 readers and 5 writers as fast as
// they go) and bench/soak.sh (an hour at fixed rates, with a flaky fake FCM) run it.
//
//	mixed -url http://127.0.0.1:8080 -key KEY -pid PID -readers 200 -writers 5 -duration 30s
//
// Readers fetch /, /api/v2/summary.json and /history in turn (gzip accepted, as browsers
// do); writers post incident updates, each to its own incident, resolving it and opening a
// new one every -timeline updates so timelines grow like real ones. With -read-rate or
// -write-rate the load is open-loop at that many requests per second in total (a soak),
// otherwise every worker sends its next request when the last one answered (a stress).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	base, key        string
	pid              int
	readers, writers int
	readRate         float64
	writeRate        float64
	streams          int
	devices          int
	timeline         int
	duration, every  time.Duration
	fcmAddr          string
	fcmFail          float64
	markdown         bool
	readPaths        []string
	writeTimeout     time.Duration
	maxWrites        int64
}

func main() {
	var c config
	flag.StringVar(&c.base, "url", "http://127.0.0.1:8080", "Candor's base URL")
	flag.StringVar(&c.key, "key", "", "API key with the write scope (admin for -devices metrics)")
	flag.IntVar(&c.pid, "pid", 0, "the server's process id, for its resident memory")
	flag.IntVar(&c.readers, "readers", 200, "reader connections")
	flag.IntVar(&c.writers, "writers", 5, "writers, each posting to its own incident")
	flag.Float64Var(&c.readRate, "read-rate", 0, "reads per second in all (0: as fast as the readers go)")
	flag.Float64Var(&c.writeRate, "write-rate", 0, "writes per second in all (0: as fast as the writers go)")
	flag.IntVar(&c.streams, "sse", 0, "event streams to hold open on /api/v1/stream")
	flag.IntVar(&c.devices, "devices", 0, "devices to register before the load, so every update pushes to them")
	flag.IntVar(&c.timeline, "timeline", 50, "updates per incident before it is resolved and a new one opened")
	flag.DurationVar(&c.duration, "duration", 30*time.Second, "how long to load")
	flag.DurationVar(&c.every, "interval", 10*time.Second, "report every")
	flag.StringVar(&c.fcmAddr, "fcm", "", "run a fake FCM on this address (start Candor with CANDOR_FCM_ENDPOINT=http://ADDR)")
	flag.Float64Var(&c.fcmFail, "fcm-fail", 0, "share of sends the fake FCM answers 503 (flaky)")
	flag.BoolVar(&c.markdown, "markdown", false, "print the reports as a Markdown table")
	flag.Int64Var(&c.maxWrites, "max-writes", 0, "stop after this many writes (0: at -duration)")
	flag.DurationVar(&c.writeTimeout, "write-timeout", 30*time.Second, "a write slower than this counts as an error")
	flag.Parse()
	c.readPaths = []string{"/", "/api/v2/summary.json", "/history"}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "mixed:", err)
		os.Exit(1)
	}
}

// window collects one kind of request's latencies and errors over one interval.
type window struct {
	mu   sync.Mutex
	lat  []time.Duration
	errs int
	last string // the latest error, for the log
}

func (w *window) add(d time.Duration, err error) {
	w.mu.Lock()
	if err != nil {
		w.errs++
		w.last = err.Error()
	} else {
		w.lat = append(w.lat, d)
	}
	w.mu.Unlock()
}

// take returns and resets the interval's numbers.
func (w *window) take() (lat []time.Duration, errs int, last string) {
	w.mu.Lock()
	lat, errs, last = w.lat, w.errs, w.last
	w.lat, w.errs, w.last = nil, 0, ""
	w.mu.Unlock()
	slices.Sort(lat)
	return lat, errs, last
}

func pct(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / 1e6
}

type load struct {
	c             config
	client        *http.Client
	reads, writes window
	sseEvents     atomic.Int64
	sseErrors     atomic.Int64
	fake          *flakyFCM
	written       atomic.Int64
	stop          context.CancelFunc
}

func run(ctx context.Context, c config) error {
	l := &load{c: c, client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: c.readers + c.writers + 16, DisableCompression: true},
		Timeout:   c.writeTimeout,
	}}
	if c.fcmAddr != "" {
		f, err := startFlakyFCM(c.fcmAddr, c.fcmFail)
		if err != nil {
			return err
		}
		l.fake = f
	}
	if c.devices > 0 {
		if err := l.registerDevices(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	l.stop = cancel
	var wg sync.WaitGroup
	for i := range c.streams {
		wg.Go(func() { l.stream(ctx, i) })
	}
	for i := range c.readers {
		wg.Go(func() { l.reader(ctx, i) })
	}
	for i := range c.writers {
		wg.Go(func() { l.writer(ctx, i) })
	}
	l.report(ctx)
	wg.Wait()
	return nil
}

// pace returns a function that waits until the worker's next request is due: never with
// rate 0, else every workers/rate seconds, each worker offset so they do not fire together.
func pace(rate float64, workers, i int) func(context.Context) bool {
	if rate <= 0 {
		return func(ctx context.Context) bool { return ctx.Err() == nil }
	}
	every := time.Duration(float64(workers) / rate * float64(time.Second))
	next := time.Now().Add(every * time.Duration(i) / time.Duration(max(workers, 1)))
	return func(ctx context.Context) bool {
		wait := time.Until(next)
		next = next.Add(every)
		if wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return false
			case <-t.C:
			}
		}
		return ctx.Err() == nil
	}
}

func (l *load) reader(ctx context.Context, i int) {
	tick := pace(l.c.readRate, l.c.readers, i)
	for n := i; tick(ctx); n++ {
		path := l.c.readPaths[n%len(l.c.readPaths)]
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l.c.base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Accept-Language", "en")
		start := time.Now()
		res, err := l.client.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err == nil && res.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET %s: %s", path, res.Status)
			}
		}
		if ctx.Err() != nil {
			return // cut off by the end of the run
		}
		l.reads.add(time.Since(start), err)
	}
}

// post sends a JSON POST with the key and decodes the answer into out (when not nil).
func (l *load) post(ctx context.Context, path string, body any, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.c.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+l.c.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("POST %s: %s %s", path, res.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (l *load) openIncident(ctx context.Context, i int) (string, error) {
	var inc struct{ ID string }
	err := l.post(ctx, "/api/v1/incidents", map[string]any{"title": fmt.Sprintf("Load test %d", i),
		"impact": "minor", "message": "Load test.", "components": map[string]string{}}, &inc)
	return inc.ID, err
}

func (l *load) writer(ctx context.Context, i int) {
	tick := pace(l.c.writeRate, l.c.writers, i)
	id, n := "", 0
	for tick(ctx) {
		start := time.Now()
		var err error
		switch {
		case id == "":
			id, err = l.openIncident(ctx, i)
		case n >= l.c.timeline:
			err = l.post(ctx, "/api/v1/incidents/"+id+"/updates", map[string]any{"status": "resolved", "message": "Resolved."}, nil)
			id, n = "", 0
		default:
			n++
			err = l.post(ctx, "/api/v1/incidents/"+id+"/updates", map[string]any{"message": fmt.Sprintf("Update %d of writer %d.", n, i)}, nil)
		}
		if ctx.Err() != nil {
			return
		}
		l.writes.add(time.Since(start), err)
		if n := l.c.maxWrites; n > 0 && l.written.Add(1) >= n {
			l.stop()
		}
		if err != nil {
			id, n = "", 0 // start afresh on a new incident
		}
	}
}

// stream holds one event stream open, reconnecting when it drops, and counts its events.
func (l *load) stream(ctx context.Context, i int) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l.c.base+"/api/v1/stream", nil)
		res, err := client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			if ctx.Err() != nil {
				return
			}
			if res != nil {
				res.Body.Close()
			}
			l.sseErrors.Add(1)
			time.Sleep(time.Second + time.Duration(i%10)*100*time.Millisecond)
			continue
		}
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: change") {
				l.sseEvents.Add(1)
			}
		}
		res.Body.Close()
		if ctx.Err() == nil {
			l.sseErrors.Add(1) // dropped by the server
		}
	}
}

func (l *load) registerDevices(ctx context.Context) error {
	for i := range l.c.devices {
		tok := fmt.Sprintf("soak-%06d-%s", i, strings.Repeat("x", 140))
		if i%10 == 0 {
			tok = "flaky2-" + tok // answered 503 twice, then accepted
		}
		b, _ := json.Marshal(map[string]any{"token": tok, "platform": "android", "locale": []string{"ko", "en"}[i%2], "components": []string{"*"}})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.c.base+"/api/v1/devices", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", i/250, i%250)) // only counts behind CANDOR_TRUST_PROXY
		res, err := l.client.Do(req)
		if err != nil {
			return fmt.Errorf("register device %d: %w", i, err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			return fmt.Errorf("register device %d: %s %s", i, res.Status, data)
		}
	}
	return nil
}

// rss returns the resident memory of pid in MB (0 when unknown).
func rss(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func (l *load) report(ctx context.Context) {
	header := []string{"min", "reads", "read p50", "read p99", "read err", "writes", "write p50", "write p99", "write err",
		"sse events", "sse err", "pushes", "fcm 503s", "RSS MB"}
	if l.c.markdown {
		fmt.Println("| " + strings.Join(header, " | ") + " |")
		fmt.Println("|" + strings.Repeat("---|", len(header)))
	} else {
		fmt.Println(strings.Join(header, "\t"))
	}
	start := time.Now()
	t := time.NewTicker(l.c.every)
	defer t.Stop()
	var allReads, allWrites []time.Duration
	readErrs, writeErrs := 0, 0
	var lastPushes, lastFails int64
	var peak float64
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-t.C:
		}
		rl, re, rlast := l.reads.take()
		wl, we, wlast := l.writes.take()
		allReads, allWrites = append(allReads, rl...), append(allWrites, wl...)
		readErrs, writeErrs = readErrs+re, writeErrs+we
		var pushes, fails int64
		if l.fake != nil {
			pushes, fails = l.fake.counts()
		}
		mem := rss(l.c.pid)
		peak = max(peak, mem)
		row := []string{fmt.Sprintf("%.1f", time.Since(start).Minutes()), strconv.Itoa(len(rl)),
			fmt.Sprintf("%.1f", pct(rl, 0.5)), fmt.Sprintf("%.1f", pct(rl, 0.99)), strconv.Itoa(re),
			strconv.Itoa(len(wl)), fmt.Sprintf("%.1f", pct(wl, 0.5)), fmt.Sprintf("%.1f", pct(wl, 0.99)), strconv.Itoa(we),
			strconv.FormatInt(l.sseEvents.Swap(0), 10), strconv.FormatInt(l.sseErrors.Swap(0), 10),
			strconv.FormatInt(pushes-lastPushes, 10), strconv.FormatInt(fails-lastFails, 10), fmt.Sprintf("%.0f", mem)}
		lastPushes, lastFails = pushes, fails
		if l.c.markdown {
			fmt.Println("| " + strings.Join(row, " | ") + " |")
		} else {
			fmt.Println(strings.Join(row, "\t"))
		}
		for _, e := range []string{rlast, wlast} {
			if e != "" {
				fmt.Fprintln(os.Stderr, "  last error:", e)
			}
		}
	}
	slices.Sort(allReads)
	slices.Sort(allWrites)
	secs := time.Since(start).Seconds()
	fmt.Printf("total: reads %d (%.0f/s, p50 %.1f ms, p99 %.1f ms, errors %d); writes %d (%.1f/s, p50 %.1f ms, p99 %.1f ms, errors %d); peak RSS %.0f MB",
		len(allReads), float64(len(allReads))/secs, pct(allReads, 0.5), pct(allReads, 0.99), readErrs,
		len(allWrites), float64(len(allWrites))/secs, pct(allWrites, 0.5), pct(allWrites, 0.99), writeErrs, peak)
	if l.fake != nil {
		p, f := l.fake.counts()
		fmt.Printf("; pushes accepted %d, 503s injected %d", p, f)
	}
	fmt.Println()
}
