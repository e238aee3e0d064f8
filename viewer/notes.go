package viewer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lspshare/lspshare/internal/httpreply"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/notes"
)

// notesTimeout bounds making notes, excerpts included: a navigator slow
// to send files costs the notes their excerpts, not the user their wait.
const notesTimeout = 20 * time.Second

// notesFormat is a way to write a session's walk.
type notesFormat struct {
	write       func(io.Writer, notes.Walk) error
	contentType string
	file        string // the download's name after the session's
}

var (
	markdownNotes = notesFormat{notes.Write, "text/markdown; charset=utf-8", "-notes.md"}
	tourNotes     = notesFormat{notes.WriteTour, "application/json", ".tour"}
)

// handleNotes answers GET /s/NAME/notes.md (Markdown notes of the walk)
// or GET /s/NAME/notes.tour (a CodeTour file of it), code excerpts coming
// from the navigator's files while someone holds the wheel.
func (v *Viewer) handleNotes(format notesFormat) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !v.admit(w, r) {
			return
		}
		name := r.PathValue("name")
		out, err := v.notes(r.Context(), name, format)
		if err != nil {
			v.log.Error("notes failed", "session", name, "err", err)
			httpreply.Refuse(w, http.StatusInternalServerError, "the hub cannot read the session's trail and notes")
			return
		}
		w.Header().Set("Content-Type", format.contentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+format.file))
		w.Write(out)
	}
}

// notes writes a session's walk, its moves and notes, in a format.
func (v *Viewer) notes(ctx context.Context, name string, format notesFormat) ([]byte, error) {
	trail, err := v.hub.Trail(name)
	if err != nil {
		return nil, err
	}
	posted, err := v.hub.Notes(name)
	if err != nil {
		return nil, err
	}
	members, err := v.hub.Participants(name)
	if err != nil {
		return nil, err
	}
	walk := notes.FromSession(name, trail, posted, members)
	ctx, cancel := context.WithTimeout(ctx, notesTimeout)
	defer cancel()
	walk.AddCode(ctx, func(ctx context.Context, l location.Location) ([]byte, error) {
		f, err := v.files.get(ctx, name, l)
		if err != nil {
			return nil, err
		}
		return f.data, nil
	})
	var b bytes.Buffer
	err = format.write(&b, walk)
	return b.Bytes(), err
}
