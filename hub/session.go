package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// Bounds on remote requests routed through the hub.
const (
	defaultAskDeadline = 30 * time.Second
	maxAskDeadline     = 2 * time.Minute
)

// session is one session's live state on the hub. All of it is guarded by
// mu; frames for participants are encoded under mu and handed to their
// conns, which never block.
type session struct {
	hub *Hub
	rec store.SessionRecord
	log *slog.Logger

	mu           sync.Mutex     // guards everything below
	seq          uint64         // newest navigation seq
	participants []*participant // in order of joining
	navigator    *participant   // nil when nobody holds the wheel
	asks         map[string]*pendingRequest
	lastAsk      uint64      // numbers hub-side ask refs
	stateTimer   *time.Timer // pending state broadcast, nil if none
	watches      map[*Watch]struct{}
	notes        []wire.Note                     // by ID
	pagePosts    map[netip.Prefix]*noteAllowance // pages' notes and replies, by client address (pagenotes.go)
	closed       bool
}

// participant is a participant, connected or not.
type participant struct {
	id        string // the proxy's random id; never shown to others
	name      string // unique in the session
	role      string
	repo      *wire.Repo
	following bool
	place     json.RawMessage // the last nav's location, for locate
	hand      time.Time       // when the hand went up; zero while down
	conn      *conn           // nil while disconnected
	linger    *time.Timer     // forgets a disconnected member
	joined    time.Time       // last joined
	left      time.Time       // last left; zero while connected
	acks                      // of its numbered moves (ack.go)
	notePosts noteAllowance   // of notes and replies (notes.go)
}

// pendingRequest is a remote request forwarded to target, awaiting its answer.
type pendingRequest struct {
	asker  *participant    // nil for the hub's own requests
	reply  chan wire.Frame // the hub's own requests get the answer here (capacity 1)
	ref    string          // the asker's own ref
	target *participant
	timer  *time.Timer
}

func newSession(h *Hub, rec store.SessionRecord, seq uint64) *session {
	return &session{
		hub:       h,
		rec:       rec,
		log:       h.log.With("session", rec.Name),
		seq:       seq,
		asks:      map[string]*pendingRequest{},
		watches:   map[*Watch]struct{}{},
		pagePosts: map[netip.Prefix]*noteAllowance{},
	}
}

// join admits c's participant (a new one, or one reconnecting with its id)
// and returns the frames c must get first: welcome, then missed jumps.
func (s *session) join(c *conn, hello wire.Frame) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("the hub is shutting down")
	}
	m := s.memberByID(hello.ID)
	if m == nil {
		if len(s.participants) >= s.hub.cfg.MaxParticipants {
			return nil, fmt.Errorf("session %s is full", s.rec.Name)
		}
		m = &participant{id: hello.ID, name: s.freeName(cleanName(hello.Name))}
		s.participants = append(s.participants, m)
	} else {
		if m.conn != nil {
			m.conn.kill()
		}
		s.disconnect(m, "reconnected")
		if m.linger != nil {
			m.linger.Stop()
			m.linger = nil
		}
	}
	m.role, m.repo, m.following, m.conn = c.role, hello.Repo, hello.Following, c
	m.joined, m.left = time.Now().UTC(), time.Time{}
	c.m = m
	switch {
	case m.role == wire.RoleAttend && s.navigator == m:
		s.setWheel(nil)
	case m.role == wire.RoleDrive && s.navigator == nil:
		s.setWheel(m)
	}
	s.saveParticipant(m)
	s.log.Info("participant joined", "name", m.name, "role", m.role)
	s.stateChanged()

	welcome, err := wire.Encode(wire.Frame{Type: wire.TypeWelcome, ID: m.id, Name: m.name, Role: m.role, Session: s.rec.Name, Seq: s.seq, Num: m.acked})
	if err != nil {
		return nil, err
	}
	return slices.Concat([][]byte{welcome}, s.replay(hello.After), s.notesPreamble()), nil
}

// navFrame is the nav frame that tells participants of a move (a trail
// entry, or a cursor with no seq).
func navFrame(e store.TrailEntry) wire.Frame {
	return wire.Frame{Type: wire.TypeNav, Seq: e.Seq, By: e.By, Kind: e.Kind, To: e.To, From: e.From, Symbol: e.Symbol}
}

// replay returns the jumps after seq after, encoded as replayed nav frames.
func (s *session) replay(after uint64) [][]byte {
	if after >= s.seq {
		return nil
	}
	trail, err := s.hub.cfg.Store.Trail(s.rec.Name, after, s.hub.cfg.ReplayMax)
	if err != nil {
		s.log.Error("cannot replay the trail", "err", err)
		return nil
	}
	out := make([][]byte, 0, len(trail))
	for _, e := range trail {
		f := navFrame(e)
		f.Replay = true
		b, err := wire.Encode(f)
		if err != nil {
			s.log.Error("cannot replay a trail entry", "seq", e.Seq, "err", err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// leave marks c's participant disconnected, unless c was replaced already.
func (s *session) leave(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := c.m
	if m == nil || m.conn != c {
		return
	}
	s.disconnect(m, "left")
	m.left = time.Now().UTC()
	s.saveParticipant(m)
	s.log.Info("participant left", "name", m.name)
	if s.navigator != m {
		s.startLinger(m)
	}
	s.stateChanged()
}

// disconnect detaches m from its connection (if any), failing the requests
// it was asked and dropping those it asked.
func (s *session) disconnect(m *participant, why string) {
	if m.conn == nil {
		return
	}
	m.conn = nil
	for ref, p := range s.asks {
		switch {
		case p.target == m:
			s.endAsk(ref, p)
			s.answerAsker(p, fmt.Sprintf("%s %s before answering", m.name, why))
		case p.asker == m:
			s.endAsk(ref, p)
		}
	}
}

// startLinger forgets disconnected m after a while, so the list does not
// grow forever and its name comes free.
func (s *session) startLinger(m *participant) {
	if s.closed {
		return
	}
	m.linger = time.AfterFunc(s.hub.cfg.Linger, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed && m.conn == nil && s.navigator != m {
			s.remove(m)
			s.stateChanged()
		}
	})
}

func (s *session) remove(m *participant) {
	if m.linger != nil {
		m.linger.Stop()
		m.linger = nil
	}
	s.participants = slices.DeleteFunc(s.participants, func(o *participant) bool { return o == m })
}

// setWheel gives the wheel to m (nil: nobody). A disconnected former holder
// starts to linger.
func (s *session) setWheel(m *participant) {
	old := s.navigator
	s.navigator = m
	if old == m {
		return
	}
	if old != nil {
		s.saveParticipant(old)
		if old.conn == nil {
			s.startLinger(old)
		}
	}
	if m != nil {
		s.saveParticipant(m)
	}
}

func (s *session) memberByID(id string) *participant {
	for _, m := range s.participants {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (s *session) memberByName(name string) *participant {
	for _, m := range s.participants {
		if m.name == name {
			return m
		}
	}
	return nil
}

// freeName returns name, or name-2, name-3, … : the first not in use. A
// name held by a disconnected participant without the wheel is taken over:
// that is most often the same person with a restarted editor.
func (s *session) freeName(name string) string {
	// One pass over the members keeps a join linear even when a thousand
	// people are called "guest".
	taken := make(map[string]*participant, len(s.participants))
	for _, m := range s.participants {
		taken[m.name] = m
	}
	for i := 1; ; i++ {
		cand := name
		if i > 1 {
			cand = name + "-" + strconv.Itoa(i)
		}
		m := taken[cand]
		if m == nil {
			return cand
		}
		if m.conn == nil && s.navigator != m {
			s.remove(m)
			return cand
		}
	}
}

// cleanName makes a display name of what a hello says.
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if r := []rune(name); len(r) > 32 {
		name = string(r[:32])
	}
	if name == "" {
		return "guest"
	}
	return name
}

// handle acts on one frame from c's participant.
func (s *session) handle(c *conn, f wire.Frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := c.m
	if m == nil || m.conn != c {
		return // replaced by a newer connection
	}
	switch h := handlers[f.Type]; {
	case f.Type == wire.TypeHello:
		c.refuseFrame("hello was said already on this connection")
	case h == nil || wire.Types[f.Type]&wire.FromParticipant == 0:
		c.refuseFrame(fmt.Sprintf("a participant may not send %s frames", f.Type))
	default:
		h(s, m, f)
	}
}

// handlers act on each type of frame a participant sends after its hello
// (wire.Types), with the session's lock held.
var handlers = map[string]func(s *session, m *participant, f wire.Frame){
	wire.TypeNav:     (*session).nav,
	wire.TypeFollow:  (*session).follow,
	wire.TypeDrive:   func(s *session, m *participant, _ wire.Frame) { s.drive(m) },
	wire.TypePass:    func(s *session, m *participant, f wire.Frame) { s.pass(m, f.Name) },
	wire.TypeLocate:  (*session).locate,
	wire.TypeAsk:     (*session).ask,
	wire.TypeAnswer:  (*session).answer,
	wire.TypeHand:    (*session).raiseHand,
	wire.TypeSummon:  func(s *session, m *participant, _ wire.Frame) { s.summon(m) },
	wire.TypeNote:    noteHandler(wire.TypeNote),
	wire.TypeReply:   noteHandler(wire.TypeReply),
	wire.TypeResolve: noteHandler(wire.TypeResolve),
}

// raiseHand raises or lowers m's hand, or, from the navigator, lowers the
// hand of the participant f names. Hands are kept, so they outlive a
// restart of the hub.
func (s *session) raiseHand(m *participant, f wire.Frame) {
	t := m
	if f.Name != "" && f.Name != m.name {
		switch t = s.memberByName(f.Name); {
		case t == nil:
			m.conn.sendError(fmt.Sprintf("no participant named %q", truncate(f.Name, 40)))
			return
		case f.Raised || s.navigator != m:
			m.conn.sendError("only the navigator can lower someone else's hand, and nobody can raise it")
			return
		}
	}
	switch {
	case f.Raised && t.hand.IsZero():
		t.hand = time.Now().UTC()
	case !f.Raised && !t.hand.IsZero():
		t.hand = time.Time{}
	default:
		return
	}
	s.saveParticipant(t)
	s.stateChanged()
}

// summon brings every other participant, following or not, to the
// navigator's place once.
func (s *session) summon(m *participant) {
	switch {
	case s.navigator != m:
		m.conn.sendError(fmt.Sprintf("only the navigator can summon, and that is %s", s.navigatorName()))
		return
	case m.place == nil:
		m.conn.sendError("you have no place to summon everyone to yet: move first")
		return
	}
	s.log.Info("summon", "name", m.name)
	for _, o := range s.participants {
		if o != m && o.conn != nil {
			s.sendTo(o, wire.Frame{Type: wire.TypeSummon, By: m.name, To: m.place})
		}
	}
}

// navigatorName names the navigator for messages.
func (s *session) navigatorName() string {
	if s.navigator == nil {
		return "nobody"
	}
	return s.navigator.name
}

// follow records m's follow state.
func (s *session) follow(m *participant, f wire.Frame) {
	if m.following != f.Following {
		m.following = f.Following
		s.stateChanged()
	}
}

// nav records m's move as its place and, from the navigator, fans it out:
// jumps and opens numbered and queued, cursors into each receiver's slot.
func (s *session) nav(m *participant, f wire.Frame) {
	switch f.Kind {
	case wire.KindJump, wire.KindOpen, wire.KindCursor:
	default:
		m.conn.refuseFrame("a nav frame's kind must be jump, open or cursor")
		return
	}
	if len(f.To) == 0 || f.To[0] != '{' {
		m.conn.refuseFrame("a nav frame needs a location in to")
		return
	}
	if f.Kind == wire.KindCursor {
		f.Num = 0 // cursors are not numbered
	}
	if s.seen(m, f.Num) || (f.Num > 0 && m.conn.movesRefused) {
		return // the hub has it, or it comes again after the reconnect
	}
	m.place = f.To
	if s.navigator != m {
		if f.Kind != wire.KindCursor {
			// Who is where: a participant's own jumps and opens show in
			// the state (coalesced), their cursor moves only with the
			// next state.
			s.stateChanged()
		}
		s.handled(m, f.Num)
		return
	}
	e := store.TrailEntry{By: m.name, Kind: f.Kind, To: f.To, From: f.From, Symbol: f.Symbol}
	if f.Kind != wire.KindCursor {
		e.Seq, e.At = s.seq+1, time.Now().UTC()
		e.SenderID, e.SenderNum = m.id, f.Num
		if !s.appendTrail(m, e) {
			return
		}
		s.seq++
	}
	b, err := wire.Encode(navFrame(e))
	if err != nil {
		s.log.Error("cannot fan out a move", "err", err)
		return
	}
	kind := watchMove
	if f.Kind == wire.KindCursor {
		kind = watchCursor
	}
	for w := range s.watches {
		w.push(b, kind)
	}
	for _, o := range s.participants {
		switch {
		case o == m || o.conn == nil:
		case f.Kind == wire.KindCursor:
			o.conn.setCursor(b)
		default:
			o.conn.enqueueMove(b, m.conn.read)
		}
	}
}

func (s *session) drive(m *participant) {
	switch {
	case m.role != wire.RoleDrive:
		m.conn.sendError("you joined with the attend key: only the drive key may take the wheel")
	case s.navigator != m:
		s.setWheel(m)
		s.log.Info("wheel taken", "name", m.name)
		s.stateChanged()
	}
}

func (s *session) pass(m *participant, to string) {
	if s.navigator != m {
		m.conn.sendError(fmt.Sprintf("only the navigator can pass the wheel, and that is %s", s.navigatorName()))
		return
	}
	t := s.memberByName(to)
	switch {
	case t == nil:
		m.conn.sendError(fmt.Sprintf("no participant named %q", truncate(to, 40)))
	case t == m:
	case t.role != wire.RoleDrive:
		m.conn.sendError(fmt.Sprintf("%s joined with the attend key and cannot drive", t.name))
	case t.conn == nil:
		m.conn.sendError(fmt.Sprintf("%s is not connected", t.name))
	default:
		s.setWheel(t)
		s.log.Info("wheel passed", "from", m.name, "to", t.name)
		s.stateChanged()
	}
}

func (s *session) locate(m *participant, f wire.Frame) {
	out := wire.Frame{Type: wire.TypeLocated, Ref: f.Ref, Name: f.Name}
	switch t := s.memberByName(f.Name); {
	case t == nil:
		out.Error = fmt.Sprintf("no participant named %q", truncate(f.Name, 40))
	case t.place == nil:
		out.Error = fmt.Sprintf("%s has not moved yet", t.name)
	default:
		out.To = t.place
	}
	s.sendTo(m, out)
}

// ask forwards a remote request to its target under a hub-made ref, so that only
// the asker gets the answer; a request that cannot be asked is answered
// with an error at once.
func (s *session) ask(m *participant, f wire.Frame) {
	if f.Ref == "" {
		m.conn.refuseFrame("an ask needs a ref")
		return
	}
	fail := func(msg string) { s.sendTo(m, wire.Frame{Type: wire.TypeAnswer, Ref: f.Ref, Error: msg}) }
	t := s.navigator
	if f.Name != "" {
		t = s.memberByName(f.Name)
	}
	switch {
	case f.Method == "":
		fail("an ask needs a method")
	case t == nil && f.Name == "":
		fail("nobody holds the wheel")
	case t == nil:
		fail(fmt.Sprintf("no participant named %q", truncate(f.Name, 40)))
	case t == m:
		fail("you cannot ask yourself")
	case t.conn == nil:
		fail(fmt.Sprintf("%s is not connected", t.name))
	case len(s.asks) >= s.hub.cfg.MaxAsks:
		fail("too many requests in flight in this session; try again")
	default:
		s.forwardAsk(m, t, f)
	}
}

func (s *session) forwardAsk(m, t *participant, f wire.Frame) {
	s.startAsk(&pendingRequest{asker: m, ref: f.Ref, target: t}, m.name, f)
}

// startAsk sends p's request, f, to p.target on behalf of by, and returns
// the hub-made ref under which it waits for the answer.
func (s *session) startAsk(p *pendingRequest, by string, f wire.Frame) string {
	t := p.target
	deadline := time.Duration(f.DeadlineMS) * time.Millisecond
	if deadline <= 0 {
		deadline = defaultAskDeadline
	}
	deadline = min(deadline, maxAskDeadline)
	s.lastAsk++
	ref := "h" + strconv.FormatUint(s.lastAsk, 10)
	p.timer = time.AfterFunc(deadline, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.asks[ref] == p {
			s.endAsk(ref, p)
			s.answerAsker(p, fmt.Sprintf("no answer from %s within %v", t.name, deadline))
		}
	})
	s.asks[ref] = p
	s.sendTo(t, wire.Frame{Type: wire.TypeAsk, Ref: ref, By: by, Method: f.Method, Params: f.Params, DeadlineMS: deadline.Milliseconds()})
	return ref
}

// answer routes an answer back to the asker of the request it answers.
// Answers that come too late (or from the wrong participant) are dropped.
func (s *session) answer(m *participant, f wire.Frame) {
	p := s.asks[f.Ref]
	if p == nil || p.target != m {
		s.hub.metrics.drop(DropStrayAnswer)
		s.log.Debug("answer to no pending request dropped", "name", m.name)
		return
	}
	s.endAsk(f.Ref, p)
	// A chunk's bytes go on as they came; only its ref is the asker's.
	s.reply(p, wire.Frame{Type: wire.TypeAnswer, Ref: p.ref, Result: f.Result, Error: f.Error, Chunk: f.Chunk})
}

func (s *session) endAsk(ref string, p *pendingRequest) {
	p.timer.Stop()
	delete(s.asks, ref)
}

func (s *session) answerAsker(p *pendingRequest, msg string) {
	s.reply(p, wire.Frame{Type: wire.TypeAnswer, Ref: p.ref, Error: msg})
}

// reply gives the answer f to p's asker: a participant, or the hub itself.
func (s *session) reply(p *pendingRequest, f wire.Frame) {
	if p.reply == nil {
		s.sendTo(p.asker, f)
		return
	}
	select {
	case p.reply <- f:
	default: // answered already
	}
}

// sendTo queues f for m if m is connected.
func (s *session) sendTo(m *participant, f wire.Frame) {
	if m.conn == nil {
		return
	}
	b, err := wire.Encode(f)
	if err != nil {
		s.log.Error("cannot send a frame", "name", m.name, "err", err)
		return
	}
	m.conn.enqueue(b)
}

// stateChanged schedules a state frame for everyone. Changes close together
// share one frame; the delay grows with the session, since every state frame
// lists every participant and goes to each of them.
func (s *session) stateChanged() {
	if s.stateTimer != nil || s.closed {
		return
	}
	delay := min(max(time.Duration(len(s.participants))*time.Millisecond, 2*time.Millisecond), time.Second)
	s.stateTimer = time.AfterFunc(delay, s.broadcastState)
}

func (s *session) broadcastState() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stateTimer = nil
	if s.closed {
		return
	}
	b, err := wire.Encode(s.stateFrame())
	if err != nil {
		s.log.Error("cannot encode the state", "err", err)
		return
	}
	for _, m := range s.participants {
		if m.conn != nil {
			m.conn.setState(b)
		}
	}
	for w := range s.watches {
		w.push(b, watchState)
	}
}

// stateFrame describes the session as it is now.
func (s *session) stateFrame() wire.Frame {
	f := wire.Frame{Type: wire.TypeState, Session: s.rec.Name, Viewers: len(s.watches), Participants: make([]wire.Participant, 0, len(s.participants))}
	if s.navigator != nil {
		f.Navigator = s.navigator.name
	}
	for _, m := range s.participants {
		f.Participants = append(f.Participants, wire.Participant{Name: m.name, Role: m.role, Following: m.following, Connected: m.conn != nil, Repo: m.repo, Hand: m.hand, Place: m.place})
	}
	return f
}

// close stops the session's timers; the hub kills its connections.
func (s *session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.stateTimer != nil {
		s.stateTimer.Stop()
	}
	for _, m := range s.participants {
		if m.linger != nil {
			m.linger.Stop()
		}
	}
	for ref, p := range s.asks {
		s.endAsk(ref, p)
		s.answerAsker(p, "the hub is shutting down")
	}
	for w := range s.watches {
		w.end()
	}
}
