package main

import (
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/candorstatus/candor/notifier/fcmfake"
)

// flakyFCM is the fake FCM behind a front that answers a share of sends with 503
// UNAVAILABLE, as FCM does in a bad minute: the SDK and the outbox retry them.
type flakyFCM struct {
	fake     *fcmfake.Server
	failRate float64
	failed   atomic.Int64
}

func startFlakyFCM(addr string, failRate float64) (*flakyFCM, error) {
	f := &flakyFCM{fake: fcmfake.New(), failRate: failRate}
	f.fake.RecordBodies(false) // an hour of pushes must not grow the fake without bound
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { _ = http.Serve(ln, f) }()
	return f, nil
}

func (f *flakyFCM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/messages:send") && rand.Float64() < f.failRate {
		f.failed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}`))
		return
	}
	f.fake.ServeHTTP(w, r)
}

// counts returns the messages the fake accepted and the sends answered 503 so far.
func (f *flakyFCM) counts() (accepted, failed int64) {
	return int64(f.fake.Accepted()), f.failed.Load()
}
