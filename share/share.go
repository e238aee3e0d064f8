// Package share makes the proxies one person starts on one machine for one
// session one participant: the first holds the hub connection, later ones
// attach to it through a socket (a named pipe on Windows) that user alone
// can open, and one of them takes the connection over when its holder
// ends.
//
// Every proxy, the holder's own included, talks to the holder through a
// Link, which offers what a hub connection does; the holder (host) routes
// the hub's frames to its members: a move of the navigator to the one proxy
// whose workspace holds the file (see host.shower), a remote request about
// a file to one that holds it (host.asked), the rest to all.
package share

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// Config configures a Link.
type Config struct {
	// Hub is the hub connection this proxy makes when it holds it; its ID
	// is the participant's, until a holder's welcome names the one in use.
	Hub hubclient.Config
	// Workspace names this proxy's trees, so that the holder knows which
	// of the person's proxies has the file of a move.
	Workspace Workspace
	// Dir is where the socket goes (default: the user's runtime
	// directory; unused on Windows).
	Dir string
}

// Workspace is what the holder needs of a member's trees to map portable
// locations to that member's files (see location.MapperConfig). The paths
// are this machine's and never leave it.
type Workspace struct {
	Root       string `json:"root"`
	ModuleDir  string `json:"moduleDir,omitempty"`
	GOMODCACHE string `json:"gomodcache,omitempty"`
	GOROOT     string `json:"goroot,omitempty"`
}

func (w Workspace) mapper() (*location.Mapper, error) {
	return location.NewMapper(location.MapperConfig{Root: w.Root, ModuleDir: w.ModuleDir, GOMODCACHE: w.GOMODCACHE, GOROOT: w.GOROOT})
}

// Bounds and timing of a Link.
const (
	outSize    = 512                   // frames for the holder while it is busy or being replaced
	eventsSize = 512                   // frames the participant may lag behind
	retryWait  = 20 * time.Millisecond // before attaching again when a holder is on its way
)

// Link is one proxy's side of the person's shared hub connection. Run
// keeps it attached (holding the connection itself when no other proxy
// does); Send, SetFollowing and Ask never block on the holder.
type Link struct {
	cfg     Config
	log     *slog.Logger
	key     string          // the endpoint's name
	events  chan wire.Frame // closed when Run returns
	out     chan wire.Frame
	moves   moves // sent again to each new holder until acknowledged
	running atomic.Bool
	asks    hubclient.Asks // open while attached to a holder

	mu        sync.Mutex  // guards the fields below
	id        string      // the participant's id at the hub
	lastSeq   uint64      // newest nav seq delivered, asked for after a takeover
	following *bool       // the person's follow choice, for a hub connection made on takeover
	refused   *wire.Frame // the hub refused the link: Run ends
}

// New returns a Link for cfg.
func New(cfg Config) (*Link, error) {
	if _, err := hubclient.New(cfg.Hub); err != nil { // the link, and whom TLS trusts
		return nil, err
	}
	if cfg.Hub.ID == "" { // made here, not by each holder's hub connection: the participant's for good
		cfg.Hub.ID = rand.Text()
	}
	log := cfg.Hub.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Link{
		cfg:    cfg,
		log:    log,
		key:    endpointKey(cfg.Hub.Link, cfg.Hub.Name),
		events: make(chan wire.Frame, eventsSize),
		out:    make(chan wire.Frame, outSize),
		id:     cfg.Hub.ID,
	}, nil
}

// Events delivers what a hub connection's Events does (see
// hubclient.Conn.Events), and follow frames when another of the person's
// proxies chose to follow or not. It is closed when Run returns.
func (l *Link) Events() <-chan wire.Frame { return l.events }

// Send queues a frame for the hub, dropping it when the queue is full. A
// jump or open is numbered and kept until the hub acknowledges it, and
// sent again to every new holder until then.
func (l *Link) Send(f wire.Frame) {
	if wire.Numbered(f) {
		var lost bool
		if f, lost = l.moves.add(f); lost {
			l.log.Warn("too many moves unacknowledged: the oldest is lost")
		}
	}
	select {
	case l.out <- f:
	default:
		l.log.Warn("outgoing frame dropped: the holder of the hub connection is behind", "type", f.Type)
	}
}

// SetFollowing tells the hub, and the person's other proxies, the follow
// state.
func (l *Link) SetFollowing(on bool) {
	l.sawFollowing(on)
	l.Send(wire.Frame{Type: wire.TypeFollow, Following: on})
}

func (l *Link) sawFollowing(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.following = &on
}

// Ask sends a remote request to the participant named to (the navigator if
// empty) through the hub and waits for its answer, until ctx ends.
func (l *Link) Ask(ctx context.Context, to, method string, params json.RawMessage) (json.RawMessage, error) {
	return l.asks.Result(ctx, l.Send, to, method, params)
}

// AskChunk is Ask for a request answered with a file chunk.
func (l *Link) AskChunk(ctx context.Context, to, method string, params json.RawMessage) (wire.Chunk, error) {
	return l.asks.Chunk(ctx, l.Send, to, method, params)
}

// Run keeps the link attached to the person's holder of the hub
// connection, becoming the holder when there is none, until ctx ends (nil)
// or the hub refuses the link (a *hubclient.RefusedError).
func (l *Link) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return errors.New("share: Run called twice")
	}
	defer close(l.events)
	for {
		err := l.attach(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if refused := (*hubclient.RefusedError)(nil); errors.As(err, &refused) {
			return err
		}
		if !errors.Is(err, errBusy) {
			l.log.Info("attached to the hub connection no more; attaching again", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retryWait):
		}
	}
}

// attach serves one attachment: to the holder's endpoint, or, when there
// is none, to a host of its own that it runs until the attachment ends.
func (l *Link) attach(ctx context.Context) error {
	ep, err := newEndpoint(l.cfg.Dir, l.key)
	var conn net.Conn
	if err == nil {
		conn, err = ep.dial(ctx)
		if err == nil {
			return l.serve(ctx, conn)
		}
	}
	var ln net.Listener
	switch {
	case errors.Is(err, errNoHolder):
		ln, err = ep.listen()
		if errors.Is(err, errBusy) {
			return err
		}
	case errors.Is(err, errBusy):
		return err
	}
	if err != nil {
		l.log.Warn("this proxy's hub connection is not shared with your other proxies", "err", err)
		ln = nil // alone
	}
	return l.host(ctx, ln)
}

// host holds the hub connection, serving ln's members and this proxy's own
// link through a pipe, until the attachment or the connection ends.
func (l *Link) host(ctx context.Context, ln net.Listener) error {
	l.mu.Lock()
	cfg := l.cfg.Hub
	cfg.ID, cfg.After = l.id, l.lastSeq
	cfg.CallerNumbers = true // the members number their moves (moves)
	following := l.following
	l.mu.Unlock()
	hub, err := hubclient.New(cfg)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	h := newHost(hub, cfg.ID, ln, l.log)
	if following != nil { // the first hello says it, as a reconnect's would
		h.followed(nil, *following)
	}
	hctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.run(hctx) }()
	mine, theirs := net.Pipe()
	h.adopt(hctx, theirs)
	l.serve(hctx, mine)
	stop()
	return <-done
}

// serve runs one attachment over conn until it breaks or ctx ends.
func (l *Link) serve(ctx context.Context, conn net.Conn) error {
	defer conn.Close()
	stopClose := context.AfterFunc(ctx, func() { conn.Close() })
	defer stopClose()
	p := newPeer(conn)
	l.mu.Lock()
	hello := wire.Frame{Type: wire.TypeHello, ID: l.id, Name: l.cfg.Hub.Name, After: l.lastSeq}
	l.mu.Unlock()
	ws, err := json.Marshal(l.cfg.Workspace)
	if err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	hello.Params = ws
	if err := p.write(hello); err != nil {
		return fmt.Errorf("say hello to the holder: %w", err)
	}
	welcome, err := p.handshake(wire.TypeWelcome)
	if err != nil {
		return fmt.Errorf("welcome from the holder: %w", err)
	}
	l.setAttached(welcome.ID)
	l.sawSeq(welcome.Seq) // the holder's newest: a takeover asks for what is newer
	l.moves.above(welcome.Num)
	defer l.setDetached()
	var resent uint64 // moves up to it are written, not to be written again from out
	for _, f := range l.moves.pending() {
		if err := p.write(f); err != nil {
			return fmt.Errorf("send the holder the moves not acknowledged: %w", err)
		}
		resent = f.Num
	}

	wctx, stop := context.WithCancel(ctx)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		l.writeLoop(wctx, p, resent)
	}()
	err = l.readLoop(ctx, p)
	stop()
	conn.Close()
	<-writerDone
	if l.refusal() != nil {
		return l.refusal()
	}
	return err
}

// writeLoop writes out's frames to the holder, less the moves numbered up
// to resent, which it has already.
func (l *Link) writeLoop(ctx context.Context, p *peer, resent uint64) {
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-l.out:
			if wire.Numbered(f) && f.Num <= resent {
				continue
			}
			if err := p.write(f); err != nil {
				l.log.Debug("frame for the holder lost", "type", f.Type, "err", err)
				return
			}
		}
	}
}

func (l *Link) readLoop(ctx context.Context, p *peer) error {
	for {
		f, err := p.read()
		if err != nil {
			return err
		}
		switch f.Type {
		case wire.TypeAnswer:
			l.asks.Answer(f)
			continue
		case wire.TypeAck:
			l.moves.ack(f.Num)
			continue
		case wire.TypeNav:
			l.sawSeq(f.Seq)
		case wire.TypeFollow:
			l.sawFollowing(f.Following)
		case wire.TypeConnected:
			l.moves.above(f.Num)
		case wire.TypeRefused:
			l.mu.Lock()
			l.refused = &f
			l.mu.Unlock()
		}
		l.emit(ctx, f)
	}
}

// emit hands f to the participant, as a hub connection does.
func (l *Link) emit(ctx context.Context, f wire.Frame) { hubclient.Deliver(ctx, l.events, f, l.log) }

func (l *Link) sawSeq(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastSeq = max(l.lastSeq, seq)
}

func (l *Link) refusal() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refused == nil {
		return nil
	}
	return &hubclient.RefusedError{Reason: l.refused.Message}
}

func (l *Link) setAttached(id string) {
	l.asks.SetOpen(true)
	l.mu.Lock()
	defer l.mu.Unlock()
	if id != "" {
		l.id = id
	}
}

// setDetached fails the asks waiting: the holder that would have answered
// them is gone.
func (l *Link) setDetached() { l.asks.SetOpen(false) }
