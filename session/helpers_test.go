package session

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
)

// waitFor bounds every wait in these tests; waits end on events, never on
// the clock, unless something is broken.
const waitFor = 10 * time.Second

// testHub is a Hub served over a real loopback listener.
type testHub struct {
	*Hub
	URL        string
	Links      Links // of session "demo"
	stopServer func()
}

// startHub serves a new hub on addr ("" for any free port) with a session
// "demo" (created if the store lacks it; if it has it, the keys are those of
// the hub that created it, and Links is empty). wrap, if set, wraps the
// listener.
func startHub(t testing.TB, cfg HubConfig, addr string, wrap func(net.Listener) net.Listener) *testHub {
	t.Helper()
	ln := listen(t, addr)
	if wrap != nil {
		ln = wrap(ln)
	}
	cfg.BaseURL = "http://" + ln.Addr().String()
	th := &testHub{Hub: NewHub(cfg), URL: cfg.BaseURL}
	var err error
	th.Links, err = th.CreateSession("demo")
	if errors.Is(err, ErrSessionExists) {
		th.Links, err = Links{Session: "demo"}, nil
	}
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	th.stopServer = serve(th.Hub, ln)
	t.Cleanup(th.stop)
	return th
}

func listen(t testing.TB, addr string) net.Listener {
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

// serve serves h on ln until the returned stop is called; stop may be
// called more than once.
func serve(h http.Handler, ln net.Listener) (stop func()) {
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

// stop closes the server and the hub; it may be called more than once.
func (th *testHub) stop() {
	th.stopServer()
	th.Hub.Close()
}

// key returns the key of one of the demo session's links.
func key(t testing.TB, link string) string {
	t.Helper()
	_, _, k, err := ParseLink(link)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// peer is a raw websocket participant: the tests see every frame it gets.
type peer struct {
	t      testing.TB
	name   string
	role   string
	ws     *websocket.Conn
	frames chan Frame
	done   chan struct{} // closed when the reader stops
	err    error         // the reader's last error, once done
}

// dialHub opens a websocket to the demo session with key and optional
// extra headers, returning the HTTP response on refusal.
func dialHub(th *testHub, key string, header http.Header, dialer *websocket.Dialer) (*websocket.Conn, *http.Response, error) {
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

// join connects a raw peer named name with the given key and waits for
// its welcome.
func join(t testing.TB, th *testHub, key, name string) *peer {
	t.Helper()
	p := connectPeer(t, th, key, Frame{Type: TypeHello, ID: "id-" + name, Name: name}, nil)
	w := p.await(func(f Frame) bool { return f.Type == TypeWelcome }, "welcome")
	p.name, p.role = w.Name, w.Role
	return p
}

// connectPeer dials, says hello and starts reading, without waiting.
func connectPeer(t testing.TB, th *testHub, key string, hello Frame, dialer *websocket.Dialer) *peer {
	t.Helper()
	ws, _, err := dialHub(th, key, nil, dialer)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	p := &peer{t: t, ws: ws, frames: make(chan Frame, 100000), done: make(chan struct{})}
	go p.read()
	t.Cleanup(p.close)
	if hello.Type != "" {
		p.send(hello)
	}
	return p
}

func (p *peer) read() {
	defer close(p.done)
	for {
		_, data, err := p.ws.ReadMessage()
		if err != nil {
			p.err = err
			return
		}
		f, err := DecodeFrame(data)
		if err != nil {
			p.err = fmt.Errorf("peer got a bad frame: %w", err)
			return
		}
		p.frames <- f
	}
}

func (p *peer) close() {
	p.ws.Close()
	<-p.done
}

func (p *peer) send(f Frame) {
	p.t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		p.t.Fatalf("%s: send %s: %v", p.name, f.Type, err)
	}
}

// await returns the first frame that satisfies match, skipping others.
func (p *peer) await(match func(Frame) bool, what string) Frame {
	p.t.Helper()
	deadline := time.NewTimer(waitFor)
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
			p.t.Fatalf("%s: connection ended (%v) while waiting for %s", p.name, p.err, what)
		case <-deadline.C:
			p.t.Fatalf("%s: no %s within %v", p.name, what, waitFor)
		}
	}
}

// awaitClosed waits for the hub to close p's connection and returns the
// reader's error.
func (p *peer) awaitClosed() error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(waitFor):
		p.t.Fatalf("%s: connection still open after %v", p.name, waitFor)
		return nil
	}
}

// isType matches frames of one type.
func isType(typ string) func(Frame) bool {
	return func(f Frame) bool { return f.Type == typ }
}

// stateWhere matches a state frame that satisfies cond.
func stateWhere(cond func(Frame) bool) func(Frame) bool {
	return func(f Frame) bool { return f.Type == TypeState && cond(f) }
}

// participant finds name in a state frame.
func participant(f Frame, name string) (Participant, bool) {
	for _, p := range f.Participants {
		if p.Name == name {
			return p, true
		}
	}
	return Participant{}, false
}

// loc is a portable location JSON for a line of a file.
func loc(path string, line int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"space":"workspace","path":%q,"range":{"start":{"line":%d,"character":0},"end":{"line":%d,"character":0}}}`, path, line, line))
}

// jump is a nav frame to path:line.
func jump(path string, line int) Frame {
	return Frame{Type: TypeNav, Kind: KindJump, To: loc(path, line)}
}

// isNav matches a nav frame with the given seq.
func isNav(seq uint64) func(Frame) bool {
	return func(f Frame) bool { return f.Type == TypeNav && f.Seq == seq }
}

// runClient starts a Client on link and stops it at cleanup.
func runClient(t testing.TB, cfg ClientConfig) (*Client, <-chan error) {
	t.Helper()
	c, err := NewClient(cfg)
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

// awaitEvent returns the client's first event that satisfies match.
func awaitEvent(t testing.TB, c *Client, match func(Frame) bool, what string) Frame {
	t.Helper()
	deadline := time.NewTimer(waitFor)
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
			t.Fatalf("client: no %s within %v", what, waitFor)
		}
	}
}
