package share

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// Bounds of a host.
const (
	memberQueue = 512 // frames for one member beyond its catch-up; a member this far behind is dropped and attaches again
	maxAsking   = 64  // remote requests in flight for the members together
)

// host holds the person's hub connection and serves it to the members:
// every proxy of the person, its own included.
type host struct {
	hub    *hubclient.Conn
	id     string // the participant's id at the hub
	ln     net.Listener
	log    *slog.Logger
	asking chan struct{} // a slot per remote request in flight
	wg     sync.WaitGroup

	mu      sync.Mutex // guards the fields below
	members map[*member]bool
	closed  bool        // run is ending: no member joins any more, but to hear refused
	refused *wire.Frame // the hub refused the link
	next    int
	// What a member attaching later is told first.
	connected *wire.Frame
	following *bool
	state     *wire.Frame
	navAt     *wire.Frame // the navigator's newest move
	navShown  bool        // by a member (else the next to join shows it)
	notes     map[uint64]wire.Frame
	lastSeq   uint64
	lastNum   uint64 // the newest move number given to the hub
	acked     uint64 // the newest the hub acknowledged
}

// member is one proxy attached to the host.
type member struct {
	key    string // prefixes the refs it sends, to route their answers back
	peer   *peer
	out    chan wire.Frame
	mapper *location.Mapper // nil when its workspace cannot be mapped
	active time.Time        // of its newest move, or its attachment
	sent   []numbers        // its moves given to the hub, not acknowledged, oldest first
}

// numbers are a member's number of a move and the hub's: the same unless
// another member's move came first with a higher one.
type numbers struct{ own, hub uint64 }

func newHost(hub *hubclient.Conn, id string, ln net.Listener, log *slog.Logger) *host {
	return &host{hub: hub, id: id, ln: ln, log: log, asking: make(chan struct{}, maxAsking),
		members: map[*member]bool{}, notes: map[uint64]wire.Frame{}}
}

// run connects to the hub and serves members until ctx ends or the hub
// refuses the link; it returns after every goroutine it started.
func (h *host) run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	hubDone := make(chan error, 1)
	go func() { hubDone <- h.hub.Run(ctx) }()
	if h.ln != nil {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.accept(ctx)
		}()
		stopClose := context.AfterFunc(ctx, func() { h.ln.Close() })
		defer stopClose()
	}
	for f := range h.hub.Events() {
		h.dispatch(f)
	}
	err := <-hubDone
	if h.ln != nil {
		h.ln.Close()
	}
	// The members get what is queued for them (a refusal, say) before
	// their connections close.
	h.mu.Lock()
	h.closed = true
	for m := range h.members {
		h.dropLocked(m)
	}
	h.mu.Unlock()
	h.wg.Wait()
	stop()
	return err
}

func (h *host) accept(ctx context.Context) {
	for {
		c, err := h.ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("no more proxies can attach", "err", err)
			}
			return
		}
		h.adopt(ctx, c)
	}
}

// adopt serves a member's connection until it breaks or ctx ends.
func (h *host) adopt(ctx context.Context, c net.Conn) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer c.Close()
		stopClose := context.AfterFunc(ctx, func() { c.Close() })
		defer stopClose()
		if err := h.serveMember(ctx, newPeer(c)); err != nil && ctx.Err() == nil {
			h.log.Debug("a proxy detached", "err", err)
		}
	}()
}

func (h *host) serveMember(ctx context.Context, p *peer) error {
	hello, err := p.handshake(wire.TypeHello)
	if err != nil {
		return err
	}
	m := &member{peer: p, active: time.Now()}
	var ws Workspace
	if err := json.Unmarshal(hello.Params, &ws); err == nil && ws.Root != "" {
		if m.mapper, err = ws.mapper(); err != nil {
			h.log.Debug("a member's workspace is not mapped", "root", ws.Root, "err", err)
		}
	}
	if !h.join(m) {
		return errors.New("the holder is stopping")
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		writeMember(m)
	}()
	defer func() { <-writerDone }()
	defer h.drop(m) // closes m.out, which ends the writer
	for {
		f, err := p.read()
		if err != nil {
			return err
		}
		h.fromMember(ctx, m, f)
	}
}

// writeMember sends m's queue until drop closes it, then closes m's
// connection, which ends its reader.
func writeMember(m *member) {
	defer m.peer.conn.Close()
	for f := range m.out {
		if err := m.peer.write(f); err != nil {
			m.peer.conn.Close() // the reader fails too, and drops m
			for range m.out {
			}
			return
		}
	}
}

// join registers m and queues what it must know first: the welcome, then
// the connection, the follow state, the session's state, its notes and
// where the navigator is (which another proxy has shown already). It
// reports false when the host is stopping.
func (h *host) join(m *member) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed && h.refused == nil {
		return false
	}
	h.next++
	m.key = "m" + strconv.Itoa(h.next)
	first := []wire.Frame{{Type: wire.TypeWelcome, ID: h.id, Seq: h.lastSeq, Num: h.acked}}
	if h.connected != nil {
		first = append(first, *h.connected)
	}
	if h.following != nil {
		first = append(first, wire.Frame{Type: wire.TypeFollow, Following: *h.following})
	}
	if h.state != nil {
		first = append(first, *h.state)
	}
	for _, n := range h.notes {
		first = append(first, n)
	}
	if h.navAt != nil {
		at := *h.navAt
		at.Elsewhere = h.navShown
		h.navShown = true
		first = append(first, at)
	}
	if h.refused != nil {
		// A member attaching after the hub refused the link (the hub may
		// answer before the holder's own proxy has attached) hears it too.
		first = append(first, *h.refused)
	}
	m.out = make(chan wire.Frame, memberQueue+len(first))
	h.members[m] = true
	for _, f := range first {
		h.sendLocked(m, f)
	}
	if h.closed {
		h.dropLocked(m) // its writer sends the refusal, then closes
	}
	return true
}

func (h *host) drop(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(m)
}

// dropLocked forgets m and closes its queue: its writer sends what is in
// it, then closes the connection.
func (h *host) dropLocked(m *member) {
	if h.members[m] {
		delete(h.members, m)
		close(m.out)
	}
}

// sendLocked queues f for m; a member whose queue is full is dropped: it
// attaches again and is told everything afresh.
func (h *host) sendLocked(m *member, f wire.Frame) {
	if !h.members[m] {
		return
	}
	select {
	case m.out <- f:
	default:
		h.log.Warn("a proxy fell behind and is dropped", "member", m.key)
		h.dropLocked(m)
	}
}

// fromMember passes a member's frame on to the hub.
func (h *host) fromMember(ctx context.Context, m *member, f wire.Frame) {
	switch f.Type {
	case wire.TypeNav:
		h.moved(m, f)
		return
	case wire.TypeFollow:
		h.followed(m, f.Following)
		return
	case wire.TypeAsk:
		h.ask(ctx, m, f)
		return
	case wire.TypeLocate, wire.TypeNote, wire.TypeReply, wire.TypeResolve:
		f.Ref = m.key + "/" + f.Ref
	}
	if wire.Types[f.Type]&wire.FromParticipant == 0 || f.Type == wire.TypeHello {
		h.log.Debug("a member's frame not for the hub dropped", "type", f.Type)
		return
	}
	h.hub.Send(f)
}

// moved passes a member's move on to the hub. A jump or open keeps the
// member's number, by which the hub drops one it has, unless another
// member's came first with a higher one (the hub would drop it): it is
// numbered next, and the acknowledgement mapped back to the member.
func (h *host) moved(m *member, f wire.Frame) {
	h.mu.Lock()
	defer h.mu.Unlock() // the hub gets the moves in the order of their numbers
	m.active = time.Now()
	if !wire.Numbered(f) {
		h.hub.Send(f)
		return
	}
	own := f.Num
	switch {
	case own != 0 && own <= h.acked: // sent again after a takeover; the hub has it
		h.sendLocked(m, wire.Frame{Type: wire.TypeAck, Num: own})
		return
	case own <= h.lastNum:
		f.Num = h.lastNum + 1
	}
	h.lastNum = f.Num
	m.sent = append(m.sent, numbers{own: own, hub: f.Num})
	if len(m.sent) > maxUnacked { // the hub connection's outbox dropped it too
		m.sent = m.sent[1:]
	}
	h.hub.Send(f)
}

// ackedLocked tells each member which of its moves the hub acknowledged,
// up to num, in the member's numbers.
func (h *host) ackedLocked(num uint64) {
	h.acked = max(h.acked, num)
	for m := range h.members {
		i := 0
		for i < len(m.sent) && m.sent[i].hub <= num {
			i++
		}
		if i > 0 {
			h.sendLocked(m, wire.Frame{Type: wire.TypeAck, Num: m.sent[i-1].own})
			m.sent = m.sent[i:]
		}
	}
}

// followed applies a member's follow choice: the person's, for the hub and
// the person's other proxies.
func (h *host) followed(from *member, on bool) {
	h.hub.SetFollowing(on)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.following = &on
	for m := range h.members {
		if m != from {
			h.sendLocked(m, wire.Frame{Type: wire.TypeFollow, Following: on})
		}
	}
}

// ask makes a member's remote request and queues the answer for it.
func (h *host) ask(ctx context.Context, m *member, f wire.Frame) {
	answer := func(a wire.Frame, err error) {
		if err != nil {
			a = wire.Frame{Error: err.Error()}
		}
		a.Type, a.Ref = wire.TypeAnswer, f.Ref
		h.mu.Lock()
		defer h.mu.Unlock()
		h.sendLocked(m, a)
	}
	select {
	case h.asking <- struct{}{}:
	default:
		answer(wire.Frame{}, errors.New("too many remote requests at once"))
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer func() { <-h.asking }()
		actx, cancel := context.WithTimeout(ctx, time.Duration(f.DeadlineMS)*time.Millisecond)
		defer cancel()
		answer(h.hub.AskFrame(actx, f.Name, f.Method, f.Params))
	}()
}

// dispatch routes a frame of the hub connection to the members.
func (h *host) dispatch(f wire.Frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch f.Type {
	case wire.TypeConnected: // its num: the hub's newest acknowledged
		h.connected = &f
		h.ackedLocked(f.Num)
	case wire.TypeAck:
		h.ackedLocked(f.Num)
		return
	case wire.TypeDisconnected:
		h.connected = nil
	case wire.TypeRefused:
		h.connected, h.refused = nil, &f
	case wire.TypeState:
		h.state = &f
	case wire.TypeNav, wire.TypeSummon:
		h.navigatorMoved(f)
		return
	case wire.TypeAsk:
		h.sendLocked(h.asked(f), f)
		return
	case wire.TypeError: // for this person once: the proxy in use tells
		h.sendLocked(h.mostActive(nil), f)
		return
	case wire.TypeLocated:
		h.toOwner(f)
		return
	case wire.TypeNote:
		h.note(f)
		return
	}
	h.toAll(f)
}

func (h *host) toAll(f wire.Frame) {
	for m := range h.members {
		h.sendLocked(m, f)
	}
}

// navigatorMoved gives a jump, open or summon to the one member that shows
// it, and the others the same move marked Elsewhere; a cursor to all.
func (h *host) navigatorMoved(f wire.Frame) {
	h.lastSeq = max(h.lastSeq, f.Seq)
	if f.Type == wire.TypeNav && f.Kind == wire.KindCursor {
		h.toAll(f)
		return
	}
	h.navAt = &f
	shower := h.shower(f.To)
	h.navShown = shower != nil
	for m := range h.members {
		g := f
		g.Elsewhere = m != shower
		h.sendLocked(m, g)
	}
}

// shower is the member that shows a move to.
func (h *host) shower(to json.RawMessage) *member {
	var loc location.Location
	if err := json.Unmarshal(to, &loc); err != nil || loc.Validate() != nil {
		return h.mostActive(nil)
	}
	return h.holder(loc)
}

// asked is the member that answers a remote request of the hub: for a
// file, or an LSP request about one, one that has the file; else the one
// in use, where the person reads.
func (h *host) asked(f wire.Frame) *member {
	if loc, ok := askedAbout(f); ok {
		return h.holder(loc)
	}
	return h.mostActive(nil)
}

// askedAbout is the file a remote request is about: the one a file
// request asks for, or an LSP request's textDocument.
func askedAbout(f wire.Frame) (location.Location, bool) {
	switch f.Method {
	case files.AskMethod:
		var q files.Question
		if json.Unmarshal(f.Params, &q) == nil && q.Location.Validate() == nil {
			return q.Location, true
		}
	case wire.AskLSP:
		var q struct {
			Params struct {
				TextDocument struct {
					URI string `json:"uri"`
				} `json:"textDocument"`
			} `json:"params"`
		}
		if json.Unmarshal(f.Params, &q) == nil {
			loc, err := location.ParsePortableURI(q.Params.TextDocument.URI)
			return loc, err == nil
		}
	}
	return location.Location{}, false
}

// holder is the most recently active of the members whose trees hold
// loc's file, else the most recently active of all (which fetches it, or
// says it cannot serve it).
func (h *host) holder(loc location.Location) *member {
	holds := func(m *member) bool {
		if m.mapper == nil {
			return false
		}
		_, exists, err := m.mapper.ToLocal(loc)
		return err == nil && exists
	}
	if m := h.mostActive(holds); m != nil {
		return m
	}
	return h.mostActive(nil)
}

// mostActive is the member that moved last among those ok accepts (all,
// if ok is nil), or nil.
func (h *host) mostActive(ok func(*member) bool) *member {
	var best *member
	for m := range h.members {
		if (ok == nil || ok(m)) && (best == nil || m.active.After(best.active)) {
			best = m
		}
	}
	return best
}

// owner is the member whose ref ("key/ref") a frame answers, and the ref
// as that member made it.
func (h *host) owner(ref string) (*member, string) {
	key, own, ok := strings.Cut(ref, "/")
	if !ok {
		return nil, ""
	}
	for m := range h.members {
		if m.key == key {
			return m, own
		}
	}
	return nil, ""
}

func (h *host) toOwner(f wire.Frame) {
	if m, ref := h.owner(f.Ref); m != nil {
		f.Ref = ref
		h.sendLocked(m, f)
	}
}

// note keeps the newest copy of each note (the hub keeps at most 1000) for
// members attaching later and gives it to every member, with the ref only
// to the member that sent the change; a refusal (no note) goes to that
// member alone.
func (h *host) note(f wire.Frame) {
	if f.Note == nil {
		h.toOwner(f)
		return
	}
	owner, ref := h.owner(f.Ref)
	f.Ref = ""
	h.notes[f.Note.ID] = f
	for m := range h.members {
		g := f
		if m == owner {
			g.Ref = ref
		}
		h.sendLocked(m, g)
	}
}
