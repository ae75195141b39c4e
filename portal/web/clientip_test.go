package web

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	nets, bad := parseProxies([]string{"10.0.0.0/8", " 192.0.2.1 ", "2001:db8::/32", "", "proxy.internal"})
	if len(nets) != 3 || len(bad) != 1 || bad[0] != "proxy.internal" {
		t.Fatalf("parseProxies = %v, bad %v", nets, bad)
	}
	s := &Core{proxies: nets}
	hdr := func(vals ...string) [][]byte {
		out := make([][]byte, len(vals))
		for i, v := range vals {
			out[i] = []byte(v)
		}
		return out
	}
	for _, c := range []struct {
		name, peer string
		xff        [][]byte
		want       string
	}{
		{"untrusted peer: the header is ignored", "203.0.113.9", hdr("198.51.100.1"), "203.0.113.9"},
		{"untrusted peer, no header", "203.0.113.9", nil, "203.0.113.9"},
		{"one proxy", "10.0.0.5", hdr("198.51.100.1"), "198.51.100.1"},
		{"forged left part is skipped", "10.0.0.5", hdr("1.2.3.4, 5.6.7.8, 198.51.100.1"), "198.51.100.1"},
		{"two proxies", "10.0.0.5", hdr("1.2.3.4, 198.51.100.1, 192.0.2.1"), "198.51.100.1"},
		{"two header lines", "10.0.0.5", hdr("1.2.3.4", "198.51.100.1, 10.1.1.1"), "198.51.100.1"},
		{"with a port", "10.0.0.5", hdr("198.51.100.1:5123"), "198.51.100.1"},
		{"IPv6 with a port", "10.0.0.5", hdr("[2001:db9::7]:443"), "2001:db9::7"},
		{"IPv4-mapped peer", "::ffff:10.0.0.5", hdr("198.51.100.1"), "198.51.100.1"},
		{"garbage right of the client stops at the proxy", "10.0.0.5", hdr("198.51.100.1, garbage"), "10.0.0.5"},
		{"garbage after a second proxy", "10.0.0.5", hdr("junk, 192.0.2.1"), "192.0.2.1"},
		{"only proxies: the left-most", "10.0.0.5", hdr("10.9.9.9, 192.0.2.1"), "10.9.9.9"},
		{"no header from a proxy", "10.0.0.5", nil, "10.0.0.5"},
		{"empty header", "10.0.0.5", hdr(""), "10.0.0.5"},
	} {
		got := s.clientAddr(netip.MustParseAddr(c.peer), c.xff)
		if got.String() != c.want {
			t.Errorf("%s: client = %s, want %s", c.name, got, c.want)
		}
	}
}
