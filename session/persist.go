package session

import "time"

// saveMember records m in the store, so that a restarted hub lists it, knows
// whether it held the wheel, and keeps its checkout for the notes.
func (s *session) saveMember(m *member) {
	rec := MemberRecord{ID: m.id, Name: m.name, Role: m.role, Repo: m.repo, Wheel: s.wheel == m, Joined: m.joined, Left: m.left}
	if err := s.hub.cfg.Store.SaveMember(s.rec.Name, rec); err != nil {
		s.log.Error("cannot store a participant", "name", m.name, "err", err)
	}
}

// restore brings back, disconnected, the participants the store remembers
// as present or gone for less than the linger time: after a restart they
// reconnect with their ids and find their names, and the wheel holder the
// wheel. Participants who left longer ago stay only in the store.
func (s *session) restore(records []MemberRecord) {
	now := time.Now().UTC()
	for _, rec := range records {
		if !rec.Left.IsZero() && now.Sub(rec.Left) >= s.hub.cfg.Linger {
			continue
		}
		m := &member{id: rec.ID, name: rec.Name, role: rec.Role, repo: rec.Repo, joined: rec.Joined, left: rec.Left}
		if m.left.IsZero() {
			m.left = now // the hub stopped without seeing it leave
		}
		s.members = append(s.members, m)
		if rec.Wheel && s.wheel == nil {
			s.wheel = m
		} else {
			s.startLinger(m)
		}
	}
}
