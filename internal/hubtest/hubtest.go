// Package hubtest serves real hubs on loopback for tests, and plays their
// participants: raw websocket peers that see every frame, and hub
// connections (hubclient) with their events.
package hubtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// WaitFor bounds every wait in these tests; waits end on events, never on
// the clock, unless something is broken.
const WaitFor = 10 * time.Second

// Hub is a Hub served over a real loopback listener.
type Hub struct {
	*hub.Hub
	URL        string
	Links      wire.Links // of session "demo"
	stopServer func()
}

// StartHub serves a new hub on addr ("" for any free port) with a session
// "demo" (created if the store lacks it; if it has it, the keys are those of
// the hub that created it, and Links is empty). wrap, if set, wraps the
// listener.
func StartHub(t testing.TB, cfg hub.Config, addr string, wrap func(net.Listener) net.Listener) *Hub {
	t.Helper()
	ln := Listen(t, addr)
	if wrap != nil {
		ln = wrap(ln)
	}
	cfg.BaseURL = "http://" + ln.Addr().String()
	th := &Hub{Hub: hub.New(cfg), URL: cfg.BaseURL}
	var err error
	th.Links, err = th.CreateSession("demo")
	if errors.Is(err, store.ErrSessionExists) {
		th.Links, err = wire.Links{Session: "demo"}, nil
	}
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	th.stopServer = Serve(th.Hub, ln)
	t.Cleanup(th.Stop)
	return th
}

func Listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return ln
}

// Serve serves h on ln until the returned stop is called; stop may be
// called more than once.
func Serve(h http.Handler, ln net.Listener) (stop func()) {
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return func() {
		srv.Close()
		<-done
	}
}

// Stop closes the server and the hub; it may be called more than once.
func (th *Hub) Stop() {
	th.stopServer()
	th.Hub.Close()
}

// Key returns the key of one of the demo session's links.
func Key(t testing.TB, link string) string {
	t.Helper()
	_, _, k, err := wire.ParseLink(link)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Peer is a raw websocket participant: the tests see every frame it gets.
type Peer struct {
	t      testing.TB
	Name   string
	Role   string
	WS     *websocket.Conn
	frames chan wire.Frame
	done   chan struct{} // closed when the reader stops
	err    error         // the reader's last error, once done
}

// DialHub opens a websocket to the demo session with key and optional
// extra headers, returning the HTTP response on refusal.
func DialHub(th *Hub, key string, header http.Header, dialer *websocket.Dialer) (*websocket.Conn, *http.Response, error) {
	if header == nil {
		header = http.Header{}
	}
	if key != "" {
		header.Set("Authorization", "Bearer "+key)
	}
	if dialer == nil {
		dialer = websocket.DefaultDialer
	}
	return dialer.Dial("ws"+strings.TrimPrefix(th.URL, "http")+"/s/demo/ws", header)
}

// Join connects a raw Peer named name with the given key and waits for
// its welcome.
func Join(t testing.TB, th *Hub, key, name string) *Peer {
	t.Helper()
	p := ConnectPeer(t, th, key, wire.Frame{Type: wire.TypeHello, ID: "id-" + name, Name: name}, nil)
	w := p.Await(func(f wire.Frame) bool { return f.Type == wire.TypeWelcome }, "welcome")
	p.Name, p.Role = w.Name, w.Role
	return p
}

// ConnectPeer dials, says hello and starts reading, without waiting.
func ConnectPeer(t testing.TB, th *Hub, key string, hello wire.Frame, dialer *websocket.Dialer) *Peer {
	t.Helper()
	ws, _, err := DialHub(th, key, nil, dialer)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	p := &Peer{t: t, WS: ws, frames: make(chan wire.Frame, 100000), done: make(chan struct{})}
	go p.read()
	t.Cleanup(p.Close)
	if hello.Type != "" {
		p.Send(hello)
	}
	return p
}

func (p *Peer) read() {
	defer close(p.done)
	for {
		_, data, err := p.WS.ReadMessage()
		if err != nil {
			p.err = err
			return
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			p.err = fmt.Errorf("Peer got a bad frame: %w", err)
			return
		}
		p.frames <- f
	}
}

func (p *Peer) Close() {
	p.WS.Close()
	<-p.done
}

// Send writes f as JSON, or, for an answer with a chunk, as a binary chunk
// message.
func (p *Peer) Send(f wire.Frame) {
	p.t.Helper()
	kind, b, err := websocket.TextMessage, []byte(nil), error(nil)
	if f.Chunk != nil {
		kind = websocket.BinaryMessage
		b, err = wire.Encode(f)
	} else {
		b, err = json.Marshal(f)
	}
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.WS.WriteMessage(kind, b); err != nil {
		p.t.Fatalf("%s: send %s: %v", p.Name, f.Type, err)
	}
}

// Await returns the first frame that satisfies match, skipping others.
func (p *Peer) Await(match func(wire.Frame) bool, what string) wire.Frame {
	p.t.Helper()
	deadline := time.NewTimer(WaitFor)
	defer deadline.Stop()
	for {
		select {
		case f := <-p.frames:
			if match(f) {
				return f
			}
		case <-p.done:
			// Frames read before the end are still in the channel.
			select {
			case f := <-p.frames:
				if match(f) {
					return f
				}
				continue
			default:
			}
			p.t.Fatalf("%s: connection ended (%v) while waiting for %s", p.Name, p.err, what)
		case <-deadline.C:
			p.t.Fatalf("%s: no %s within %v", p.Name, what, WaitFor)
		}
	}
}

// AwaitClosed waits for the hub to close p's connection and returns the
// reader's error.
func (p *Peer) AwaitClosed() error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(WaitFor):
		p.t.Fatalf("%s: connection still open after %v", p.Name, WaitFor)
		return nil
	}
}

// IsType matches frames of one type.
func IsType(typ string) func(wire.Frame) bool {
	return func(f wire.Frame) bool { return f.Type == typ }
}

// StateWhere matches a state frame that satisfies cond.
func StateWhere(cond func(wire.Frame) bool) func(wire.Frame) bool {
	return func(f wire.Frame) bool { return f.Type == wire.TypeState && cond(f) }
}

// ParticipantIn finds name in a state frame.
func ParticipantIn(f wire.Frame, name string) (wire.Participant, bool) {
	for _, p := range f.Participants {
		if p.Name == name {
			return p, true
		}
	}
	return wire.Participant{}, false
}

// Loc is a portable location JSON for a line of a file.
func Loc(path string, line int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"space":"workspace","path":%q,"range":{"start":{"line":%d,"character":0},"end":{"line":%d,"character":0}}}`, path, line, line))
}

// Jump is a nav frame to path:line.
func Jump(path string, line int) wire.Frame {
	return wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: Loc(path, line)}
}

// IsNav matches a nav frame with the given seq.
func IsNav(seq uint64) func(wire.Frame) bool {
	return func(f wire.Frame) bool { return f.Type == wire.TypeNav && f.Seq == seq }
}

// IsNote matches the hub's copy of note id, changed as cond says.
func IsNote(id uint64, cond func(n *wire.Note) bool) func(wire.Frame) bool {
	return func(f wire.Frame) bool {
		return f.Type == wire.TypeNote && f.Note != nil && f.Note.ID == id && cond(f.Note)
	}
}

// RunConn starts a Client on link and stops it at cleanup.
func RunConn(t testing.TB, cfg hubclient.Config) (*hubclient.Conn, <-chan error) {
	t.Helper()
	c, err := hubclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx) }()
	var once sync.Once
	t.Cleanup(func() {
		once.Do(cancel)
		for range c.Events() { // drain until Run closes it
		}
	})
	return c, errc
}

// AwaitEvent returns the client's first event that satisfies match.
func AwaitEvent(t testing.TB, c *hubclient.Conn, match func(wire.Frame) bool, what string) wire.Frame {
	t.Helper()
	deadline := time.NewTimer(WaitFor)
	defer deadline.Stop()
	for {
		select {
		case f, ok := <-c.Events():
			if !ok {
				t.Fatalf("client stopped while waiting for %s", what)
			}
			if match(f) {
				return f
			}
		case <-deadline.C:
			t.Fatalf("client: no %s within %v", what, WaitFor)
		}
	}
}

// OpenBolt opens a bbolt store in dir and closes it when the test ends.
func OpenBolt(t testing.TB, dir string) *store.BoltStore {
	t.Helper()
	st, err := store.OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
