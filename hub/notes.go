package hub

import (
	"errors"
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

// poster is who posts a note, reply or resolve: a participant, or a web
// page under the name it gives.
type poster struct {
	name      string
	navigator bool       // holds the wheel, and so may resolve any question
	posts     *allowance // the poster's rate
}

// noteHandler turns a note, reply or resolve frame of a participant into
// its change of the session's notes, told to everyone, or its refusal,
// told to the participant.
func noteHandler(change func(s *session, p poster, n *wire.Note) (int, error)) func(*session, *participant, wire.Frame) {
	return func(s *session, m *participant, f wire.Frame) {
		i, err := s.changeNote(poster{name: m.name, navigator: s.navigator == m, posts: &m.posts}, f.Note, change)
		if err != nil {
			s.sendTo(m, wire.Frame{Type: wire.TypeNote, Ref: f.Ref, Error: err.Error()})
			return
		}
		s.noteChanged(m, f.Ref, i)
	}
}

// changeNote spends one of p's posts on change, and returns the index of
// the note it changed.
func (s *session) changeNote(p poster, n *wire.Note, change func(*session, poster, *wire.Note) (int, error)) (int, error) {
	if n == nil {
		return 0, errors.New("the frame has no note")
	}
	if wait, ok := p.posts.take(time.Now(), s.hub.cfg.NotesPerMinute, s.hub.cfg.NoteBurst); !ok {
		return 0, fmt.Errorf("%w: at most %d a minute; try again in %v", ErrNoteRate, s.hub.cfg.NotesPerMinute, wait.Round(time.Second)+time.Second)
	}
	return change(s, p, n)
}

// postNote numbers p's note and keeps it.
func (s *session) postNote(p poster, n *wire.Note) (int, error) {
	switch {
	case len(n.To) == 0 || n.To[0] != '{':
		return 0, errors.New("a note needs a place (a location in to)")
	case len(s.notes) >= maxNotes:
		return 0, fmt.Errorf("this session has %d notes, as many as it may keep", maxNotes)
	}
	if err := checkNoteText(n.Text); err != nil {
		return 0, err
	}
	var last uint64
	if len(s.notes) > 0 {
		last = s.notes[len(s.notes)-1].ID
	}
	s.notes = append(s.notes, wire.Note{ID: last + 1, By: p.name, At: time.Now().UTC(), To: n.To, Text: n.Text, Question: n.Question})
	return len(s.notes) - 1, nil
}

// replyNote adds p's reply to a note.
func (s *session) replyNote(p poster, r *wire.Note) (int, error) {
	i, err := s.noteOf(r)
	if err != nil {
		return 0, err
	}
	if err := checkNoteText(r.Text); err != nil {
		return 0, err
	}
	n := &s.notes[i]
	if len(n.Replies) >= maxReplies {
		return 0, fmt.Errorf("note %d has %d replies, as many as it may keep", n.ID, maxReplies)
	}
	// A new slice: the notes sent or being stored keep theirs.
	n.Replies = append(n.Replies[:len(n.Replies):len(n.Replies)], wire.Reply{By: p.name, At: time.Now().UTC(), Text: r.Text})
	return i, nil
}

// resolveNote marks a question resolved: its author's or the navigator's
// to do.
func (s *session) resolveNote(p poster, r *wire.Note) (int, error) {
	i, err := s.noteOf(r)
	if err != nil {
		return 0, err
	}
	n := &s.notes[i]
	switch {
	case !n.Question:
		return 0, fmt.Errorf("note %d is not a question: there is nothing to resolve", n.ID)
	case n.By != p.name && !p.navigator:
		return 0, fmt.Errorf("only %s, who asked, or the navigator (%s) can resolve question %d", n.By, s.navigatorName(), n.ID)
	}
	n.Resolved = true
	return i, nil
}

// noteOf finds the note a reply or resolve names.
func (s *session) noteOf(r *wire.Note) (int, error) {
	if r.ID == 0 {
		return 0, errors.New("which note? the frame names none")
	}
	for i := range s.notes {
		if s.notes[i].ID == r.ID {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no note %d in this session", r.ID)
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

// noteChanged stores the i-th note and sends it to everyone connected and
// every page watching; by's copy carries by's ref (by is nil for a page's
// change: the page gets the note in its answer).
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
	if by != nil {
		s.sendTo(by, wire.Frame{Type: wire.TypeNote, Ref: ref, Note: &n})
	}
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
	for w := range s.watches {
		w.push(b, watchNote)
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
