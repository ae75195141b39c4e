package web

import (
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// parseProxies reads the trusted proxy list (addresses and CIDRs, as LCRM_TRUSTED_PROXIES
// gives them); entries that are neither are returned as bad.
func parseProxies(list []string) (nets []netip.Prefix, bad []string) {
	for _, p := range list {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if pf, err := netip.ParsePrefix(p); err == nil {
			nets = append(nets, pf.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			a = a.Unmap()
			nets = append(nets, netip.PrefixFrom(a, a.BitLen()))
		} else {
			bad = append(bad, p)
		}
	}
	return nets, bad
}

// trusted reports whether a is one of the trusted proxies.
func (s *Core) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr finds the client's address. The TCP peer is the client unless it is a trusted
// proxy; then X-Forwarded-For is read from the right (each proxy appends the address it saw),
// skipping trusted proxies, and the first address that is not one is the client. Whatever
// a client writes into the header itself sits left of that and is never believed. A hop
// that is not an address ends the walk at the last proxy seen, so a mangled header makes
// every such request share that proxy's address rather than get one of its own.
func (s *Core) clientAddr(peer netip.Addr, forwarded [][]byte) netip.Addr {
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer
	}
	client := peer
	for i := len(forwarded) - 1; i >= 0; i-- {
		hops := strings.Split(string(forwarded[i]), ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, ok := hopAddr(hops[j])
			if !ok {
				return client
			}
			client = a
			if !s.trusted(a) {
				return a
			}
		}
	}
	return client // every hop was a trusted proxy: the left-most one
}

// hopAddr reads one X-Forwarded-For entry: an address, possibly with a port
// ("203.0.113.7:5123", "[2001:db8::1]:443").
func hopAddr(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// ClientAddress is the first middleware: it sets the request's remote address to the
// client's (see clientAddr), so c.IP() is the client everywhere after it (every limit per
// address, sessions, logs) and no handler can pick the forgeable left-most header value.
func (s *Core) ClientAddress(c *fiber.Ctx) error {
	var peer netip.Addr
	addr := c.Context().RemoteAddr()
	if conn := c.Context().Conn(); conn != nil {
		addr = conn.RemoteAddr() // the real peer, also on the next request of a kept-alive connection
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		peer, _ = netip.AddrFromSlice(tcp.IP)
	}
	if len(s.proxies) > 0 && peer.IsValid() {
		// Set on every request: a kept-alive connection keeps the previous request's value.
		client := s.clientAddr(peer, c.Request().Header.PeekAll(fiber.HeaderXForwardedFor))
		c.Context().SetRemoteAddr(&net.TCPAddr{IP: client.AsSlice()})
	}
	return c.Next()
}

// ClientKey is what limits per client address count on: the address, or for IPv6 its /64
// (one subscriber line gets a whole /64, so single IPv6 addresses cost an attacker nothing).
func ClientKey(c *fiber.Ctx) string {
	ip := c.IP()
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return ip
}
