package hub

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/store"
)

// saveParticipant records m in the store, so that a restarted hub lists it, knows
// whether it held the wheel, and keeps its checkout for the notes. The
// store queues the record: the session's lock is never held for the disk.
func (s *session) saveParticipant(m *participant) {
	rec := store.ParticipantRecord{ID: m.id, Name: m.name, Role: m.role, Repo: m.repo, Wheel: s.navigator == m, Hand: m.hand, Joined: m.joined, Left: m.left, LastNum: m.lastNum}
	failed := func(err error) {
		if err != nil {
			s.log.Error("cannot store a participant", "name", rec.Name, "err", err)
		}
	}
	if err := s.hub.cfg.Store.SaveParticipant(s.rec.Name, rec, failed); err != nil {
		failed(err)
	}
}

// refuseMove tells m that the store refused its move e, which nobody saw.
// A numbered move is also one m's proxy keeps and sends again, but only
// after a reconnect, and an acknowledgement of a later move would cover it:
// so the connection takes no more numbered moves and ends (1013, try again
// later), and the proxy sends this move and the ones after it again when
// it is back.
func (s *session) refuseMove(m *participant, e store.TrailEntry, err error) {
	s.log.Error("move not shared: the store refused it", "seq", e.Seq, "err", err)
	m.conn.sendError(fmt.Sprintf("the hub could not store your move, so nobody saw it: %v", err))
	if e.SenderNum > 0 {
		m.conn.movesRefused = true
		m.conn.finish(websocket.CloseTryAgainLater, "the hub's store is behind")
	}
}

// restore brings back, disconnected, the participants the store remembers
// as present or gone for less than the linger time: after a restart they
// reconnect with their ids and find their names, and the navigator the
// wheel. Participants who left longer ago stay only in the store.
func (s *session) restore(records []store.ParticipantRecord) {
	now := time.Now().UTC()
	for _, rec := range records {
		if !rec.Left.IsZero() && now.Sub(rec.Left) >= s.hub.cfg.Linger {
			continue
		}
		m := &participant{id: rec.ID, name: rec.Name, role: rec.Role, repo: rec.Repo, hand: rec.Hand, joined: rec.Joined, left: rec.Left,
			acks: acks{lastNum: rec.LastNum, acked: rec.LastNum}}
		if m.left.IsZero() {
			m.left = now // the hub stopped without seeing it leave
		}
		s.participants = append(s.participants, m)
		if rec.Wheel && s.navigator == nil {
			s.navigator = m
		} else {
			s.startLinger(m)
		}
	}
}
