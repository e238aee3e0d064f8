package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/httpreply"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// maxPostBody bounds a page's post: 4 KiB of text, every byte of which
// JSON may spell in six, and a place.
const maxPostBody = 32 << 10

// pagePost is the body of POST /s/NAME/notes: a participant's note, reply
// or resolve frame, and the name the page posts under.
type pagePost struct {
	Type string     `json:"type"`
	Name string     `json:"name"`
	Note *wire.Note `json:"note"`
}

// postReply answers POST /s/NAME/notes: the note as it is now, or why not.
type postReply struct {
	Note  *wire.Note `json:"note,omitempty"`
	Error string     `json:"error,omitempty"`
}

// handlePost posts a page's note, reply or resolve to the session, with
// the checks the hub makes of a participant's, and the page's key checked
// as a participant's is (wrong keys back off per address).
func (v *Viewer) handlePost(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	if !v.hub.OriginAllowed(r) {
		httpreply.Refuse(w, http.StatusForbidden, "pages of other sites may not post to sessions on this hub")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		// A form of another site cannot send JSON as JSON.
		httpreply.Refuse(w, http.StatusUnsupportedMediaType, "post JSON (Content-Type: application/json)")
		return
	}
	if !v.admit(w, r) {
		return
	}
	var p pagePost
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPostBody)).Decode(&p); err != nil || p.Note == nil {
		answerPost(w, http.StatusBadRequest, postReply{Error: `the body must be JSON: {"type": "note", "name": NAME, "note": {…}}`})
		return
	}
	name := r.PathValue("name")
	if p.Type == wire.TypeNote {
		to, err := v.checkPlace(r.Context(), name, p.Note.To)
		if err != nil {
			answerPost(w, http.StatusBadRequest, postReply{Error: err.Error()})
			return
		}
		p.Note.To = to
	}
	n, err := v.hub.PageNote(r, wire.Frame{Type: p.Type, Name: p.Name, Note: p.Note})
	switch {
	case errors.Is(err, hub.ErrNoteRate):
		answerPost(w, http.StatusTooManyRequests, postReply{Error: err.Error()})
	case err != nil:
		answerPost(w, http.StatusBadRequest, postReply{Error: err.Error()})
	default:
		v.log.Info("page posted", "session", name, "type", p.Type, "id", n.ID, "remote", r.RemoteAddr)
		answerPost(w, http.StatusOK, postReply{Note: &n})
	}
}

func answerPost(w http.ResponseWriter, status int, reply postReply) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(reply)
}

// checkPlace checks that a page's note is at a line of a file the
// navigator shares, as a participant's proxy lets its editor pin notes
// only in files others can see, and returns the place as the hub keeps
// it. The navigator's proxy decides, by the rules it serves files by.
func (v *Viewer) checkPlace(ctx context.Context, session string, raw json.RawMessage) (json.RawMessage, error) {
	var l location.Location
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, errors.New("a note needs a place: a portable location in to")
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	f, err := v.files.get(ctx, session, l)
	if err != nil {
		if f != nil {
			err = errors.New(f.reason)
		}
		return nil, fmt.Errorf("a note must be at a file the navigator shares, and %s is not one: %w", l.Path, err)
	}
	if lines := lineCount(f.data); int(l.Range.End.Line) >= max(lines, 1) {
		return nil, fmt.Errorf("%s has %d lines; the note is at line %d", l.Path, lines, l.Range.End.Line+1)
	}
	return json.Marshal(l)
}

// lineCount counts a text's lines as an editor numbers them, the last one
// with or without its newline.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}
