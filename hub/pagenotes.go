package hub

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// maxPagePosters bounds the client addresses whose allowance of notes a
// session remembers; addresses whose allowance has filled up again are
// forgotten to make room.
const maxPagePosters = 10000

// PageNote applies a note, reply or resolve (f.Type, f.Note as a
// participant's frame holds them) that a web page posts under the name
// f.Name, and returns the note as it is now; everyone connected and every
// page watching gets it too. r is the page's request, admitted already:
// the session is its path value "name", and its client address carries
// the posting rate, since a page's name is its own to choose. The name may
// not be one of the session's participants': a page cannot speak, or
// resolve, for them. The caller checks that a note's place is a file of
// the session (the hub does not look inside locations).
func (h *Hub) PageNote(r *http.Request, f wire.Frame) (wire.Note, error) {
	change := noteChanges[f.Type]
	if change == nil {
		return wire.Note{}, fmt.Errorf("a page may post note, reply or resolve, not %.40q", f.Type)
	}
	if strings.TrimSpace(f.Name) == "" {
		return wire.Note{}, errors.New("say who you are: a page posts under a name")
	}
	name := cleanName(f.Name)
	s, err := h.session(r.PathValue("name"))
	if err != nil || s == nil {
		return wire.Note{}, fmt.Errorf("no session %s", r.PathValue("name"))
	}
	client := clientKey(h.requesterOf(r).addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return wire.Note{}, errors.New("the hub is shutting down")
	case s.memberByName(name) != nil:
		return wire.Note{}, fmt.Errorf("%s is the name of a participant of this session: a page posts under a name of its own", name)
	}
	posts, err := s.pagePoster(client)
	if err != nil {
		return wire.Note{}, err
	}
	if f.Note == nil {
		return wire.Note{}, errors.New("the post has no note")
	}
	i, err := change(s, poster{name: name, posts: posts}, f.Note)
	if err != nil {
		return wire.Note{}, err
	}
	s.noteChanged(nil, "", i)
	return s.notes[i], nil
}

// pagePoster returns the allowance of the pages at client, remembering at
// most maxPagePosters of them. s.mu is held.
func (s *session) pagePoster(client netip.Prefix) (*noteAllowance, error) {
	if a := s.pagePosts[client]; a != nil {
		return a, nil
	}
	if len(s.pagePosts) >= maxPagePosters {
		now := time.Now()
		for k, a := range s.pagePosts {
			if now.Sub(a.last) >= noteBurst*noteEvery { // full again
				delete(s.pagePosts, k)
			}
		}
		if len(s.pagePosts) >= maxPagePosters {
			return nil, fmt.Errorf("%w: pages at too many addresses are posting to this session; try again in a minute", ErrNoteRate)
		}
	}
	a := &noteAllowance{}
	s.pagePosts[client] = a
	return a, nil
}
