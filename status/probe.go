package status

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProbeKind is what a probe checks.
type ProbeKind string

// Probe kinds.
const (
	ProbeHTTP ProbeKind = "http" // an HTTP(S) request: status, body, certificate
	ProbeTCP  ProbeKind = "tcp"  // a TCP connection
	ProbeDNS  ProbeKind = "dns"  // a name that resolves
)

// ProbeKinds lists every valid kind.
var ProbeKinds = []ProbeKind{ProbeHTTP, ProbeTCP, ProbeDNS}

// Valid reports whether k is a known kind.
func (k ProbeKind) Valid() bool { return slices.Contains(ProbeKinds, k) }

// Probe limits and defaults.
const (
	MinProbeInterval     = 15 * time.Second
	MaxProbeInterval     = time.Hour
	DefaultProbeInterval = time.Minute
	DefaultProbeTimeout  = 10 * time.Second
	MaxProbeTimeout      = 30 * time.Second
	DefaultFailAfter     = 3
	DefaultRecoverAfter  = 2
	MaxProbeThreshold    = 20
	// ProbeRetention is how long per-minute results are kept.
	ProbeRetention = 90 * 24 * time.Hour
)

// Probe checks a component from Candor itself, for components no other monitoring watches.
// After FailAfter consecutive failures it fires a signal (key "probe:<id>") that sets the
// component to Status; after RecoverAfter consecutive successes the signal resolves. Those
// counts are the probe's damping: its signal takes effect without the signal hold.
type Probe struct {
	ID          string
	ComponentID string
	Name        string // staff's label ("" : the target)
	Kind        ProbeKind
	// Target is a URL for http (http:// or https://), host:port for tcp, a host name for dns.
	Target string
	// HTTP only: Method (GET), ExpectStatus (0: any 2xx or 3xx), BodyContains (""
	// : anything), CertMinDays (an https certificate expiring within that many days fails; 0:
	// not checked).
	Method       string
	ExpectStatus int
	BodyContains string
	CertMinDays  int
	Timeout      time.Duration
	Interval     time.Duration
	FailAfter    int
	RecoverAfter int
	// Status is what the component is while the probe fails.
	Status  ComponentStatus
	Enabled bool

	// State, kept by the probes job.
	Failures     int       // consecutive failures
	Successes    int       // consecutive successes
	Failing      bool      // past FailAfter failures: its signal fires
	FailingSince time.Time // the first failure of the current streak
	LastRunAt    time.Time
	NextRunAt    time.Time
	LastOK       bool
	LastError    string
	LastLatency  time.Duration
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Label is how staff and the audit log name the probe.
func (p *Probe) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return string(p.Kind) + " " + p.Target
}

// SignalKey is the key of the probe's signal.
func (p *Probe) SignalKey() string { return ProbeKeyPrefix + p.ID }

// ProbeResult is one check.
type ProbeResult struct {
	ProbeID string
	At      time.Time // when the check started
	OK      bool
	Latency time.Duration
	Error   string // why it failed ("" when OK)
}

// ProbeMinute rolls up a component's probe checks in one minute — every probe of the
// component together: what its response-time and availability charts need, one row a
// minute whatever the number of probes and their intervals. (Per probe, a thousand probes
// would write 130 million rows in 90 days; per component, a hundred components write 13
// million.) Each probe's own state is on the probe.
type ProbeMinute struct {
	ComponentID string
	Minute      time.Time // the minute's start, UTC
	Checks      int
	Failures    int
	LatencySum  time.Duration // of all checks, to average
	LatencyMax  time.Duration
}

// ValidateProbeRecord checks what a stored probe needs: an id, a component, a known kind, a
// target, a status a signal can set, an interval of at least MinProbeInterval and
// thresholds of at least 1.
func ValidateProbeRecord(p *Probe) error {
	pr := Problems{}
	if p.ID == "" {
		pr.Add("id", "is required")
	}
	if p.ComponentID == "" {
		pr.Add("component_id", "is required")
	}
	if !p.Kind.Valid() {
		pr.Add("kind", "must be one of %s", JoinNames(ProbeKinds))
	}
	if p.Target == "" {
		pr.Add("target", "is required")
	}
	if !SignalStatus(p.Status) {
		pr.Add("status", "must be one of %s", JoinNames(SignalStatuses))
	}
	if p.Interval < MinProbeInterval {
		pr.Add("interval", "must be at least %s", MinProbeInterval)
	}
	if p.FailAfter < 1 || p.RecoverAfter < 1 {
		pr.Add("fail_after", "thresholds must be at least 1")
	}
	return pr.Err()
}

// metadataNames are the host names clouds serve instance metadata (and credentials) under.
var metadataNames = []string{"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
	"instance-data.ec2.internal", "metadata.azure.com", "metadata.tencentyun.com"}

// metadataPrefixes are the addresses of cloud metadata services: IPv4 link-local (AWS, GCP,
// Azure, OpenStack, DigitalOcean at 169.254.169.254; ECS at 169.254.170.2), IPv6
// link-local, AWS's IPv6 endpoint, Alibaba's and Oracle's.
var metadataPrefixes = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
	netip.MustParsePrefix("100.100.100.200/32"),
	netip.MustParsePrefix("192.0.0.192/32"),
}

// MetadataAddr reports whether a is a cloud metadata address. Probe targets are
// staff-configured, but a probe that reaches one could read the server's cloud credentials
// back through its error messages, so these are refused when configured and again on
// every connection, after DNS resolution and redirects.
func MetadataAddr(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range metadataPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// MetadataHost reports whether host (a name or an address literal) names a cloud metadata
// service.
func MetadataHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		return MetadataAddr(a)
	}
	return slices.Contains(metadataNames, host)
}

// ProbeHost returns the host a probe's target names, checking the target's form for its
// kind: a field name and a problem when it is malformed or names a metadata service.
func ProbeHost(kind ProbeKind, target string) (host string, field, problem string) {
	switch kind {
	case ProbeHTTP:
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "target", "must be an http:// or https:// URL"
		}
		if u.User != nil {
			return "", "target", "must not carry credentials"
		}
		host = u.Hostname()
	case ProbeTCP:
		h, port, err := net.SplitHostPort(target)
		if n, perr := strconv.Atoi(port); err != nil || h == "" || perr != nil || n < 1 || n > 65535 {
			return "", "target", "must be host:port"
		}
		host = h
	case ProbeDNS:
		host = strings.TrimSuffix(target, ".")
		if host == "" || strings.ContainsAny(host, "/:@ ") {
			return "", "target", "must be a host name"
		}
	default:
		return "", "kind", "must be one of " + JoinNames(ProbeKinds)
	}
	if MetadataHost(host) {
		return "", "target", fmt.Sprintf("%s is a cloud metadata address; probes may not reach it", host)
	}
	return host, "", ""
}
