package hub

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// requester is who sent a request, as far as the hub can tell.
type requester struct {
	// addr is the client's address: the peer's, or, when the peer is a
	// trusted proxy, the one it forwarded for. Limits per address count it.
	addr netip.Addr
	// local is true for a request straight from this machine: loopback,
	// with no forwarding header. A forwarded request is never local.
	local bool
	// https is true when the client used TLS: to the hub itself, or to
	// a trusted proxy that says so (X-Forwarded-Proto).
	https bool
}

// forwardingHeaders are what a reverse proxy adds. Their presence alone
// makes a request not local, believed or not.
var forwardingHeaders = []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded"}

// requesterOf tells who sent r. Forwarding headers are believed only from
// the trusted proxies: anyone can write them, and a reverse proxy on this
// machine makes every request come from loopback.
func (h *Hub) requesterOf(r *http.Request) requester {
	peer := peerAddr(r)
	who := requester{addr: peer, https: r.TLS != nil}
	if !hasForwarding(r) {
		who.local = peer.IsLoopback()
		return who
	}
	if !h.trusted(peer) {
		if peer.IsLoopback() {
			h.warnUntrustedForwarding(peer)
		}
		return who
	}
	who.addr = h.forwardedFor(r, peer)
	who.https = who.https || strings.EqualFold(firstValue(r.Header.Get("X-Forwarded-Proto")), "https")
	return who
}

func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}

func hasForwarding(r *http.Request) bool {
	for _, name := range forwardingHeaders {
		if _, ok := r.Header[name]; ok {
			return true
		}
	}
	return false
}

func (h *Hub) trusted(ip netip.Addr) bool {
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedFor returns the client a trusted proxy forwarded for: the
// rightmost address in X-Forwarded-For that is not a trusted proxy itself.
// Addresses left of it were written by the client, or by proxies nobody
// vouches for.
func (h *Hub) forwardedFor(r *http.Request, peer netip.Addr) netip.Addr {
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a hop that is no address: believe nothing left of it
		}
		if ip = ip.Unmap(); !h.trusted(ip) {
			return ip
		}
	}
	return peer
}

func firstValue(list string) string {
	v, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(v)
}

// warnUntrustedForwarding logs, at most once a minute, that a request came
// through a proxy on this machine that the hub was not told to trust: it is
// treated as remote, so making sessions needs the admin token.
func (h *Hub) warnUntrustedForwarding(peer netip.Addr) {
	now := time.Now().Unix()
	last := h.untrustedWarned.Load()
	if now-last < 60 || !h.untrustedWarned.CompareAndSwap(last, now) {
		return
	}
	h.log.Warn("a request from loopback carries forwarding headers, but the address is not a trusted proxy: "+
		"it is treated as remote (admin token needed). Behind a reverse proxy, give the hub --trusted-proxy with its address",
		"peer", peer.String())
}
