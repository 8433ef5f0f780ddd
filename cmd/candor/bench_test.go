package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier/fcmfake"
)

// BenchmarkPostToPush measures the time from POSTing an incident update to the first FCM
// request for it, through the whole server: HTTP, the write transaction with its outbox
// jobs, the dispatcher woken on commit, the Firebase SDK, and the fake FCM server.
//
//	go test -run '^$' -bench PostToPush ./cmd/candor/
func BenchmarkPostToPush(b *testing.B) {
	fake := fcmfake.New()
	fake.RecordBodies(false)
	furl, stop := fake.Start()
	defer stop()
	dir := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go func() {
		_ = Run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error"}, Env{
			Stdout: io.Discard, Stderr: io.Discard, Ready: func(a string) { ready <- a },
			Getenv: func(k string) string {
				if k == "CANDOR_FCM_ENDPOINT" {
					return furl
				}
				return ""
			}})
	}()
	base := "http://" + <-ready
	var out bytes.Buffer
	if err := Run(ctx, []string{"apikey", "create", "--data-dir", dir, "--name", "bench", "--scope", "admin"}, Env{Stdout: &out, Stderr: io.Discard}); err != nil {
		b.Fatal(err)
	}
	key := strings.TrimSpace(out.String())
	post := func(path, body string) string {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		rb, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			b.Fatalf("%s: %d %s", path, res.StatusCode, rb)
		}
		return string(rb)
	}
	post("/api/v1/components", `{"id": "messenger", "name": "Messenger"}`)
	post("/api/v1/devices", `{"token": "benchtoken-0123456789abcdef", "platform": "android", "locale": "en", "components": ["*"]}`)
	inc := post("/api/v1/incidents", `{"title": "Bench", "message": "Start.", "components": {"messenger": "partial_outage"}}`)
	id := inc[strings.Index(inc, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]
	wait := func(n int) {
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		if err := fake.WaitForMessages(wctx, n); err != nil {
			b.Fatalf("push %d never arrived: %v", n, err)
		}
	}
	wait(1)
	b.ResetTimer()
	for i := range b.N {
		post("/api/v1/incidents/"+id+"/updates", fmt.Sprintf(`{"message": "Update %d."}`, i))
		wait(2 + i)
	}
}
