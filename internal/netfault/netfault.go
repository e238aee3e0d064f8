// Package netfault is a TCP forwarder for tests that makes a loopback link
// behave like a real network: latency each way, and cuts. It listens on a
// loopback port of its own and forwards every connection to a target.
//
// Latency is a delay, not a throughput limit: each chunk read at time T is
// written on at T+latency, in order, while later chunks are read meanwhile
// (at most 1 MiB in flight each way, then the sender is pushed back, as a
// full window does).
//
// Toxiproxy (github.com/Shopify/toxiproxy/v2; v2.5.0 is the newest the
// module proxy serves) does this and more as a library, but brings six
// direct and fifteen indirect modules (Prometheus, protobuf, zerolog, a CLI
// library) into the module graph for a test helper of 200 lines.
package netfault

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// inFlight bounds the chunks on their way in each direction of a
// connection; a chunk is at most chunkSize bytes.
const (
	inFlight  = 32
	chunkSize = 32 << 10
)

// Link forwards connections from its address to a target.
type Link struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	latency time.Duration
	cut     bool
	conns   map[net.Conn]struct{} // both ends of every forwarded connection
	closed  bool

	wg sync.WaitGroup // the accept loop and every pump
}

// New starts a link to target ("host:port").
func New(target string) (*Link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("netfault: %w", err)
	}
	l := &Link{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr is the link's own address, "127.0.0.1:PORT".
func (l *Link) Addr() string { return l.ln.Addr().String() }

// SetLatency delays every chunk by d, each way, on every connection from
// now on (chunks on their way keep their time).
func (l *Link) SetLatency(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.latency = d
}

// Cut breaks every connection through the link and refuses new ones (each
// is closed as soon as it is accepted), as a dropped route that both ends
// notice does; Mend lets connections through again.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	l.closeAll()
}

// Mend ends a Cut.
func (l *Link) Mend() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = false
}

// Close stops the link and waits for its goroutines.
func (l *Link) Close() {
	l.mu.Lock()
	l.closed = true
	l.closeAll()
	l.mu.Unlock()
	l.ln.Close()
	l.wg.Wait()
}

// closeAll closes every forwarded connection; l.mu is held.
func (l *Link) closeAll() {
	for c := range l.conns {
		c.Close()
	}
	clear(l.conns)
}

func (l *Link) accept() {
	defer l.wg.Done()
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.forward(in)
	}
}

// forward connects in to the target, unless the link is cut.
func (l *Link) forward(in net.Conn) {
	l.mu.Lock()
	cut := l.cut || l.closed
	l.mu.Unlock()
	if cut {
		in.Close()
		return
	}
	out, err := net.DialTimeout("tcp", l.target, 10*time.Second)
	if err != nil {
		in.Close()
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut || l.closed { // cut while dialling
		in.Close()
		out.Close()
		return
	}
	l.conns[in], l.conns[out] = struct{}{}, struct{}{}
	for _, pair := range [][2]net.Conn{{in, out}, {out, in}} {
		chunks := make(chan chunk, inFlight)
		l.wg.Add(2)
		go l.read(pair[0], chunks)
		go l.write(pair[1], chunks)
	}
}

// chunk is bytes read at one moment, due on the other side at due.
type chunk struct {
	data []byte
	due  time.Time
}

// read reads src into chunks stamped with the latency, until src fails;
// then it closes chunks, so that the writer closes its end once what was
// read has been delivered.
func (l *Link) read(src net.Conn, chunks chan<- chunk) {
	defer l.wg.Done()
	defer close(chunks)
	for {
		buf := make([]byte, chunkSize)
		n, err := src.Read(buf)
		if n > 0 {
			l.mu.Lock()
			due := time.Now().Add(l.latency)
			l.mu.Unlock()
			chunks <- chunk{buf[:n], due}
		}
		if err != nil {
			return
		}
	}
}

// write delivers chunks to dst, each at its time, then closes dst. A
// failed write closes dst at once: the other direction's reader fails on
// it, its writer closes this direction's source, and chunks ends.
func (l *Link) write(dst net.Conn, chunks <-chan chunk) {
	defer l.wg.Done()
	defer l.drop(dst)
	for c := range chunks {
		if wait := time.Until(c.due); wait > 0 {
			time.Sleep(wait) // bounded by the latency; a cut closes dst
		}
		if _, err := dst.Write(c.data); err != nil {
			l.drop(dst)
			for range chunks {
			}
			return
		}
	}
}

func (l *Link) drop(c net.Conn) {
	c.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}
