package hub

import (
	"sync"

	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// Acknowledgements. A proxy numbers its jumps and opens (wire.Frame.Num),
// keeps each until the hub acknowledges it, and sends the ones still
// unacknowledged again after a reconnect. The hub acknowledges cumulatively
// (an ack with num N covers every move numbered up to N) once a move is
// durable: stored on disk when it went into the trail, handled when it did
// not (a move of someone without the wheel is only their place). A move
// numbered at most the participant's LastNum is one the hub has: it is
// dropped, and acknowledged again if it was acknowledged before (the ack
// may have been lost with the connection).
//
// The fields below live in participant and are guarded by the session's
// lock.
type acks struct {
	lastNum uint64 // newest move number taken
	acked   uint64 // newest move number acknowledged
	storing int    // this participant's trail entries not yet durable
}

// seen reports whether m's move numbered num is one the hub has already,
// and acknowledges it again when it can.
func (s *session) seen(m *participant, num uint64) bool {
	if num == 0 || num > m.lastNum {
		return false
	}
	if num <= m.acked {
		s.sendAck(m)
	}
	return true
}

// handled takes m's move numbered num that needs no storing.
func (s *session) handled(m *participant, num uint64) {
	if num == 0 {
		return
	}
	m.lastNum = num
	if m.storing == 0 {
		s.ackUpTo(m, num)
	}
}

// stored is told that m's trail entry e is durable (err nil) or failed.
// Entries become durable in the order they were queued, so when e is,
// every earlier move of m is done too; when nothing of m is left storing,
// every move taken is.
func (s *session) stored(m *participant, e store.TrailEntry, err error) {
	m.storing--
	if err != nil {
		s.log.Error("cannot store a trail entry", "seq", e.Seq, "err", err)
		return
	}
	if m.storing == 0 {
		s.ackUpTo(m, m.lastNum)
	} else {
		s.ackUpTo(m, e.SenderNum)
	}
}

func (s *session) ackUpTo(m *participant, num uint64) {
	if num <= m.acked {
		return
	}
	m.acked = num
	s.sendAck(m)
}

func (s *session) sendAck(m *participant) {
	if !s.closed {
		s.sendTo(m, wire.Frame{Type: wire.TypeAck, Num: m.acked})
	}
}

// appendTrail queues e, m's move, for the trail, and reports whether the
// store took it. The store does not wait for the disk, so the move is fanned
// out at once; it is acknowledged to m once durable. A move the store
// refuses (its disk is too far behind) is not numbered, fanned out or
// acknowledged, and m is told.
//
// The store calls back on its writer goroutine, or at once, inside
// AppendTrail, while this goroutine holds s.mu: the callback takes s.mu
// only in the first case and leaves the second to appendTrail.
func (s *session) appendTrail(m *participant, e store.TrailEntry) bool {
	var early struct {
		sync.Mutex
		returned, called bool
		err              error
	}
	err := s.hub.cfg.Store.AppendTrail(s.rec.Name, e, func(err error) {
		early.Lock()
		if !early.returned {
			early.called, early.err = true, err
			early.Unlock()
			return
		}
		early.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.stored(m, e, err)
	})
	if err != nil {
		s.refuseMove(m, e, err)
		return false
	}
	m.storing++
	if e.SenderNum > 0 {
		m.lastNum = e.SenderNum
	}
	early.Lock()
	early.returned = true
	called, calledErr := early.called, early.err
	early.Unlock()
	if called {
		s.stored(m, e, calledErr)
	}
	return true
}
