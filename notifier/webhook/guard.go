package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"

	"github.com/candorstatus/candor/status"
)

// Guard keeps webhook requests off addresses a server-side request forgery would aim at:
// loopback, private (RFC 1918, unique local), carrier-grade NAT, link-local, multicast,
// unspecified and cloud metadata addresses. It is checked when a URL is registered (a
// clear error for staff) and again on every connection actually dialled, so DNS rebinding
// cannot get around it. AllowPrivate lifts it (on-premises receivers, tests), and with it
// allows http:// — otherwise only https:// is used. Cloud metadata stays refused even then.
type Guard struct {
	AllowPrivate bool
	// Resolver looks names up (nil: the system's).
	Resolver *net.Resolver
}

// ErrBlocked is the error of a refused address.
var ErrBlocked = errors.New("refused: a private, loopback, link-local, multicast or cloud metadata address")

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Blocked reports whether a is refused with private addresses not allowed.
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || cgnat.Contains(a) ||
		a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || status.MetadataAddr(a) ||
		(a.Is4() && a.As4()[0] == 0) // 0.0.0.0/8: "this network"
}

func (g Guard) refused(a netip.Addr) bool {
	if status.MetadataAddr(a.Unmap()) {
		return true
	}
	return !g.AllowPrivate && Blocked(a)
}

func (g Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// CheckURL is the registration check: the scheme, and every address the host resolves to
// now. A name that does not resolve is let through (it may be registered before its DNS);
// the dial check refuses it later if it resolves to a refused address.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("the URL cannot be parsed")
	}
	if u.Scheme != "https" && !g.AllowPrivate {
		return fmt.Errorf("the URL must use https:// (http:// only with CANDOR_WEBHOOK_ALLOW_PRIVATE=1)")
	}
	host := u.Hostname()
	if status.MetadataHost(host) {
		return fmt.Errorf("%s: %w", host, ErrBlocked)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if g.refused(a) {
			return fmt.Errorf("%s: %w (set CANDOR_WEBHOOK_ALLOW_PRIVATE=1 for on-premises receivers)", host, ErrBlocked)
		}
		return nil
	}
	addrs, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if g.refused(a) {
			return fmt.Errorf("%s resolves to %s: %w (set CANDOR_WEBHOOK_ALLOW_PRIVATE=1 for on-premises receivers)", host, a, ErrBlocked)
		}
	}
	return nil
}

// DialContext connects like net.Dialer, refusing metadata names before resolving and
// refused addresses on the connection actually dialled.
func (g Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if status.MetadataHost(host) {
		return nil, fmt.Errorf("%s: %w", host, ErrBlocked)
	}
	d := &net.Dialer{Resolver: g.Resolver, Control: func(_, addr string, _ syscall.RawConn) error {
		h, _, err := net.SplitHostPort(addr)
		if err != nil {
			return err
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			return fmt.Errorf("dialled address %q: %w", h, err)
		}
		if g.refused(a) {
			return fmt.Errorf("%s: %w", a, ErrBlocked)
		}
		return nil
	}}
	return d.DialContext(ctx, network, address)
}
