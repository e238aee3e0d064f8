// Package hub is the session hub: it knows sessions, participants, roles,
// keys, the trail and fan-out, and serves them over HTTP and websockets. It
// knows nothing of LSP: locations travel through it as opaque JSON. Each
// participant's connection has a reader and a writer goroutine and a bounded
// queue, so one slow participant never stalls the rest.
package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/internal/httpreply"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// Config configures a Hub. Zero values take the defaults noted.
type Config struct {
	// BaseURL is the hub's address as participants reach it, e.g.
	// "http://127.0.0.1:7777"; links are built on it. If empty, links
	// answered by POST /api/sessions use the request's Host, and
	// CreateSession fails.
	BaseURL string
	// Store keeps sessions and trails (default: a new MemStore).
	Store store.Store
	// Logger receives the hub's logs (default: discard). Keys are never
	// logged.
	Logger *slog.Logger
	// AdminToken, if set, lets POST /api/sessions come from anywhere with
	// "Authorization: Bearer TOKEN"; without it only loopback may create
	// sessions.
	AdminToken string
	// TrustedProxies are the addresses of reverse proxies in front of the
	// hub: only from them are X-Forwarded-For and X-Forwarded-Proto
	// believed. A forwarded request is never local, so making a session
	// through a proxy needs the admin token.
	TrustedProxies []netip.Prefix

	SendQueue       int           // frames queued per participant before it is dropped (256)
	FrameRate       float64       // frames a second a participant may send (200)
	FrameBurst      int           // frames a participant may send at once (400)
	FloodGrace      time.Duration // how long a participant over its rate is slowed before it is dropped (5s)
	PingInterval    time.Duration // keepalive ping period; a peer silent for twice this is dropped (30s)
	WriteTimeout    time.Duration // longest a write to one participant may take (10s)
	HelloTimeout    time.Duration // time a new connection has to say hello (10s)
	Linger          time.Duration // how long a disconnected participant stays listed (10m)
	MaxParticipants int           // per session (5000)
	MaxConnsPerAddr int           // websockets per client address, except from the hub's own machine (100)
	MaxAsks         int           // remote requests in flight per session (1024)
	ReplayMax       int           // newest missed jumps replayed on reconnect (256)
	// CursorInterval is the least time between two cursor frames written to
	// one participant; a newer cursor waits in its slot, replacing older
	// ones, and a jump or open is never held (100ms; negative: no wait).
	// Cursors are most of what a hub writes, and it writes each frame to
	// each receiver on its own: at 10 a second a follower still sees the
	// cursor move, for half the writes of a navigator's 20
	// (docs/performance.md, "Many groups on one hub").
	CursorInterval time.Duration
}

func (c Config) withDefaults() Config {
	setDefault(&c.SendQueue, 256)
	setDefault(&c.FrameRate, 200)
	setDefault(&c.FrameBurst, 400)
	setDefault(&c.FloodGrace, 5*time.Second)
	setDefault(&c.PingInterval, 30*time.Second)
	setDefault(&c.WriteTimeout, 10*time.Second)
	setDefault(&c.HelloTimeout, 10*time.Second)
	setDefault(&c.Linger, 10*time.Minute)
	setDefault(&c.MaxParticipants, 5000)
	setDefault(&c.MaxConnsPerAddr, 100)
	setDefault(&c.MaxAsks, 1024)
	setDefault(&c.ReplayMax, 256)
	if c.CursorInterval == 0 {
		c.CursorInterval = 100 * time.Millisecond
	}
	if c.Store == nil {
		c.Store = store.NewMemStore()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func setDefault[T int | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Hub serves sessions over HTTP: it is an http.Handler with these routes:
//
//	POST /api/sessions   create a session (loopback, or the admin token)
//	GET  /metrics        drop counters, Prometheus text (loopback, or the admin token)
//	GET  /s/NAME/ws      a participant's websocket (join key required)
type Hub struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	upgrader websocket.Upgrader

	metrics *hubMetrics // set by New, then only read

	untrustedWarned atomic.Int64 // Unix seconds of the last warning about untrusted forwarding
	guard           *joinGuard   // wrong keys per client address
	addrConns       *addrLimit   // websockets per client address

	mu       sync.Mutex          // guards sessions, conns and closed
	sessions map[string]*session // loaded from the store on first use
	conns    map[*conn]struct{}  // every open websocket, for Close
	closed   bool
	wg       sync.WaitGroup // one per conn.serve goroutine
}

// New returns a hub; it starts no goroutines until connections arrive.
func New(cfg Config) *Hub {
	cfg = cfg.withDefaults()
	h := &Hub{
		cfg:       cfg,
		log:       cfg.Logger,
		mux:       http.NewServeMux(),
		sessions:  map[string]*session{},
		conns:     map[*conn]struct{}{},
		guard:     newJoinGuard(),
		addrConns: newAddrLimit(cfg.MaxConnsPerAddr),
		upgrader: websocket.Upgrader{
			HandshakeTimeout: cfg.WriteTimeout,
			// A shared pool keeps idle participants from pinning a write
			// buffer each.
			WriteBufferPool: &sync.Pool{},
			// The origin is checked before upgrading, with a reason.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	h.metrics = newHubMetrics(h)
	h.mux.HandleFunc("POST /api/sessions", h.handleCreate)
	h.mux.HandleFunc("GET /metrics", h.handleMetrics)
	h.mux.HandleFunc("GET /s/{name}/ws", h.handleWebsocket)
	return h
}

func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// CreateSession makes a session with fresh keys and returns its links,
// built on the configured BaseURL.
func (h *Hub) CreateSession(name string) (wire.Links, error) {
	if h.cfg.BaseURL == "" {
		return wire.Links{}, errors.New("create session: the hub has no BaseURL to build links on")
	}
	return h.createSession(name, h.cfg.BaseURL)
}

func (h *Hub) createSession(name, base string) (wire.Links, error) {
	if err := wire.CheckSessionName(name); err != nil {
		return wire.Links{}, err
	}
	drive, attend := newKey(), newKey()
	rec := store.SessionRecord{Name: name, DriveHash: store.HashKey(drive), AttendHash: store.HashKey(attend), Created: time.Now().UTC()}
	if err := h.cfg.Store.CreateSession(rec); err != nil {
		if errors.Is(err, store.ErrSessionExists) {
			return wire.Links{}, fmt.Errorf("session %s exists: %w", name, err)
		}
		return wire.Links{}, fmt.Errorf("create session %s: %w", name, err)
	}
	h.log.Info("session created", "session", name)
	return wire.MakeLinks(base, name, drive, attend), nil
}

// Close drops every connection, stops every timer and waits until the
// hub's goroutines have finished. An http.Server serving the hub should be
// shut down too: it does not track upgraded connections.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	sessions := make([]*session, 0, len(h.sessions))
	for _, s := range h.sessions {
		sessions = append(sessions, s)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
	for _, s := range sessions {
		s.close()
	}
	h.wg.Wait()
}

// session returns the named session, loading it from the store on first
// use, or nil if there is none.
func (h *Hub) session(name string) (*session, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.sessions[name]; s != nil {
		return s, nil
	}
	rec, ok, err := h.cfg.Store.Session(name)
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", name, err)
	}
	if !ok {
		return nil, nil
	}
	seq, err := h.cfg.Store.LastSeq(name)
	if err != nil {
		return nil, fmt.Errorf("load trail of session %s: %w", name, err)
	}
	members, err := h.cfg.Store.Participants(name)
	if err != nil {
		return nil, fmt.Errorf("load participants of session %s: %w", name, err)
	}
	notes, err := h.cfg.Store.Notes(name)
	if err != nil {
		return nil, fmt.Errorf("load notes of session %s: %w", name, err)
	}
	s := newSession(h, rec, seq)
	s.restore(members)
	s.notes = notes
	h.sessions[name] = s
	return s, nil
}

// admit finds the session a request names and the role its key grants. On
// refusal it returns the HTTP status and a plain reason for the user.
func (h *Hub) admit(r *http.Request) (s *session, role string, status int, reason string) {
	name := r.PathValue("name")
	s, err := h.session(name)
	if err != nil {
		h.log.Error("session lookup failed", "session", name, "err", err)
		return nil, "", http.StatusInternalServerError, "the hub cannot read its sessions"
	}
	if s == nil {
		return nil, "", http.StatusNotFound, fmt.Sprintf("no session %s on this hub", name)
	}
	key := requestKey(r)
	if key == "" {
		return nil, "", http.StatusForbidden, fmt.Sprintf("no key for session %s: use a join link", name)
	}
	client := h.requesterOf(r).addr
	if wait := h.guard.wait(client, time.Now()); wait > 0 {
		h.metrics.drop(DropJoinThrottled)
		return nil, "", http.StatusTooManyRequests, fmt.Sprintf("too many wrong keys from your address: try again in %v", wait.Round(time.Second)+time.Second)
	}
	role = s.rec.RoleOf(key)
	if role == "" {
		h.wrongKey(client, name)
		return nil, "", http.StatusForbidden, fmt.Sprintf("wrong key for session %s", name)
	}
	return s, role, 0, ""
}

// wrongKey counts a wrong key from client, and says so when it starts a
// back-off. The key itself is never logged.
func (h *Hub) wrongKey(client netip.Addr, session string) {
	h.metrics.drop(DropWrongKey)
	if lockout := h.guard.failed(client, time.Now()); lockout > 0 {
		h.log.Warn("join attempts refused for a while: too many wrong keys from one address", "remote", client, "session", session, "for", lockout)
	}
}

// requestKey returns the join key of a request: the bearer token, or the
// key query parameter.
func requestKey(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		if key, ok := strings.CutPrefix(auth, "Bearer "); ok {
			return strings.TrimSpace(key)
		}
	}
	return r.URL.Query().Get("key")
}

// originAllowed accepts requests without an Origin (editors, proxies) and
// pages of the hub itself; any other web page may not use the hub.
func (h *Hub) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	base, err := url.Parse(h.cfg.BaseURL)
	return err == nil && base.Host != "" && strings.EqualFold(u.Host, base.Host)
}

func (h *Hub) handleWebsocket(w http.ResponseWriter, r *http.Request) {
	httpreply.Private(w)
	if !h.originAllowed(r) {
		httpreply.Refuse(w, http.StatusForbidden, fmt.Sprintf("origin %s may not join sessions on this hub", truncate(r.Header.Get("Origin"), 100)))
		return
	}
	s, role, status, reason := h.admit(r)
	if s == nil {
		h.log.Info("join refused", "session", r.PathValue("name"), "status", status, "remote", h.requesterOf(r).addr)
		httpreply.Refuse(w, status, reason)
		return
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		httpreply.Refuse(w, http.StatusServiceUnavailable, "the hub is shutting down")
		return
	}
	who := h.requesterOf(r)
	release, ok := h.takeConn(who)
	if !ok {
		httpreply.Refuse(w, http.StatusTooManyRequests, "too many connections from your address")
		return
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		release()
		// The upgrader has answered the request with an HTTP error.
		h.log.Info("websocket upgrade failed", "session", s.rec.Name, "err", err)
		return
	}
	c := newConn(h, s, ws, role, who.addr)
	c.release = release
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		release()
		ws.Close()
		return
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	// Serving on a goroutine of our own lets the request's memory go.
	go c.serve()
}

// TakeConn counts a websocket of r's client against its address, as the
// hub counts participants' (the web viewer's pages use it), and returns
// what uncounts it; false when the address has its fill.
func (h *Hub) TakeConn(r *http.Request) (release func(), ok bool) {
	return h.takeConn(h.requesterOf(r))
}

// takeConn counts a websocket against its client's address, and returns
// what uncounts it; false when the address has its fill. The hub's own
// machine is not limited.
func (h *Hub) takeConn(who requester) (release func(), ok bool) {
	if who.local {
		return func() {}, true
	}
	if !h.addrConns.take(who.addr) {
		h.metrics.drop(DropTooManyConns)
		h.log.Info("websocket refused: too many connections from one address", "remote", who.addr, "max", h.cfg.MaxConnsPerAddr)
		return nil, false
	}
	return sync.OnceFunc(func() { h.addrConns.release(who.addr) }), true
}

// connDone forgets a finished connection.
func (h *Hub) connDone(c *conn) {
	c.release()
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.wg.Done()
}

// createRequest is the body of POST /api/sessions.
type createRequest struct {
	Name string `json:"name"`
}

func (h *Hub) handleCreate(w http.ResponseWriter, r *http.Request) {
	if !h.mayAdminister(r) {
		httpreply.Refuse(w, http.StatusForbidden, "sessions can be created only from the hub's own machine, not through a proxy, or with the hub's admin token")
		return
	}
	if !h.originAllowed(r) {
		httpreply.Refuse(w, http.StatusForbidden, "web pages may not create sessions")
		return
	}
	var req createRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		httpreply.Refuse(w, http.StatusBadRequest, `the body must be JSON like {"name": "demo"}`)
		return
	}
	base := h.cfg.BaseURL
	if base == "" {
		base = "http://" + r.Host
		if h.requesterOf(r).https {
			base = "https://" + r.Host
		}
	}
	if err := wire.CheckSessionName(req.Name); err != nil {
		httpreply.Refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	links, err := h.createSession(req.Name, base)
	switch {
	case errors.Is(err, store.ErrSessionExists):
		httpreply.Refuse(w, http.StatusConflict, fmt.Sprintf("session %s exists already", req.Name))
		return
	case err != nil:
		h.log.Error("create session failed", "err", err)
		httpreply.Refuse(w, http.StatusInternalServerError, "the hub could not store the session")
		return
	}
	httpreply.Private(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(links)
}

// mayAdminister reports whether r carries the admin token or comes from
// this machine directly (loopback, not forwarded).
func (h *Hub) mayAdminister(r *http.Request) bool {
	if h.cfg.AdminToken != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && keysEqual(tok, h.cfg.AdminToken) {
			return true
		}
	}
	return h.requesterOf(r).local
}
