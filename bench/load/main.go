// Command load is bench/run.sh's stand-in for wrk where wrk cannot be installed: a closed
// loop of keep-alive connections, each sending the next request when the last answer
// arrived, for a fixed time. It prints what run.sh reads from wrk:
//
//	rps=41234.5 p50_ms=4.210 p99_ms=12.800 errors=0 requests=412345
//
// errors counts failed requests and answers other than 2xx and 3xx.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	conns := flag.Int("c", 256, "connections")
	dur := flag.Duration("d", 10*time.Second, "duration")
	var hdrs headers
	flag.Var(&hdrs, "H", "request header \"Name: value\" (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: load [-c N] [-d DURATION] [-H 'Name: value'] URL")
		os.Exit(2)
	}
	url := flag.Arg(0)
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()

	var mu sync.Mutex
	var all []time.Duration
	errors := 0
	var wg sync.WaitGroup
	began := time.Now()
	for range *conns {
		wg.Go(func() {
			var lat []time.Duration
			errs := 0
			for ctx.Err() == nil {
				req, _ := http.NewRequest("GET", url, nil)
				for _, h := range hdrs {
					k, v, _ := strings.Cut(h, ":")
					req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
				}
				t := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if ctx.Err() != nil && err != nil {
					break // cut off by the end of the run
				}
				lat = append(lat, time.Since(t))
				if err != nil || res.StatusCode >= 400 {
					errs++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / 1e6
	}
	fmt.Printf("rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d requests=%d\n",
		float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.99), errors, len(all))
}
