package pgtest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to the database and can misbehave as networks and
// failovers do: Cut drops every open connection and refuses new ones (a reset); Stall
// keeps every connection open but passes no byte either way (a hung peer or a black-holed
// route, which no error reveals), holding what it reads until unstalled.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	cut     bool
	stalled bool
	resume  chan struct{} // closed when a stall ends
	conns   map[net.Conn]bool
}

// NewProxy starts a proxy to target (host:port); it stops when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}, resume: make(chan struct{})}
	t.Cleanup(func() { ln.Close(); p.Stall(false); p.Cut(true) })
	go p.serve()
	return p
}

// Through rewrites a database URL to connect through the proxy.
func (p *Proxy) Through(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

// ServerHost is the host:port of the server named by CANDOR_TEST_POSTGRES_URL.
func ServerHost(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(ServerURL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", URLEnv, err)
	}
	return u.Host
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

// pipe copies src to dst, holding each chunk while the proxy is stalled.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				src.Close()
			}
			return
		}
	}
}

// wait returns at once unless the proxy is stalled, then when the stall ends.
func (p *Proxy) wait() {
	p.mu.Lock()
	stalled, resume := p.stalled, p.resume
	p.mu.Unlock()
	if stalled {
		<-resume
	}
}

// Cut drops every open connection and refuses new ones (true), or accepts them again.
func (p *Proxy) Cut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// Stall stops passing bytes on every connection, open or new (true), or lets them flow
// again with what was held.
func (p *Proxy) Stall(stall bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stall == p.stalled {
		return
	}
	p.stalled = stall
	if !stall {
		close(p.resume)
		p.resume = make(chan struct{})
	}
}
