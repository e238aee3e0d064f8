package hub

import (
	"encoding/json"
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

// Each participant may post noteBurst notes and replies at once, then one
// every noteEvery: a person writing a question takes longer, and a proxy
// that loops fills no one's editor with notes. The web pages at one client
// address share one such allowance (pagenotes.go).
const (
	noteBurst = 10
	noteEvery = 3 * time.Second
)

// ErrNoteRate refuses a note or reply from a poster over its allowance.
var ErrNoteRate = errors.New("too many notes and replies")

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

// poster is who posts a note, reply or resolve: a participant, or a web
// page under the name it gives.
type poster struct {
	name      string
	navigator bool           // holds the wheel, and so may resolve any question
	posts     *noteAllowance // the poster's notes and replies
}

// spend spends one of p's posts, or says why not.
func (p poster) spend() error {
	ok, wait := p.posts.take(time.Now())
	if !ok {
		return fmt.Errorf("%w at once (%d, then one every %v): try again in %v", ErrNoteRate, noteBurst, noteEvery, wait.Round(100*time.Millisecond))
	}
	return nil
}

// A change of the session's notes by p, as a frame asks it: the index of
// the note changed, or why not. s.mu is held.
type noteChange func(s *session, p poster, n *wire.Note) (int, error)

// noteChanges are the changes of notes that participants and pages ask for,
// by frame type.
var noteChanges = map[string]noteChange{
	wire.TypeNote:    (*session).postNote,
	wire.TypeReply:   (*session).replyNote,
	wire.TypeResolve: (*session).resolveNote,
}

// noteHandler handles a participant's note, reply or resolve frame (typ):
// everyone gets the changed note, or the participant the refusal.
func noteHandler(typ string) func(*session, *participant, wire.Frame) {
	change := noteChanges[typ]
	return func(s *session, m *participant, f wire.Frame) {
		if f.Note == nil {
			s.sendTo(m, wire.Frame{Type: wire.TypeNote, Ref: f.Ref, Error: "the frame has no note"})
			return
		}
		i, err := change(s, poster{name: m.name, navigator: s.navigator == m, posts: &m.notePosts}, f.Note)
		if err != nil {
			s.sendTo(m, wire.Frame{Type: wire.TypeNote, Ref: f.Ref, Error: err.Error()})
			return
		}
		s.noteChanged(m, f.Ref, i)
	}
}

// checkPlace checks that a note has a place. What the place names is the
// proxies' to check, as for jumps: a receiver shows a note only at a valid
// location in its own files (participant.local), never outside them; the
// web viewer checks a page's against the navigator's files.
func checkPlace(to json.RawMessage) error {
	if len(to) == 0 || to[0] != '{' || !json.Valid(to) {
		return fmt.Errorf("a note needs a place (a location in to)")
	}
	return nil
}

// postNote numbers p's note and keeps it.
func (s *session) postNote(p poster, n *wire.Note) (int, error) {
	if err := checkPlace(n.To); err != nil {
		return 0, err
	}
	if len(s.notes) >= maxNotes {
		return 0, fmt.Errorf("this session has %d notes, as many as it may keep", maxNotes)
	}
	if err := checkNoteText(n.Text); err != nil {
		return 0, err
	}
	if err := p.spend(); err != nil {
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
	if err := p.spend(); err != nil {
		return 0, err
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
	case n.Resolved:
		// Told, not sent to everyone again: resolves are not rated.
		return 0, fmt.Errorf("question %d is resolved already", n.ID)
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

// Notes returns a session's notes as the store keeps them, by ID.
func (h *Hub) Notes(name string) ([]wire.Note, error) {
	return h.cfg.Store.Notes(name)
}
