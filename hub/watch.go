package hub

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"

	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// watchQueue bounds the frames a Watch holds for a viewer that has not read
// them yet, beyond the ones it starts with (up to a trail's and every
// note); past it the watch ends and the viewer starts over.
const watchQueue = 512

// ErrWatchEnded is returned by Watch.Next once the hub has ended the watch:
// the viewer fell too far behind, or the hub is closing.
var ErrWatchEnded = errors.New("watch ended")

// Watch is a live subscription to one session, for a web viewer: the
// encoded hub-wire frames a participant gets (state, the navigator's nav
// frames, notes). A watch is no participant: it is not listed, cannot move
// anyone, and is counted in the state frame's viewers only.
//
// It never slows the session. Moves, states and notes wait in a bounded queue and
// cursors in a slot that keeps only the newest; a watch whose queue
// overflows ends (Next returns ErrWatchEnded).
type Watch struct {
	s *session

	mu     sync.Mutex // guards queue, cursor and ended
	limit  int        // frames the queue may hold: watchQueue past the first ones; set once
	queue  [][]byte
	cursor []byte
	ended  bool
	wake   chan struct{} // capacity 1
}

// Watch subscribes to the named session. The first frames it yields describe
// the session as it is: a state frame, the newest trail entries (up to
// trail of them) as replayed nav frames, every note as a note frame, and
// the navigator's current place as a cursor nav frame. Then come the
// changes: states, moves, and each note as it is posted or changed.
func (h *Hub) Watch(name string, trail int) (*Watch, error) {
	s, err := h.session(name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("no session %s", name)
	}
	w := &Watch{s: s, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("the hub is shutting down")
	}
	s.watches[w] = struct{}{} // counted in its own first state
	if b, err := wire.Encode(s.stateFrame()); err == nil {
		w.queue = append(w.queue, b)
	}
	if trail > 0 && s.seq > 0 {
		w.queue = append(w.queue, s.replay(s.seq-min(s.seq, uint64(trail)))...)
	}
	w.queue = append(w.queue, s.notesPreamble()...)
	w.limit = len(w.queue) + watchQueue
	if m := s.navigator; m != nil && m.place != nil {
		if b, err := wire.Encode(wire.Frame{Type: wire.TypeNav, By: m.name, Kind: wire.KindCursor, To: m.place}); err == nil {
			w.cursor = b
		}
	}
	w.poke()
	s.stateChanged()
	return w, nil
}

// Next returns the next frame, waiting for one until ctx ends or the watch
// ends.
func (w *Watch) Next(ctx context.Context) ([]byte, error) {
	for {
		w.mu.Lock()
		switch {
		case w.ended:
			w.mu.Unlock()
			return nil, ErrWatchEnded
		case len(w.queue) > 0:
			b := w.queue[0]
			w.queue[0] = nil
			w.queue = w.queue[1:]
			w.mu.Unlock()
			return b, nil
		case w.cursor != nil:
			// The slot goes after the queue, so a cursor never
			// overtakes a jump made before it.
			b := w.cursor
			w.cursor = nil
			w.mu.Unlock()
			return b, nil
		}
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-w.wake:
		}
	}
}

// Close ends the subscription.
func (w *Watch) Close() {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watches[w]; ok {
		delete(s.watches, w)
		s.stateChanged()
	}
	w.end()
}

// What a frame pushed to a watch is.
const (
	watchState  = iota // a state frame
	watchMove          // a numbered nav frame
	watchCursor        // a cursor nav frame
	watchNote          // a note frame
)

// push hands the watch a frame of a kind above; the session's lock is
// held. A move or state that does not fit ends the watch.
func (w *Watch) push(b []byte, kind int) {
	w.mu.Lock()
	defer w.poke()
	defer w.mu.Unlock()
	switch {
	case w.ended:
	case kind == watchCursor:
		w.supersede()
		w.cursor = b
	case len(w.queue) >= w.limit:
		w.s.hub.metrics.drop(DropViewerBehind)
		w.ended = true
		w.queue, w.cursor = nil, nil
		delete(w.s.watches, w)
		w.s.stateChanged()
	default:
		if kind == watchMove {
			w.supersede() // older than this move
			w.cursor = nil
		}
		w.queue = append(w.queue, b)
	}
}

// supersede counts the slot's cursor, which is about to be replaced.
func (w *Watch) supersede() {
	if w.cursor != nil {
		w.s.hub.metrics.drop(DropSuperseded)
	}
}

// end stops the watch; Next then returns ErrWatchEnded.
func (w *Watch) end() {
	w.mu.Lock()
	w.ended = true
	w.queue, w.cursor = nil, nil
	w.mu.Unlock()
	w.poke()
}

func (w *Watch) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Admit checks the session a request names (path value "name") and its key
// (bearer token or key query parameter), as a participant's websocket is
// checked. It returns the role the key grants, or the HTTP status and a
// plain reason for the refusal.
func (h *Hub) Admit(r *http.Request) (role string, status int, reason string) {
	s, role, status, reason := h.admit(r)
	if s == nil {
		return "", status, reason
	}
	return role, http.StatusOK, ""
}

// Trail returns a session's whole trail, oldest first.
func (h *Hub) Trail(name string) ([]store.TrailEntry, error) {
	return h.cfg.Store.Trail(name, 0, math.MaxInt)
}

// Participants returns what the store remembers of a session's participants.
func (h *Hub) Participants(name string) ([]store.ParticipantRecord, error) {
	return h.cfg.Store.Participants(name)
}

// OriginAllowed reports whether a request's Origin header lets it use the
// hub: absent (not a browser), or a page of the hub itself.
func (h *Hub) OriginAllowed(r *http.Request) bool { return h.originAllowed(r) }
