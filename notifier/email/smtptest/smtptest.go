// Package smtptest runs a real SMTP server in-process (github.com/emersion/go-smtp) for
// tests and benchmarks: it keeps what it accepted, can answer slowly, refuse addresses
// permanently or for a while, and freeze — hold every answer — so a test can kill a
// sender at a moment when no acknowledgement is in flight.
package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one email the server accepted (its reply to the end of DATA was 250).
type Message struct {
	From   string
	To     []string
	Data   []byte
	Header mail.Header
	Body   []byte
	At     time.Time
}

// Config tunes the server; the zero value accepts everything at once.
type Config struct {
	// Delay is waited before answering each RCPT: a slow server.
	Delay time.Duration
	// Reject, when set, may refuse a recipient: a 5xx error is a bounce, 4xx temporary.
	Reject func(rcpt string) *smtp.SMTPError
	// DropData keeps counts only, not the messages (benchmarks: flat memory).
	DropData bool
}

// Server is a running SMTP server on 127.0.0.1.
type Server struct {
	cfg Config
	srv *smtp.Server
	ln  net.Listener

	mu       sync.Mutex
	msgs     []Message
	count    int
	first    time.Time
	last     time.Time
	frozen   chan struct{} // closed when thawed; nil when not frozen
	discard  bool          // answers held by a freeze are failures after the thaw
	received chan struct{}
	perRcpt  map[string]int
}

// Start listens on a free port of 127.0.0.1 and serves until Close.
func Start(cfg Config) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ln: ln, received: make(chan struct{}, 1), perRcpt: map[string]int{}}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 50
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = nopLogger{}
	s.srv = srv
	go srv.Serve(ln)
	return s, nil
}

// URL is the CANDOR_SMTP_URL of the server (no TLS).
func (s *Server) URL() string { return "smtp://" + s.ln.Addr().String() + "?tls=none" }

// Close stops the server.
func (s *Server) Close() error {
	s.Thaw(true)
	return s.srv.Close()
}

// Messages returns what the server accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is how many messages the server accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Intake is the count and the time from the first to the last accepted message.
func (s *Server) Intake() (int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, s.last.Sub(s.first)
}

// Reset forgets the messages accepted so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.count, s.first, s.last, s.perRcpt = nil, 0, time.Time{}, time.Time{}, map[string]int{}
}

// WaitFor waits until at least n messages were accepted and returns them, or fails after
// timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.Now().Add(timeout)
	for {
		if s.Count() >= n {
			return s.Messages(), nil
		}
		if time.Now().After(deadline) {
			return s.Messages(), fmt.Errorf("smtptest: %d messages after %s, want %d", s.Count(), timeout, n)
		}
		select {
		case <-s.received:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Freeze holds every answer from now on until Thaw: no message is accepted meanwhile.
func (s *Server) Freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen == nil {
		s.frozen, s.discard = make(chan struct{}), false
	}
}

// Thaw releases the answers Freeze held; with discard they fail (421) instead — for a
// client that is dead by then, whose messages must not count as accepted.
func (s *Server) Thaw(discard bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen != nil {
		s.discard = discard
		close(s.frozen)
		s.frozen = nil
	}
}

// hold waits while the server is frozen; false: the held command must fail.
func (s *Server) hold() bool {
	s.mu.Lock()
	ch := s.frozen
	s.mu.Unlock()
	if ch == nil {
		return true
	}
	<-ch
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.discard
}

var errGone = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Closing connection"}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.s.hold() {
		return errGone
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if d := ss.s.cfg.Delay; d > 0 {
		time.Sleep(d)
	}
	if !ss.s.hold() {
		return errGone
	}
	if r := ss.s.cfg.Reject; r != nil {
		if err := r(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

// Data reads the message, then counts it only if no freeze discards the answer: the
// message is accepted exactly when the 250 goes out.
func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !ss.s.hold() {
		return errGone
	}
	m := Message{From: ss.from, To: ss.to, At: time.Now()}
	if !ss.s.cfg.DropData {
		m.Data = data
		if pm, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
			m.Header = pm.Header
			m.Body, _ = io.ReadAll(pm.Body)
		}
	}
	ss.s.mu.Lock()
	if ss.s.count == 0 {
		ss.s.first = m.At
	}
	ss.s.last = m.At
	ss.s.count++
	if !ss.s.cfg.DropData {
		ss.s.msgs = append(ss.s.msgs, m)
	}
	for _, to := range m.To {
		ss.s.perRcpt[strings.ToLower(to)]++
	}
	ss.s.mu.Unlock()
	select {
	case ss.s.received <- struct{}{}:
	default:
	}
	return nil
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

// Recipients counts the accepted messages per recipient address (lower-cased).
func (s *Server) Recipients() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perRcpt))
	for k, v := range s.perRcpt {
		out[k] = v
	}
	return out
}

// ErrNotFound is returned by Find when no message matches.
var ErrNotFound = errors.New("smtptest: no such message")

// Find returns the last message to rcpt.
func Find(msgs []Message, rcpt string) (Message, error) {
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, to := range msgs[i].To {
			if strings.EqualFold(to, rcpt) {
				return msgs[i], nil
			}
		}
	}
	return Message{}, ErrNotFound
}

// Part returns the decoded part of m with media type mediaType ("text/plain",
// "text/html"), or m's whole decoded body when it is not multipart.
func (m Message) Part(mediaType string) string {
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return decode(m.Header.Get("Content-Transfer-Encoding"), bytes.NewReader(m.Body))
	}
	r := multipart.NewReader(bytes.NewReader(m.Body), params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			return ""
		}
		if pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt == mediaType {
			// multipart.Reader decodes quoted-printable itself.
			b, _ := io.ReadAll(p)
			return string(b)
		}
	}
}

func decode(cte string, r io.Reader) string {
	if strings.EqualFold(cte, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

// Subject is m's decoded Subject.
func (m Message) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return m.Header.Get("Subject")
	}
	return s
}
