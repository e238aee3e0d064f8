package hub

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/wire"
)

// conn is one participant's websocket on the hub. Its serve goroutine reads;
// a writer goroutine it owns writes. Other goroutines hand it frames through
// a bounded queue and two coalescing slots, none of which ever blocks them:
// a participant that cannot keep up is dropped, reconnects and catches up by
// seq.
type conn struct {
	hub  *Hub
	sess *session
	ws   *websocket.Conn
	role string
	log  *slog.Logger

	send chan outgoing // encoded frames, in order; written by any, read by the writer
	wake chan struct{} // a slot was filled (capacity 1)

	slotMu     sync.Mutex // guards state, cursor and cursorHeld
	state      []byte     // newest state frame not yet written
	cursor     []byte     // newest cursor frame not yet written
	cursorHeld bool       // the writer holds cursor until its turn: no need to wake it

	cursorWritten time.Time // when the writer last wrote a cursor; the writer's own

	closeOnce sync.Once
	closing   chan struct{} // closed by finish: flush, say goodbye, stop
	closeCode int
	closeText string

	killOnce sync.Once
	done     chan struct{} // closed by kill: stop now

	m            *participant // guarded by sess.mu; set by join
	movesRefused bool         // guarded by sess.mu: a numbered move was refused, so no later one is taken

	release func() // uncounts the connection from its client's address

	bucket tokenBucket // used by the serve goroutine only
	read   time.Time   // when the serve goroutine read the frame it handles; its own
}

// outgoing is a frame in a participant's send queue.
type outgoing struct {
	b    []byte
	read time.Time // when the hub read the move b carries; zero for other frames
}

// errRateLimited ends a connection that sent too many frames.
var errRateLimited = errors.New("rate limit exceeded")

// newConn makes the connection of a participant of s at client, the
// address it connects from (behind a trusted proxy, the forwarded one).
func newConn(h *Hub, s *session, ws *websocket.Conn, role string, client netip.Addr) *conn {
	return &conn{
		hub:     h,
		sess:    s,
		ws:      ws,
		role:    role,
		log:     h.log.With("session", s.rec.Name, "remote", client.String()),
		send:    make(chan outgoing, h.cfg.SendQueue),
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		bucket:  tokenBucket{rate: h.cfg.FrameRate, burst: float64(h.cfg.FrameBurst), grace: h.cfg.FloodGrace},
	}
}

// serve runs the connection to its end: hello, join, read loop, leave.
func (c *conn) serve() {
	defer c.hub.connDone(c)
	defer c.ws.Close()
	c.ws.SetReadLimit(wire.MaxFrameSize)

	hello, err := c.readHello()
	if err != nil {
		c.log.Info("connection refused before joining", "err", err)
		c.refuse(err.Error())
		return
	}
	preamble, err := c.sess.join(c, hello)
	if err != nil {
		c.log.Info("join refused", "err", err)
		c.refuse(err.Error())
		return
	}

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(preamble)
	}()

	err = c.readLoop()
	c.sess.leave(c)
	switch {
	case errors.Is(err, errRateLimited):
		c.finish(websocket.ClosePolicyViolation, "rate limit exceeded")
	case errors.Is(err, websocket.ErrReadLimit):
		c.finish(websocket.CloseMessageTooBig, "frame too big")
	default:
		c.finish(websocket.CloseNormalClosure, "")
	}
	<-writerDone // bounded: every write has a deadline
}

// readHello reads the connection's first frame, which must be a hello.
func (c *conn) readHello() (wire.Frame, error) {
	c.ws.SetReadDeadline(time.Now().Add(c.hub.cfg.HelloTimeout))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return wire.Frame{}, fmt.Errorf("no hello: %w", err)
	}
	f, err := wire.DecodeFrame(data)
	if err != nil {
		return wire.Frame{}, err
	}
	if f.Type != wire.TypeHello {
		return wire.Frame{}, fmt.Errorf("the first frame must be a hello, not %s", f.Type)
	}
	if f.ID == "" {
		return wire.Frame{}, errors.New("hello needs an id")
	}
	return f, nil
}

// refuse tells a connection that never joined why, then closes it. No writer
// goroutine exists yet, so writing here is safe.
func (c *conn) refuse(reason string) {
	if b, err := wire.Encode(wire.Frame{Type: wire.TypeError, Message: reason}); err == nil {
		c.write(websocket.TextMessage, b)
	}
	c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.ClosePolicyViolation, truncate(reason, 120)),
		time.Now().Add(c.hub.cfg.WriteTimeout))
}

// readLoop handles frames until the connection fails, the peer closes it or
// floods.
func (c *conn) readLoop() error {
	pongWait := 2 * c.hub.cfg.PingInterval
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		data, err := readMessage(c.ws)
		c.read = time.Now()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				// Counted before leave, so the state that shows the
				// participant gone comes after the count.
				c.hub.metrics.drop(DropTooBig)
			}
			return err
		}
		wait, ok := c.bucket.take(time.Now())
		if !ok {
			c.hub.metrics.drop(DropRateLimited)
			c.log.Warn("participant dropped: too many frames", "name", c.memberName())
			c.sendError(fmt.Sprintf("too many frames: at most %g a second", c.bucket.rate))
			return errRateLimited
		}
		if wait > 0 {
			// Slowed: not reading pushes back on the sender alone.
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-c.done:
				t.Stop()
				return net.ErrClosed
			}
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			c.refuseFrame(err.Error())
			continue
		}
		c.sess.handle(c, f)
	}
}

// readMessage reads the next message, chunks without io.ReadAll's copies.
func readMessage(ws *websocket.Conn) ([]byte, error) {
	_, r, err := ws.NextReader()
	if err != nil {
		return nil, err
	}
	return wire.ReadMessage(r)
}

func (c *conn) memberName() string {
	c.sess.mu.Lock()
	defer c.sess.mu.Unlock()
	if c.m == nil {
		return ""
	}
	return c.m.name
}

// writeLoop writes the preamble (welcome and replay), then queued frames and
// slots, and pings, until the connection is killed or finished.
func (c *conn) writeLoop(preamble [][]byte) {
	defer c.kill()
	for _, b := range preamble {
		if c.write(websocket.TextMessage, b) != nil {
			return
		}
	}
	ping := time.NewTicker(c.hub.cfg.PingInterval)
	defer ping.Stop()
	held := time.NewTimer(time.Hour) // runs while a cursor waits its turn
	held.Stop()
	defer held.Stop()
	for {
		var err error
		select {
		case <-c.done:
			return
		case <-c.closing:
			if _, err := c.flush(); err == nil {
				c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(c.closeCode, c.closeText),
					time.Now().Add(c.hub.cfg.WriteTimeout))
			}
			return
		case <-ping.C:
			err = c.write(websocket.PingMessage, nil)
		case o := <-c.send:
			if err = c.writeQueued(o); err == nil {
				err = c.flushThen(held)
			}
		case <-c.wake:
			err = c.flushThen(held)
		case <-held.C:
			err = c.flushThen(held)
		}
		if err != nil {
			return
		}
	}
}

// flushThen flushes, and sets held to go off when a cursor it left in its
// slot may be written.
func (c *conn) flushThen(held *time.Timer) error {
	wait, err := c.flush()
	if err == nil && wait > 0 {
		held.Reset(wait)
	}
	return err
}

// flush writes what is queued now, then the slots. Slots go last so a
// cursor never overtakes a jump queued before it. A cursor within
// CursorInterval of the last one written stays in its slot: flush returns
// how long until it may go.
func (c *conn) flush() (wait time.Duration, err error) {
	for n := len(c.send); n > 0; n-- {
		if err := c.writeQueued(<-c.send); err != nil {
			return 0, err
		}
	}
	now := time.Now()
	c.slotMu.Lock()
	state, cursor := c.state, c.cursor
	c.state = nil
	if wait = c.hub.cfg.CursorInterval - now.Sub(c.cursorWritten); cursor != nil && wait > 0 {
		cursor = nil // its turn comes
	} else {
		c.cursor, wait = nil, 0
	}
	c.cursorHeld = wait > 0
	c.slotMu.Unlock()
	if state != nil {
		if err := c.write(websocket.TextMessage, state); err != nil {
			return 0, err
		}
	}
	if cursor != nil {
		c.cursorWritten = now
		return 0, c.write(websocket.TextMessage, cursor)
	}
	return wait, nil
}

// messageType is the websocket message type of an encoded frame: binary
// for a file chunk, text for JSON.
func messageType(b []byte) int {
	if wire.IsChunk(b) {
		return websocket.BinaryMessage
	}
	return websocket.TextMessage
}

// writeQueued writes a frame of the send queue and, for a move, counts how
// long it took the hub.
func (c *conn) writeQueued(o outgoing) error {
	if err := c.write(messageType(o.b), o.b); err != nil {
		return err
	}
	if !o.read.IsZero() {
		c.hub.metrics.moveDelay.UpdateDuration(o.read)
	}
	return nil
}

func (c *conn) write(kind int, b []byte) error {
	c.ws.SetWriteDeadline(time.Now().Add(c.hub.cfg.WriteTimeout))
	return c.ws.WriteMessage(kind, b)
}

// enqueue queues an encoded frame without blocking. A participant whose
// queue is full is dropped: it will reconnect and catch up by seq.
func (c *conn) enqueue(b []byte) { c.queue(outgoing{b: b}) }

func (c *conn) queue(o outgoing) {
	select {
	case c.send <- o:
	default:
		if c.kill() { // counted once, by the frame that ended it
			c.hub.metrics.drop(DropQueueFull)
			c.log.Warn("participant dropped: send queue full", "queue", cap(c.send))
		}
	}
}

// enqueueMove queues a jump or open the hub read at read, dropping any
// cursor still in the slot: it is older than this move and must not be
// written after it.
func (c *conn) enqueueMove(b []byte, read time.Time) {
	c.slotMu.Lock()
	c.supersede(c.cursor)
	c.cursor = nil
	c.slotMu.Unlock()
	c.queue(outgoing{b: b, read: read})
}

// setState and setCursor fill a slot, replacing what it held.
func (c *conn) setState(b []byte)  { c.setSlot(&c.state, b) }
func (c *conn) setCursor(b []byte) { c.setSlot(&c.cursor, b) }

func (c *conn) setSlot(slot *[]byte, b []byte) {
	c.slotMu.Lock()
	c.supersede(*slot)
	*slot = b
	held := slot == &c.cursor && c.cursorHeld
	c.slotMu.Unlock()
	if held {
		return // the writer's timer will write it
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// supersede counts a slot's frame that is replaced before it was written.
func (c *conn) supersede(old []byte) {
	if old != nil {
		c.hub.metrics.drop(DropSuperseded)
	}
}

// refuseFrame drops a frame the hub cannot take (it does not decode, or is
// not one a participant may send as it is) and tells the sender, who stays
// connected.
func (c *conn) refuseFrame(msg string) {
	c.hub.metrics.drop(DropMalformed)
	c.sendError(msg)
}

// sendError queues an error frame for this participant.
func (c *conn) sendError(msg string) {
	if b, err := wire.Encode(wire.Frame{Type: wire.TypeError, Message: msg}); err == nil {
		c.enqueue(b)
	}
}

// finish asks the writer to flush, send a close frame and stop.
func (c *conn) finish(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.closing)
	})
}

// kill closes the connection at once; both goroutines then stop. It
// reports whether this call was the one that closed it.
func (c *conn) kill() (killed bool) {
	c.killOnce.Do(func() {
		killed = true
		close(c.done)
		c.ws.Close()
	})
	return killed
}

// tokenBucket limits a participant's frame rate: a participant over it is
// slowed, and one that stays over it for longer than grace is flooding.
type tokenBucket struct {
	rate, burst float64
	grace       time.Duration
	tokens      float64
	last        time.Time
	over        time.Time // since when the participant has been slowed; zero if not
}

// take spends a token for a frame that arrived at now. It returns how long
// to wait before handling the frame (zero within the allowance), and false
// when the participant has been over its rate for longer than grace.
func (b *tokenBucket) take(now time.Time) (time.Duration, bool) {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		b.over = time.Time{}
		return 0, true
	}
	if b.over.IsZero() {
		b.over = now
	} else if now.Sub(b.over) > b.grace {
		return 0, false
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second)), true
}
