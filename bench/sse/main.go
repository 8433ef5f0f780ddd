// Command sse measures Candor's live-update fan-out (bench/run.sh runs it): it opens many
// event streams on /api/v1/stream, waits until every one got its first event, posts an
// incident update, and times until the last stream received the new revision. It reports
// the server's resident memory (VmRSS of -pid) before and after the streams connected.
//
//	sse -url http://127.0.0.1:8080 -n 10000 -key KEY -incident ID -pid PID
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Candor's base URL")
	n := flag.Int("n", 10000, "streams to open")
	key := flag.String("key", "", "API key with the write scope")
	incident := flag.String("incident", "", "open incident to post an update to")
	pid := flag.Int("pid", 0, "the server's process id, for its memory")
	sources := flag.Int("sources", 1, "spread streams over 127.0.0.1 .. 127.0.0.N as source addresses")
	timeout := flag.Duration("timeout", 60*time.Second, "limit for connecting and for the fan-out")
	flag.Parse()
	if err := run(*base, *n, *key, *incident, *pid, *sources, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "sse:", err)
		os.Exit(1)
	}
}

// stream is one client: its first revision, and when it saw a newer one.
type stream struct {
	first atomic.Int64
	got   atomic.Int64 // unix nanoseconds of the first event past target; 0: none yet
}

func run(base string, n int, key, incident string, pid, sources int, timeout time.Duration) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	rssBefore := rss(pid)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var target atomic.Int64 // revisions above it count as "the change arrived"
	target.Store(1 << 62)
	streams := make([]*stream, n)
	var connected, failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 200) // connections being opened at once
	began := time.Now()
	for i := range streams {
		s := &stream{}
		s.first.Store(-1)
		streams[i] = s
		sem <- struct{}{}
		wg.Go(func() {
			first := false // the first event arrived: the stream counts as connected
			defer func() {
				if !first {
					failed.Add(1)
					<-sem
				}
			}()
			d := net.Dialer{Timeout: 10 * time.Second}
			if sources > 1 {
				d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%sources))}
			}
			conn, err := d.DialContext(ctx, "tcp", u.Host)
			if err != nil {
				return
			}
			defer conn.Close()
			context.AfterFunc(ctx, func() { conn.Close() })
			if _, err := fmt.Fprintf(conn, "GET /api/v1/stream HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", u.Host); err != nil {
				return
			}
			res, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), nil)
			if err != nil || res.StatusCode != 200 {
				return
			}
			readEvents(res.Body, func(rev int64) {
				if !first {
					first = true
					s.first.Store(rev)
					connected.Add(1)
					<-sem
				}
				if rev > target.Load() && s.got.Load() == 0 {
					s.got.Store(time.Now().UnixNano())
				}
			})
		})
	}
	for connected.Load()+failed.Load() < int64(n) {
		if time.Since(began) > timeout {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	connectTook := time.Since(began)
	time.Sleep(500 * time.Millisecond) // let the server settle before reading its memory
	rssAfter := rss(pid)
	up := connected.Load()
	if up == 0 {
		return fmt.Errorf("no stream connected (%d failed)", failed.Load())
	}
	var maxFirst int64
	for _, s := range streams {
		maxFirst = max(maxFirst, s.first.Load())
	}
	target.Store(maxFirst)

	sent := time.Now()
	if err := post(base, key, incident); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		done := 0
		for _, s := range streams {
			if s.got.Load() != 0 {
				done++
			}
		}
		if int64(done) >= up {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	var lat []time.Duration
	for _, s := range streams {
		if t := s.got.Load(); t != 0 {
			lat = append(lat, time.Unix(0, t).Sub(sent))
		}
	}
	slices.Sort(lat)
	rssEnd := rss(pid)
	cancel()
	wg.Wait()
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return -1
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	fmt.Printf("streams=%d failed=%d connect_s=%.1f rss_before_mb=%.1f rss_connected_mb=%.1f rss_after_event_mb=%.1f "+
		"received=%d p50_ms=%.1f p99_ms=%.1f last_ms=%.1f\n",
		up, failed.Load(), connectTook.Seconds(), rssBefore, rssAfter, rssEnd, len(lat), pct(0.5), pct(0.99), pct(1))
	return nil
}

// readEvents calls fn with the revision of each event until the stream ends.
func readEvents(r io.Reader, fn func(rev int64)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 512), 64<<10)
	for sc.Scan() {
		line := sc.Bytes()
		rest, ok := strings.CutPrefix(string(line), `data: {"revision":`)
		if !ok {
			continue
		}
		end := strings.IndexAny(rest, ",}")
		if end < 0 {
			continue
		}
		rev, err := strconv.ParseInt(rest[:end], 10, 64)
		if err == nil {
			fn(rev)
		}
	}
}

func post(base, key, incident string) error {
	req, err := http.NewRequest("POST", base+"/api/v1/incidents/"+incident+"/updates",
		strings.NewReader(`{"message": "Fan-out benchmark update.", "notify": false}`))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		body, _ := io.ReadAll(res.Body)
		return fmt.Errorf("post update: %d %s", res.StatusCode, body)
	}
	return nil
}

// rss returns VmRSS of process pid in MiB (-1 when it cannot be read).
func rss(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}
