package hub

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/lspshare/lspshare/wire"
)

// Bounds on a session's notes: each note, with its replies, must fit in a
// frame (100 replies of 4 KiB is 400 KiB), and all of them follow every
// welcome.
const (
	maxNotes   = 1000
	maxReplies = 100
)

// Each participant may post noteBurst notes and replies at once, then one
// every noteEvery: a person writing a question takes longer, and a proxy
// that loops fills no one's editor with notes.
const (
	noteBurst = 10
	noteEvery = 3 * time.Second
)

// noteAllowance is a participant's allowance of notes and replies.
type noteAllowance struct {
	tokens float64
	last   time.Time
}

// take spends one post at now, or says how long until the next is allowed.
func (a *noteAllowance) take(now time.Time) (bool, time.Duration) {
	if a.last.IsZero() {
		a.tokens = noteBurst
	} else {
		a.tokens = min(noteBurst, a.tokens+now.Sub(a.last).Seconds()/noteEvery.Seconds())
	}
	a.last = now
	if a.tokens < 1 {
		return false, time.Duration((1 - a.tokens) * float64(noteEvery))
	}
	a.tokens--
	return true, 0
}

// allowPost spends one of m's posts, or refuses f.
func (s *session) allowPost(m *participant, f wire.Frame) bool {
	ok, wait := m.notePosts.take(time.Now())
	if !ok {
		s.refuseNote(m, f, fmt.Sprintf("too many notes and replies at once (%d, then one every %v): try again in %v", noteBurst, noteEvery, wait.Round(100*time.Millisecond)))
	}
	return ok
}

// checkPlace checks that a note has a place. What the place names is the
// proxies' to check, as for jumps: a receiver shows a note only at a valid
// location in its own files (participant.local), never outside them.
func checkPlace(to json.RawMessage) error {
	if len(to) == 0 || to[0] != '{' || !json.Valid(to) {
		return fmt.Errorf("a note needs a place (a location in to)")
	}
	return nil
}

// postNote numbers m's note and gives it to everyone; the poster's copy
// carries its ref, so its command can answer with the ID.
func (s *session) postNote(m *participant, f wire.Frame) {
	n := f.Note
	if n == nil {
		s.refuseNote(m, f, "a note needs a place (a location in to)")
		return
	}
	if err := checkPlace(n.To); err != nil {
		s.refuseNote(m, f, err.Error())
		return
	}
	switch {
	case len(s.notes) >= maxNotes:
		s.refuseNote(m, f, fmt.Sprintf("this session has %d notes, as many as it may keep", maxNotes))
	default:
		if err := checkNoteText(n.Text); err != nil {
			s.refuseNote(m, f, err.Error())
			return
		}
		if !s.allowPost(m, f) {
			return
		}
		var last uint64
		if len(s.notes) > 0 {
			last = s.notes[len(s.notes)-1].ID
		}
		note := wire.Note{ID: last + 1, By: m.name, At: time.Now().UTC(), To: n.To, Text: n.Text, Question: n.Question}
		s.notes = append(s.notes, note)
		s.noteChanged(m, f.Ref, len(s.notes)-1)
	}
}

// replyNote adds m's reply to a note.
func (s *session) replyNote(m *participant, f wire.Frame) {
	i, ok := s.noteOf(m, f)
	if !ok {
		return
	}
	if err := checkNoteText(f.Note.Text); err != nil {
		s.refuseNote(m, f, err.Error())
		return
	}
	if len(s.notes[i].Replies) >= maxReplies {
		s.refuseNote(m, f, fmt.Sprintf("note %d has %d replies, as many as it may keep", s.notes[i].ID, maxReplies))
		return
	}
	if !s.allowPost(m, f) {
		return
	}
	n := &s.notes[i]
	n.Replies = append(n.Replies[:len(n.Replies):len(n.Replies)], wire.Reply{By: m.name, At: time.Now().UTC(), Text: f.Note.Text})
	s.noteChanged(m, f.Ref, i)
}

// resolveNote marks a question resolved: its author's or the navigator's
// to do.
func (s *session) resolveNote(m *participant, f wire.Frame) {
	i, ok := s.noteOf(m, f)
	if !ok {
		return
	}
	n := &s.notes[i]
	switch {
	case !n.Question:
		s.refuseNote(m, f, fmt.Sprintf("note %d is not a question: there is nothing to resolve", n.ID))
	case n.By != m.name && s.navigator != m:
		s.refuseNote(m, f, fmt.Sprintf("only %s, who asked, or the navigator (%s) can resolve question %d", n.By, s.navigatorName(), n.ID))
	default:
		n.Resolved = true
		s.noteChanged(m, f.Ref, i)
	}
}

// noteOf finds the note a reply or resolve names, or refuses the frame.
func (s *session) noteOf(m *participant, f wire.Frame) (int, bool) {
	if f.Note == nil || f.Note.ID == 0 {
		s.refuseNote(m, f, "which note? the frame names none")
		return 0, false
	}
	for i := range s.notes {
		if s.notes[i].ID == f.Note.ID {
			return i, true
		}
	}
	s.refuseNote(m, f, fmt.Sprintf("no note %d in this session", f.Note.ID))
	return 0, false
}

func checkNoteText(text string) error {
	switch {
	case text == "":
		return fmt.Errorf("a note or reply needs some text")
	case len(text) > wire.MaxNoteText:
		return fmt.Errorf("the text is %d bytes; a note or reply may have at most %d (4 KiB)", len(text), wire.MaxNoteText)
	case !utf8.ValidString(text):
		return fmt.Errorf("the text is not valid UTF-8")
	}
	return nil
}

// refuseNote answers m's note, reply or resolve frame with why it was
// refused.
func (s *session) refuseNote(m *participant, f wire.Frame, why string) {
	s.sendTo(m, wire.Frame{Type: wire.TypeNote, Ref: f.Ref, Error: why})
}

// noteChanged stores the i-th note and sends it to everyone connected; by's
// copy carries by's ref.
func (s *session) noteChanged(by *participant, ref string, i int) {
	n := s.notes[i]
	err := s.hub.cfg.Store.SaveNote(s.rec.Name, n, func(err error) {
		if err != nil {
			s.log.Error("cannot store a note", "id", n.ID, "err", err)
		}
	})
	if err != nil {
		s.log.Error("note not stored", "id", n.ID, "err", err)
	}
	s.sendTo(by, wire.Frame{Type: wire.TypeNote, Ref: ref, Note: &n})
	b, err := wire.Encode(wire.Frame{Type: wire.TypeNote, Note: &n}) // once for everyone else
	if err != nil {
		s.log.Error("cannot send a note", "id", n.ID, "err", err)
		return
	}
	for _, o := range s.participants {
		if o != by && o.conn != nil {
			o.conn.enqueue(b)
		}
	}
}

// notesPreamble returns every note, encoded, for a participant just
// welcomed.
func (s *session) notesPreamble() [][]byte {
	out := make([][]byte, 0, len(s.notes))
	for i := range s.notes {
		b, err := wire.Encode(wire.Frame{Type: wire.TypeNote, Note: &s.notes[i]})
		if err != nil {
			s.log.Error("cannot send a note", "id", s.notes[i].ID, "err", err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// Notes returns a session's notes as the store keeps them, by ID.
func (h *Hub) Notes(name string) ([]wire.Note, error) {
	return h.cfg.Store.Notes(name)
}
