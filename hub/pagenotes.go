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

// maxPagePosters bounds the client addresses whose posting rate a session
// remembers; addresses whose allowance has filled up again are forgotten
// first.
const maxPagePosters = 10000

// ErrNoteRate refuses a note, reply or resolve from a poster over its rate.
var ErrNoteRate = errors.New("too many notes and replies")

// allowance is a token bucket that refuses what is over its rate instead
// of slowing it: a refused note is a person's to post again.
type allowance struct {
	tokens float64
	last   time.Time
}

// take spends one post at now, or returns how long until one is allowed.
func (a *allowance) take(now time.Time, perMinute, burst int) (time.Duration, bool) {
	a.refill(now, perMinute, burst)
	if a.tokens < 1 {
		return time.Duration((1 - a.tokens) * 60 / float64(perMinute) * float64(time.Second)), false
	}
	a.tokens--
	return 0, true
}

func (a *allowance) refill(now time.Time, perMinute, burst int) {
	if a.last.IsZero() {
		a.tokens = float64(burst)
	} else {
		a.tokens = min(float64(burst), a.tokens+now.Sub(a.last).Minutes()*float64(perMinute))
	}
	a.last = now
}

// pageChanges are the changes a page may post, by frame type.
var pageChanges = map[string]func(*session, poster, *wire.Note) (int, error){
	wire.TypeNote:    (*session).postNote,
	wire.TypeReply:   (*session).replyNote,
	wire.TypeResolve: (*session).resolveNote,
}

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
	change := pageChanges[f.Type]
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
	i, err := s.changeNote(poster{name: name, posts: posts}, f.Note, change)
	if err != nil {
		return wire.Note{}, err
	}
	s.noteChanged(nil, "", i)
	return s.notes[i], nil
}

// pagePoster returns the allowance of the pages at client, remembering at
// most maxPagePosters of them. s.mu is held.
func (s *session) pagePoster(client netip.Prefix) (*allowance, error) {
	if a := s.pagePosts[client]; a != nil {
		return a, nil
	}
	if len(s.pagePosts) >= maxPagePosters {
		now := time.Now()
		for k, a := range s.pagePosts {
			if a.refill(now, s.hub.cfg.NotesPerMinute, s.hub.cfg.NoteBurst); a.tokens >= float64(s.hub.cfg.NoteBurst) {
				delete(s.pagePosts, k)
			}
		}
		if len(s.pagePosts) >= maxPagePosters {
			return nil, fmt.Errorf("%w: pages at too many addresses are posting to this session; try again in a minute", ErrNoteRate)
		}
	}
	a := &allowance{}
	s.pagePosts[client] = a
	return a, nil
}
