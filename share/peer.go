package share

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/lspshare/lspshare/frame"
	"github.com/lspshare/lspshare/wire"
)

// The local protocol between one person's proxies is the hub wire's frames
// (wire.Frame as JSON), each framed as LSP frames its messages
// (Content-Length), over a socket or pipe only that user can open:
//
//   - a member says hello (its proposed id, the newest seq it has seen,
//     its workspace in params) and the holder answers welcome (the
//     participant's id at the hub, which a member keeps to take over);
//   - then the member sends what a hub connection would send, and the
//     holder hands it what a hub connection would deliver, as its
//     Events: frames from the hub, the connection's news, and follow
//     frames when another of the person's proxies chose to follow or not;
//   - a member numbers its jumps and opens (num) and keeps them until an
//     ack in its numbers comes back, sending them again to a new holder
//     (see moves, host.moved);
//   - an ask from a member is a remote request the holder makes for it;
//     the answer comes back with the member's ref. Refs of locate and of
//     notes are the holder's to keep apart (see host.send).

// peer is one end of a local connection.
type peer struct {
	conn net.Conn
	r    *frame.Reader
	w    *frame.Writer
}

// maxLocalFrame bounds a local frame: a hub frame and its envelope.
const maxLocalFrame = wire.MaxFrameSize + 64<<10

// writeTimeout bounds a write: a peer that stopped reading is given up on.
const writeTimeout = 10 * time.Second

// handshakeTimeout bounds the hello and welcome: a holder that accepts but
// never answers (stopped in a debugger, wedged) is given up on.
const handshakeTimeout = 5 * time.Second

func newPeer(c net.Conn) *peer {
	return &peer{conn: c, r: frame.NewReader(c, maxLocalFrame), w: frame.NewWriter(c)}
}

func (p *peer) read() (wire.Frame, error) {
	for {
		body, err := p.r.Read()
		if errors.Is(err, frame.ErrTooLarge) || errors.Is(err, frame.ErrNoLength) {
			continue // skipped whole; the stream goes on
		}
		if err != nil {
			return wire.Frame{}, err
		}
		if wire.IsChunk(body) { // a file chunk, as on the hub's websocket
			return wire.DecodeChunk(body)
		}
		var f wire.Frame
		if err := json.Unmarshal(body, &f); err != nil {
			return wire.Frame{}, fmt.Errorf("bad local frame: %w", err)
		}
		return f, nil
	}
}

func (p *peer) write(f wire.Frame) error {
	b, err := wire.Encode(f)
	if err != nil {
		return err
	}
	p.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return p.w.Write(b)
}

// handshake reads the first frame, which must be of type typ, within
// handshakeTimeout.
func (p *peer) handshake(typ string) (wire.Frame, error) {
	p.conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	defer p.conn.SetReadDeadline(time.Time{})
	f, err := p.read()
	if err != nil {
		return f, err
	}
	if f.Type != typ {
		return f, fmt.Errorf("expected %s, got %q", typ, f.Type)
	}
	return f, nil
}
