// Package probe checks components from Candor itself — HTTP(S), TCP and DNS — for the
// components no other monitoring watches, and runs the due probes on the job scheduler.
// What a result means (streaks, thresholds, signals) is status.Service's business; this
// package only talks to the network, and refuses to talk to cloud metadata services.
package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/candorstatus/candor/status"
)

// maxBody is how much of a response is read looking for BodyContains.
const maxBody = 1 << 20

// errMetadata refuses a connection to a cloud metadata address.
var errMetadata = errors.New("refused: cloud metadata address")

// Checker runs single checks. Its zero value is ready; it is safe for concurrent use.
type Checker struct {
	// RootCAs, when set, replaces the system's roots for HTTPS (tests trust their servers).
	RootCAs *x509.CertPool
	// Resolver looks names up (nil: the system's).
	Resolver *net.Resolver
	// Now tells the time certificates are judged at (nil: time.Now).
	Now func() time.Time
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) resolver() *net.Resolver {
	if c.Resolver != nil {
		return c.Resolver
	}
	return net.DefaultResolver
}

// dial connects like net.Dialer, refusing metadata names before resolving and metadata
// addresses after: Control sees the address actually dialled, so neither DNS (rebinding
// included) nor a redirect can lead a probe there.
func (c *Checker) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if status.MetadataHost(host) {
		return nil, errMetadata
	}
	d := &net.Dialer{Resolver: c.Resolver, Control: func(_, addr string, _ syscall.RawConn) error {
		h, _, err := net.SplitHostPort(addr)
		if err != nil {
			return err
		}
		if a, err := netip.ParseAddr(h); err == nil && status.MetadataAddr(a) {
			return errMetadata
		}
		return nil
	}}
	return d.DialContext(ctx, network, address)
}

// Check runs one check of p, bounded by p.Timeout.
func (c *Checker) Check(ctx context.Context, p status.Probe) status.ProbeResult {
	start := time.Now()
	r := status.ProbeResult{ProbeID: p.ID, At: c.now()}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = status.DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	switch p.Kind {
	case status.ProbeHTTP:
		err = c.checkHTTP(ctx, p)
	case status.ProbeTCP:
		var conn net.Conn
		if conn, err = c.dial(ctx, "tcp", p.Target); err == nil {
			conn.Close()
		}
	case status.ProbeDNS:
		err = c.checkDNS(ctx, p.Target)
	default:
		err = fmt.Errorf("unknown probe kind %q", p.Kind)
	}
	r.Latency = time.Since(start)
	if err != nil {
		r.Error = describe(err, timeout)
		return r
	}
	r.OK = true
	return r
}

func (c *Checker) checkHTTP(ctx context.Context, p status.Probe) error {
	// One connection per check and no proxy: a check measures a fresh connection (and its
	// certificate) to the target itself, through the guarded dialer.
	tr := &http.Transport{DialContext: c.dial, DisableKeepAlives: true, ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}, MaxResponseHeaderBytes: 64 << 10}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		return nil
	}}
	method := p.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, p.Target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "Candor-Probe/1 (+status page monitoring)")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case p.ExpectStatus != 0 && resp.StatusCode != p.ExpectStatus:
		return fmt.Errorf("status %d, want %d", resp.StatusCode, p.ExpectStatus)
	case p.ExpectStatus == 0 && (resp.StatusCode < 200 || resp.StatusCode > 399):
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if p.CertMinDays > 0 && resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		cert := resp.TLS.PeerCertificates[0]
		if left := cert.NotAfter.Sub(c.now()); left < time.Duration(p.CertMinDays)*24*time.Hour {
			return fmt.Errorf("certificate expires in %.1f days (%s), want at least %d", left.Hours()/24,
				cert.NotAfter.UTC().Format("2006-01-02 15:04 MST"), p.CertMinDays)
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if p.BodyContains != "" && !bytes.Contains(body, []byte(p.BodyContains)) {
		return fmt.Errorf("body does not contain %q", p.BodyContains)
	}
	return nil
}

func (c *Checker) checkDNS(ctx context.Context, host string) error {
	host = strings.TrimSuffix(host, ".")
	if status.MetadataHost(host) {
		return errMetadata
	}
	addrs, err := c.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return errors.New("no addresses")
	}
	for _, a := range addrs {
		if status.MetadataAddr(a) {
			return fmt.Errorf("resolves to %s: %w", a, errMetadata)
		}
	}
	return nil
}

// describe words a failure for staff: what failed, without Go's request preamble.
func describe(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, errMetadata):
		return errMetadata.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
