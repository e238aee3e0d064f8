// Package hubclient is a participant's connection to a hub: it joins with a
// link, reconnects with backoff, resends its state, asks other participants
// remote requests, and never blocks its caller.
package hubclient

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/wire"
)

// Client timing and bounds.
const (
	dialTimeout  = 10 * time.Second
	writeTimeout = 10 * time.Second
	hubSilence   = 90 * time.Second // the hub pings every 30s by default
	eventsSize   = 512              // incoming frames the consumer may lag behind
	eventWait    = time.Second      // longest the reader waits for a full Events
	backlogSize  = 256              // outgoing frames kept while the socket is busy or down
	// writeBufferSize is the socket's write buffer. A client masks what it
	// sends, so gorilla copies every message through this buffer and sends
	// it a buffer at a time, as one websocket frame and one write call: at
	// its default of 4 KiB, a file chunk of 1 MiB took 255 of each, and
	// the hub read it 4 KiB at a time.
	writeBufferSize = 64 << 10
)

// Config configures a Client.
type Config struct {
	Link string // join link: http(s)://HOST/s/NAME?key=KEY
	ID   string // stays the same across reconnects (default: random)
	Name string // display name; the hub makes it unique
	Repo wire.Repo
	// After is the newest nav seq already seen (by an earlier connection of
	// the same participant): the first hello asks for what came after it.
	After  uint64
	Logger *slog.Logger // default: discard
	// Dialer dials the hub (default: one honouring proxy variables that
	// trusts the system's roots and SSL_CERT_FILE).
	Dialer *websocket.Dialer

	MinBackoff time.Duration // reconnect delay of the first QuickRetries attempts in a row (250ms, with jitter)
	MaxBackoff time.Duration // longest reconnect delay (15s)
	// QuickRetries is how many failed attempts in a row are retried after
	// about MinBackoff before the wait starts doubling (60: about 15 s at
	// the default, through which a dropped link, a restarted hub or a
	// laptop's short sleep is back within a quarter of a second); negative
	// for none, doubling from the first failure.
	QuickRetries int
	// CallerNumbers says that the caller numbers the jumps and opens it
	// sends (Frame.Num, increasing in the order sent; one not above the
	// last is numbered next): a holder of the connection for several
	// proxies passes on their numbers, which they keep until acknowledged
	// (package share). Acknowledgements then also arrive as Events (type
	// ack), and the numbers are never changed on a reconnect.
	CallerNumbers bool
}

// Conn is a proxy's connection to its session hub. Run keeps it connected;
// Send, SetFollowing and Ask never block on the network.
//
// Jumps and opens are numbered and kept until the hub acknowledges them
// (it does once they are on its disk): after a reconnect, those still
// unacknowledged are sent again, in order, and the hub drops those it has
// by their numbers, so a move is neither lost to a broken link or a hub
// restart nor stored twice. At most 1024 wait for acknowledgement; beyond,
// the oldest is dropped. Other frames wait in a backlog of 256 while the
// socket is busy or down; when it is full, new ones are dropped. Cursor
// moves are never queued: only the newest is kept, and a jump or open
// discards an older pending cursor. While disconnected, answers are dropped
// (the hub has answered the asker already), and the follow state travels in
// the next hello.
type Conn struct {
	cfg         Config
	hubURL, key string
	wsURL       string
	host        string // HOST[:PORT] of the hub, for errors
	log         *slog.Logger
	dialer      *websocket.Dialer
	events      chan wire.Frame // written by Run's reader, closed when Run ends
	out         *outbox         // safe for concurrent use
	running     atomic.Bool

	asks Asks // open while connected

	lastSeq uint64 // newest nav seq seen; used by Run's goroutine only
}

// ErrNotConnected is returned by Ask while the client has no hub connection.
var ErrNotConnected = errors.New("not connected to the hub")

// RefusedError is the hub's refusal of a join link (wrong key, no such
// session). Run stops retrying when it gets one.
type RefusedError struct {
	Status int    // HTTP status
	Reason string // the hub's own words, for the user
}

func (e *RefusedError) Error() string {
	return "the hub refused to join: " + e.Reason
}

// New checks cfg and returns a client; Run connects it.
func New(cfg Config) (*Conn, error) {
	hubURL, name, key, err := wire.ParseLink(cfg.Link)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(hubURL)
	if err != nil {
		return nil, fmt.Errorf("hub address: %w", err)
	}
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += "/s/" + name + "/ws"
	if cfg.ID == "" {
		cfg.ID = crand.Text()
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 15 * time.Second
	}
	switch {
	case cfg.QuickRetries == 0:
		cfg.QuickRetries = 60
	case cfg.QuickRetries < 0:
		cfg.QuickRetries = 0
	}
	c := &Conn{
		cfg:     cfg,
		hubURL:  hubURL,
		key:     key,
		wsURL:   u.String(),
		host:    u.Host,
		log:     cfg.Logger,
		dialer:  cfg.Dialer,
		events:  make(chan wire.Frame, eventsSize),
		out:     newOutbox(cfg.CallerNumbers),
		lastSeq: cfg.After,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("hub", hubURL, "session", name)
	if c.dialer == nil {
		tlsConfig, err := certs.ClientConfig()
		if err != nil {
			return nil, err
		}
		c.dialer = &websocket.Dialer{HandshakeTimeout: dialTimeout, Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsConfig,
			WriteBufferSize: writeBufferSize}
	}
	return c, nil
}

// Events delivers incoming frames and connection news: "connected" (with
// the welcome's id, name, role, session, seq and num), "disconnected" (message:
// why; a retry follows) and "refused" (message: the hub's reason; Run
// ends). Answers to Ask do not appear here. The consumer must keep up: when
// Events is full, cursor moves are dropped at once and other frames after a
// second. Events is closed when Run returns.
func (c *Conn) Events() <-chan wire.Frame { return c.events }

// Send queues a frame for the hub; it never blocks (see Conn).
func (c *Conn) Send(f wire.Frame) {
	if lost := c.out.push(f); lost != "" {
		c.log.Warn("outgoing frame dropped", "why", lost, "type", f.Type)
	}
}

// SetFollowing records the follow state and tells the hub.
func (c *Conn) SetFollowing(following bool) {
	c.out.push(wire.Frame{Type: wire.TypeFollow, Following: following})
}

// Ask sends a remote request to the participant named to (the navigator if
// empty) and waits for its answer, until ctx ends. The request's deadline
// is ctx's (30s if none).
func (c *Conn) Ask(ctx context.Context, to, method string, params json.RawMessage) (json.RawMessage, error) {
	return c.asks.Result(ctx, c.Send, to, method, params)
}

// AskChunk is Ask for a request answered with a file chunk.
func (c *Conn) AskChunk(ctx context.Context, to, method string, params json.RawMessage) (wire.Chunk, error) {
	return c.asks.Chunk(ctx, c.Send, to, method, params)
}

// AskFrame sends the request and returns its answer frame as it came (a
// result or a file chunk), or the answer's error: for a relay of answers,
// as a person's holder of the connection is (package share).
func (c *Conn) AskFrame(ctx context.Context, to, method string, params json.RawMessage) (wire.Frame, error) {
	return c.asks.Ask(ctx, c.Send, to, method, params)
}

// Run connects to the hub and keeps reconnecting, with jitter, until ctx
// ends (it then returns nil) or the hub refuses the link (a
// *RefusedError): quickly at first, with capped exponential backoff only
// after repeated failures.
func (c *Conn) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("session client: Run called twice")
	}
	defer close(c.events)
	failures := 0 // attempts in a row that were not welcomed
	for {
		welcomed, err := c.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if refused := (*RefusedError)(nil); errors.As(err, &refused) {
			c.log.Warn("hub refused the link", "reason", refused.Reason)
			c.emit(ctx, wire.Frame{Type: wire.TypeRefused, Message: refused.Reason})
			return err
		}
		if welcomed {
			failures = 0
		}
		wait := c.retryWait(failures)
		failures++
		c.log.Info("disconnected from the hub", "err", err, "retry_in", wait)
		c.emit(ctx, disconnected(err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// disconnected is the event for a failed or broken connection. A TLS
// failure (the hub's certificate not trusted, or for another name) is also
// its error: retrying goes on, since a renewal may mend it, but the user
// has to hear of it.
func disconnected(err error) wire.Frame {
	f := wire.Frame{Type: wire.TypeDisconnected, Message: err.Error()}
	if tlsErr := (*certs.Error)(nil); errors.As(err, &tlsErr) {
		f.Error = err.Error()
	}
	return f
}

// retryWait is the wait before the next attempt after failures failed
// ones: MinBackoff for the first QuickRetries, then doubling up to
// MaxBackoff; each drawn from half to one and a half of that, so that the
// proxies of a restarted hub do not all come back at once.
func (c *Conn) retryWait(failures int) time.Duration {
	base := c.cfg.MinBackoff
	for i := c.cfg.QuickRetries; i < failures && base < c.cfg.MaxBackoff; i++ {
		base *= 2
	}
	base = min(base, c.cfg.MaxBackoff)
	return base/2 + rand.N(base+1)
}

// connect runs one connection to its end. welcomed says whether the hub
// accepted it.
func (c *Conn) connect(ctx context.Context) (welcomed bool, err error) {
	ws, err := c.dial(ctx)
	if err != nil {
		return false, err
	}
	defer ws.Close()
	// Closing the socket is what stops a blocked read when ctx ends.
	stopClose := context.AfterFunc(ctx, func() { ws.Close() })
	defer stopClose()

	ws.SetReadLimit(wire.MaxFrameSize)
	ws.SetPingHandler(func(data string) error {
		ws.SetReadDeadline(time.Now().Add(hubSilence))
		// A failed pong shows up as a failed read or write soon enough.
		ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
		return nil
	})
	hello := c.out.hello(wire.Frame{Type: wire.TypeHello, ID: c.cfg.ID, Name: c.cfg.Name, Repo: &c.cfg.Repo, After: c.lastSeq})
	if err := writeFrame(ws, hello); err != nil {
		return false, fmt.Errorf("say hello: %w", err)
	}
	welcome, err := readFrame(ws)
	if err != nil {
		return false, fmt.Errorf("wait for welcome: %w", err)
	}
	if welcome.Type != wire.TypeWelcome {
		return false, fmt.Errorf("the hub did not welcome us: %s %s", welcome.Type, welcome.Message)
	}
	// A hub that lost its trail starts counting again.
	c.lastSeq = min(c.lastSeq, welcome.Seq)
	c.out.resume(welcome.Num)
	c.setConnected(true)
	defer c.setConnected(false)
	c.log.Info("connected to the hub", "name", welcome.Name, "role", welcome.Role)
	c.emit(ctx, wire.Frame{Type: wire.TypeConnected, ID: welcome.ID, Name: welcome.Name, Role: welcome.Role, Session: welcome.Session, Seq: welcome.Seq, Num: welcome.Num})

	connCtx, stop := context.WithCancel(ctx)
	writerDone := make(chan error, 1)
	go func() { writerDone <- c.writeLoop(connCtx, ws) }()
	err = c.readLoop(ctx, ws)
	stop()
	ws.Close() // unblocks a writer stuck in a write
	if werr := <-writerDone; werr != nil {
		err = werr
	}
	return true, err
}

// dial opens the websocket, turning an HTTP refusal into a *RefusedError.
func (c *Conn) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	header := http.Header{"Authorization": {"Bearer " + c.key}}
	ws, resp, err := c.dialer.DialContext(ctx, c.wsURL, header)
	if err == nil {
		return ws, nil
	}
	if resp != nil && isRefusal(resp.StatusCode) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		reason := string(bytes.TrimSpace(body))
		if reason == "" {
			reason = resp.Status
		}
		return nil, &RefusedError{Status: resp.StatusCode, Reason: reason}
	}
	return nil, fmt.Errorf("connect to %s: %w", c.hubURL, certs.Explain(c.host, err))
}

// isRefusal says whether an HTTP status means the link itself is no good,
// so retrying is pointless.
func isRefusal(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

// readLoop reads frames until the connection fails, routing answers to
// their Ask and everything else to Events.
func (c *Conn) readLoop(ctx context.Context, ws *websocket.Conn) error {
	for {
		f, err := readFrame(ws)
		if err != nil {
			return err
		}
		switch {
		case f.Type == wire.TypeAnswer:
			c.asks.Answer(f)
			continue
		case f.Type == wire.TypeAck:
			c.out.ack(f.Num)
			if !c.cfg.CallerNumbers {
				continue
			}
		case f.Type == wire.TypeNav && f.Seq > c.lastSeq:
			c.lastSeq = f.Seq
		}
		c.emit(ctx, f)
	}
}

// writeLoop sends what the outbox holds whenever it holds something.
func (c *Conn) writeLoop(ctx context.Context, ws *websocket.Conn) error {
	for {
		for _, f := range c.out.take() {
			if err := writeFrame(ws, f); err != nil {
				return fmt.Errorf("send %s: %w", f.Type, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-c.out.wake:
		}
	}
}

func readFrame(ws *websocket.Conn) (wire.Frame, error) {
	ws.SetReadDeadline(time.Now().Add(hubSilence))
	_, r, err := ws.NextReader()
	if err != nil {
		return wire.Frame{}, err
	}
	data, err := wire.ReadMessage(r) // chunks without io.ReadAll's copies
	if err != nil {
		return wire.Frame{}, err
	}
	return wire.DecodeFrame(data)
}

func writeFrame(ws *websocket.Conn, f wire.Frame) error {
	b, err := wire.Encode(f)
	if err != nil {
		return err
	}
	kind := websocket.TextMessage
	if wire.IsChunk(b) {
		kind = websocket.BinaryMessage
	}
	ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return ws.WriteMessage(kind, b)
}

// emit hands f to the consumer; see Events for when it gives up.
func (c *Conn) emit(ctx context.Context, f wire.Frame) { Deliver(ctx, c.events, f, c.log) }

// Deliver hands f to events as a Conn does to its Events: when events is
// full, a cursor is dropped at once (a newer one comes) and another frame
// after a second, with a log line, so that a consumer that stopped does
// not stall the connection; or when ctx ends.
func Deliver(ctx context.Context, events chan<- wire.Frame, f wire.Frame, log *slog.Logger) {
	select {
	case events <- f:
		return
	default:
	}
	if f.Type == wire.TypeNav && f.Kind == wire.KindCursor {
		return
	}
	t := time.NewTimer(eventWait)
	defer t.Stop()
	select {
	case events <- f:
	case <-t.C:
		log.Warn("incoming frame dropped: Events is full", "type", f.Type)
	case <-ctx.Done():
	}
}

func (c *Conn) setConnected(on bool) {
	c.out.setOnline(on)
	c.asks.SetOpen(on)
}
