package probe_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/probe"
	"github.com/candorstatus/candor/status"
)

func httpProbe(target string) status.Probe {
	return status.Probe{ID: "p", ComponentID: "api", Kind: status.ProbeHTTP, Target: target, Method: "GET",
		Timeout: 2 * time.Second, Interval: 15 * time.Second, FailAfter: 3, RecoverAfter: 2, Status: status.PartialOutage}
}

func TestHTTPChecks(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"status": "ok"}`)) })
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	mux.HandleFunc("/created", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/", http.StatusFound)
	})
	hang := make(chan struct{})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(hang)

	c := &probe.Checker{}
	for _, tc := range []struct {
		name string
		edit func(p *status.Probe)
		ok   bool
		err  string
	}{
		{"healthy", func(p *status.Probe) { p.Target += "/ok"; p.BodyContains = `"ok"` }, true, ""},
		{"failing", func(p *status.Probe) { p.Target += "/fail" }, false, "status 503"},
		{"wrong body", func(p *status.Probe) { p.Target += "/ok"; p.BodyContains = "healthy" }, false, `body does not contain "healthy"`},
		{"expected status", func(p *status.Probe) { p.Target += "/created"; p.ExpectStatus = 201 }, true, ""},
		{"unexpected status", func(p *status.Probe) { p.Target += "/ok"; p.ExpectStatus = 204 }, false, "status 200, want 204"},
		{"redirect followed", func(p *status.Probe) { p.Target += "/moved"; p.BodyContains = "ok" }, true, ""},
		{"redirect to metadata", func(p *status.Probe) { p.Target += "/metadata" }, false, "cloud metadata"},
		{"timing out", func(p *status.Probe) { p.Target += "/hang"; p.Timeout = 200 * time.Millisecond }, false, "no answer within 200ms"},
		{"HEAD", func(p *status.Probe) { p.Target += "/ok"; p.Method = "HEAD" }, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := httpProbe(srv.URL)
			tc.edit(&p)
			r := c.Check(t.Context(), p)
			if r.OK != tc.ok || !strings.Contains(r.Error, tc.err) || r.ProbeID != "p" || r.At.IsZero() {
				t.Errorf("Check = %+v, want ok=%t and an error containing %q", r, tc.ok, tc.err)
			}
		})
	}
}

// tlsServer starts an HTTPS server whose certificate expires after validFor, and returns
// a pool that trusts it.
func tlsServer(t *testing.T, validFor time.Duration) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "candor-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return srv, pool
}

func TestCertificateDaysLeft(t *testing.T) {
	short, shortPool := tlsServer(t, 36*time.Hour)
	long, longPool := tlsServer(t, 60*24*time.Hour)
	p := httpProbe(short.URL)
	p.CertMinDays = 14
	r := (&probe.Checker{RootCAs: shortPool}).Check(t.Context(), p)
	if r.OK || !strings.Contains(r.Error, "certificate expires in 1.5 days") {
		t.Errorf("short-lived certificate: %+v", r)
	}
	p.CertMinDays = 0 // not checked: the same server passes
	if r := (&probe.Checker{RootCAs: shortPool}).Check(t.Context(), p); !r.OK {
		t.Errorf("without a minimum: %+v", r)
	}
	p = httpProbe(long.URL)
	p.CertMinDays = 14
	if r := (&probe.Checker{RootCAs: longPool}).Check(t.Context(), p); !r.OK {
		t.Errorf("a certificate with 60 days left: %+v", r)
	}
	// An untrusted certificate fails whatever the days.
	if r := (&probe.Checker{}).Check(t.Context(), p); r.OK || !strings.Contains(r.Error, "certificate") {
		t.Errorf("untrusted certificate: %+v", r)
	}
}

func TestTCPAndDNSChecks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := ln.Addr().String()
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln2.Addr().String()
	ln2.Close()
	defer ln.Close()

	dns := fakeDNS(t, map[string]net.IP{"api.test.": net.IPv4(127, 0, 0, 1), "rebind.test.": net.IPv4(169, 254, 169, 254)})
	c := &probe.Checker{Resolver: dns}
	tcp := func(target string) status.Probe {
		return status.Probe{ID: "t", Kind: status.ProbeTCP, Target: target, Timeout: 2 * time.Second}
	}
	dnsProbe := func(host string) status.Probe {
		return status.Probe{ID: "d", Kind: status.ProbeDNS, Target: host, Timeout: 2 * time.Second}
	}
	for _, tc := range []struct {
		name string
		p    status.Probe
		ok   bool
		err  string
	}{
		{"tcp open", tcp(open), true, ""},
		{"tcp refused", tcp(closed), false, "refused"},
		{"tcp to metadata", tcp("169.254.169.254:80"), false, "cloud metadata"},
		{"tcp to a metadata name", tcp("metadata.google.internal:80"), false, "cloud metadata"},
		{"tcp to a name resolving to metadata", tcp("rebind.test:80"), false, "cloud metadata"},
		{"tcp by name", tcp("api.test:" + strings.Split(open, ":")[1]), true, ""},
		{"dns resolves", dnsProbe("api.test"), true, ""},
		{"dns unknown", dnsProbe("nope.test"), false, "no such host"},
		{"dns resolving to metadata", dnsProbe("rebind.test"), false, "cloud metadata"},
		{"http to a name resolving to metadata", httpProbe("http://rebind.test/"), false, "cloud metadata"},
		{"http to fd00:ec2::254", httpProbe("http://[fd00:ec2::254]/latest/"), false, "cloud metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Check(t.Context(), tc.p)
			if r.OK != tc.ok || !strings.Contains(r.Error, tc.err) {
				t.Errorf("Check = %+v, want ok=%t and an error containing %q", r, tc.ok, tc.err)
			}
		})
	}
}

// fakeDNS answers A queries for names from a UDP server on loopback, so tests control what
// a name resolves to (a rebinding to a metadata address included).
func fakeDNS(t *testing.T, names map[string]net.IP) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			q := buf[12:n]
			// The question: labels, then type and class.
			var name strings.Builder
			i := 0
			for i < len(q) && q[i] != 0 {
				l := int(q[i])
				name.WriteString(string(q[i+1:i+1+l]) + ".")
				i += 1 + l
			}
			qtype := binary.BigEndian.Uint16(q[i+1:])
			question := q[:i+5]
			ip, known := names[strings.ToLower(name.String())]
			resp := append([]byte{}, buf[:2]...)                    // the query's id
			resp = append(resp, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0) // a response, recursion available
			if !known {
				resp[3] = 0x83 // NXDOMAIN
			}
			resp = append(resp, question...)
			if known && qtype == 1 {
				resp[7] = 1 // one answer
				resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
				resp = append(resp, ip.To4()...)
			}
			pc.WriteTo(resp, from)
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", addr)
	}}
}
