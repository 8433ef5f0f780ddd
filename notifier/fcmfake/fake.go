// Package fcmfake is an FCM-compatible fake server: the HTTP v1 send endpoint
// (POST …/projects/{p}/messages:send) and the Instance ID topic-management endpoints
// (POST /iid/v1:batchAdd, /iid/v1:batchRemove), speaking the wire format the Firebase Admin
// SDK expects, so the real SDK can be driven offline. Tests use it, and so do Candor demos
// (point CANDOR_FCM_ENDPOINT at it), which is why it is not test code.
//
// It validates like FCM: exactly one of token, topic, condition; topic names; at most five
// topics in a condition; reserved data keys; android ttl/priority, apns and webpush headers;
// the analytics label; and payload size (notifier.PayloadSize over 4096 bytes, or 2048 for
// topic and condition messages) — each answered with 400 INVALID_ARGUMENT carrying a
// google.rpc.BadRequest detail. validate_only is honoured: the message is checked and gets
// a name but is not recorded as delivered.
//
// Device tokens choose the answer by prefix (errors carry FCM's FcmError detail):
//
//	unregistered-…  404 NOT_FOUND, errorCode UNREGISTERED
//	invalid-…       400 INVALID_ARGUMENT "The registration token is not a valid FCM registration token"
//	mismatch-…      403 PERMISSION_DENIED, errorCode SENDER_ID_MISMATCH
//	quota-…         429 RESOURCE_EXHAUSTED, errorCode QUOTA_EXCEEDED, Retry-After: 1
//	flaky<N>-…      503 UNAVAILABLE the first N times that token is sent, then success
//	internal-…      500 INTERNAL
//	authfail-…      401 UNAUTHENTICATED, errorCode THIRD_PARTY_AUTH_ERROR
//	anything else   200 {"name": "projects/{p}/messages/{n}"}
//
// Topic management answers one result per token: {"error":"NOT_FOUND"} for unregistered-,
// {"error":"INVALID_ARGUMENT"} for invalid-, {"error":"INTERNAL"} for internal- tokens, {}
// (and a subscription change) otherwise.
//
// FailNext makes the next send requests fail whatever they carry (an outage); every method
// is safe for concurrent use.
package fcmfake

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Received is one message the fake accepted, as parsed from the wire.
type Received struct {
	Name                    string // "projects/{p}/messages/{n}", as returned to the sender
	Token, Topic, Condition string
	Title, Body             string
	Data                    map[string]string
	Android                 Android
	APNSHeaders             map[string]string
	WebpushHeaders          map[string]string
	WebpushTag              string
	AnalyticsLabel          string
}

// Android is the android block of a received message.
type Android struct {
	CollapseKey string
	Priority    string
	TTL         time.Duration
	TTLSet      bool // ttl present on the wire (TTL 0 means "now or never" then)
	Tag         string
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	mu            sync.Mutex
	record        bool
	msgs          []Received
	accepted      int
	requests      int
	topicRequests int
	nextID        int64
	fail          failure
	failTopic     failure
	flaky         map[string]int // sends seen per flaky token
	subs          map[string]map[string]struct{}
	waiters       []waiter
	onAccept      func(Received)
}

// OnAccept registers fn to be called with every accepted message (outside the fake's lock),
// e.g. to print pushes in a demo.
func (s *Server) OnAccept(fn func(Received)) {
	s.mu.Lock()
	s.onAccept = fn
	s.mu.Unlock()
}

type failure struct {
	n          int
	status     int
	retryAfter time.Duration
}

type waiter struct {
	n  int
	ch chan struct{}
}

// New returns an empty fake that records message bodies.
func New() *Server {
	return &Server{record: true, flaky: map[string]int{}, subs: map[string]map[string]struct{}{}}
}

// ServeHTTP routes FCM's send and Instance ID's topic-management calls.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && hasSuffix(p, "/messages:send"):
		s.serveSend(w, r)
	case r.Method == http.MethodPost && hasSuffix(p, "/iid/v1:batchAdd"):
		s.serveTopic(w, r, true)
	case r.Method == http.MethodPost && hasSuffix(p, "/iid/v1:batchRemove"):
		s.serveTopic(w, r, false)
	default:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.Method+" "+p, "", 0)
	}
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// Start serves the fake on a free loopback port and returns its base URL (no trailing
// slash) and a function that stops it. It panics when no port is free, like httptest.
func (s *Server) Start() (url string, stop func()) {
	url, stop, err := s.StartOn("127.0.0.1:0")
	if err != nil {
		panic("fcmfake: " + err.Error())
	}
	return url, stop
}

// StartOn serves the fake on addr (e.g. "127.0.0.1:9999" for a demo) and returns its base
// URL and a function that stops it.
func (s *Server) StartOn(addr string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on stop
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// RecordBodies sets whether accepted messages are kept for Messages (the default) or only
// counted, which keeps memory flat when a benchmark sends 100 000 of them.
func (s *Server) RecordBodies(on bool) {
	s.mu.Lock()
	s.record = on
	s.mu.Unlock()
}

// Messages returns every message accepted (200, not validate_only) while recording, in
// the order accepted.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Accepted is how many messages were accepted, recorded or not.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Requests is how many send requests arrived, failed ones and SDK retries included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// TopicRequests is how many topic-management requests arrived.
func (s *Server) TopicRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topicRequests
}

// Subscribers returns the tokens subscribed to topic (a bare name), sorted.
func (s *Server) Subscribers(topic string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.subs[topic]))
	for t := range s.subs[topic] {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// FailNext makes the next n send requests fail with status (429, 500, 503 …) and the
// matching FCM error, with a Retry-After header when retryAfter > 0. Note that the SDK
// itself retries 503s (up to 5 attempts), so n 503s may be absorbed by one Send.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.mu.Lock()
	s.fail = failure{n: n, status: status, retryAfter: retryAfter}
	s.mu.Unlock()
}

// FailNextTopic makes the next n topic-management requests fail with status.
func (s *Server) FailNextTopic(n int, status int) {
	s.mu.Lock()
	s.failTopic = failure{n: n, status: status}
	s.mu.Unlock()
}

// WaitForMessages blocks until at least n messages have been accepted (counting those not
// recorded) or ctx ends, so tests synchronize without sleeping.
func (s *Server) WaitForMessages(ctx context.Context, n int) error {
	s.mu.Lock()
	if s.accepted >= n {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.waiters = append(s.waiters, waiter{n: n, ch: ch})
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reset forgets every message, counter, failure, flaky count and subscription; it keeps
// the RecordBodies setting and pending waiters.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.accepted, s.requests, s.topicRequests = nil, 0, 0, 0
	s.fail, s.failTopic = failure{}, failure{}
	s.flaky = map[string]int{}
	s.subs = map[string]map[string]struct{}{}
}

// accept records m (when recording) under a fresh name and wakes satisfied waiters.
func (s *Server) accept(project string, m *Received, validateOnly bool) string {
	name := s.acceptLocked(project, m, validateOnly)
	s.mu.Lock()
	fn := s.onAccept
	s.mu.Unlock()
	if fn != nil && !validateOnly {
		m.Name = name
		fn(*m)
	}
	return name
}

func (s *Server) acceptLocked(project string, m *Received, validateOnly bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	name := messageName(project, s.nextID)
	if validateOnly {
		return name
	}
	s.accepted++
	if s.record {
		m.Name = name
		s.msgs = append(s.msgs, *m)
	}
	if len(s.waiters) > 0 {
		kept := s.waiters[:0]
		for _, w := range s.waiters {
			if s.accepted >= w.n {
				close(w.ch)
			} else {
				kept = append(kept, w)
			}
		}
		s.waiters = kept
	}
	return name
}
