package hub

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Bounds on join attempts with wrong keys, per client address. A key is 192
// random bits, so guessing is hopeless anyway; the guard keeps a guesser
// from costing the hub a hash and a log line per attempt, and says so.
const (
	freeFailures   = 5                // wrong keys allowed before the back-off starts
	firstLockout   = time.Second      // refusal time after the first failure past the free ones
	longestLockout = 5 * time.Minute  // the back-off doubles up to this
	forgetAfter    = 15 * time.Minute // an address without failures for this long starts afresh
	guardedAddrs   = 10000            // addresses remembered at most
)

// joinGuard counts wrong keys per client address and refuses every join
// attempt (right key or not) from an address in its back-off, so that
// guessing cannot go faster than the back-off allows.
type joinGuard struct {
	mu    sync.Mutex
	addrs map[netip.Prefix]*strikes
}

type strikes struct {
	failures int
	until    time.Time // refused until then
	last     time.Time // last failure
}

func newJoinGuard() *joinGuard { return &joinGuard{addrs: map[netip.Prefix]*strikes{}} }

// clientKey is what the guard counts by: an IPv4 address, or an IPv6 /64
// (one machine's share of a network, which it may fill with addresses).
func clientKey(ip netip.Addr) netip.Prefix {
	bits := ip.BitLen()
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// wait returns how long the address must still wait before a join attempt
// is heard; zero when it may try now.
func (g *joinGuard) wait(ip netip.Addr, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.addrs[clientKey(ip)]
	if s == nil || !now.Before(s.until) {
		return 0
	}
	return s.until.Sub(now)
}

// failed counts a wrong key from ip and returns the refusal time it starts
// (zero within the free failures).
func (g *joinGuard) failed(ip netip.Addr, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := clientKey(ip)
	s := g.addrs[key]
	if s != nil && now.Sub(s.last) >= forgetAfter {
		s = nil
	}
	if s == nil {
		g.makeRoom(now)
		s = &strikes{}
		g.addrs[key] = s
	}
	s.failures++
	s.last = now
	over := s.failures - freeFailures
	if over <= 0 {
		return 0
	}
	lockout := longestLockout
	if over < 20 { // beyond that the doubling has long passed the cap
		lockout = min(firstLockout<<(over-1), longestLockout)
	}
	s.until = now.Add(lockout)
	return lockout
}

// makeRoom keeps the map within guardedAddrs: forgotten addresses go
// first, then the one whose last failure is oldest. g.mu is held.
func (g *joinGuard) makeRoom(now time.Time) {
	if len(g.addrs) < guardedAddrs {
		return
	}
	var oldest netip.Prefix
	var oldestAt time.Time
	for k, s := range g.addrs {
		if now.Sub(s.last) >= forgetAfter && !now.Before(s.until) {
			delete(g.addrs, k)
			continue
		}
		if oldestAt.IsZero() || s.last.Before(oldestAt) {
			oldest, oldestAt = k, s.last
		}
	}
	if len(g.addrs) >= guardedAddrs {
		delete(g.addrs, oldest)
	}
}

// addrLimit counts the open connections of each client address.
type addrLimit struct {
	mu    sync.Mutex
	max   int
	count map[netip.Addr]int
}

func newAddrLimit(max int) *addrLimit { return &addrLimit{max: max, count: map[netip.Addr]int{}} }

// take counts one more connection from ip; false when ip has max already.
func (l *addrLimit) take(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[ip] >= l.max {
		return false
	}
	l.count[ip]++
	return true
}

func (l *addrLimit) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[ip]--; l.count[ip] <= 0 {
		delete(l.count, ip)
	}
}

// LimitListener returns ln, closing at once each connection from an address
// that has perAddr open already. The hub's trusted proxies are exempt: every
// client behind them shares their address, and the hub limits those clients
// by their forwarded address instead. Slow senders of request headers are
// ended by the server's ReadHeaderTimeout.
func (h *Hub) LimitListener(ln net.Listener, perAddr int) net.Listener {
	return &limitListener{Listener: ln, hub: h, limit: newAddrLimit(perAddr)}
}

type limitListener struct {
	net.Listener
	hub   *Hub
	limit *addrLimit
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		ip := ap.Addr().Unmap()
		if err != nil || l.hub.trusted(ip) {
			return c, nil
		}
		if !l.limit.take(ip) {
			l.hub.metrics.drop(DropTooManyConns)
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, release: sync.OnceFunc(func() { l.limit.release(ip) })}, nil
	}
}

type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
