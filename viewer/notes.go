package viewer

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/lspshare/lspshare/internal/httpreply"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/notes"
)

// notesTimeout bounds making notes, excerpts included: a navigator slow
// to send files costs the notes their excerpts, not the user their wait.
const notesTimeout = 20 * time.Second

// handleNotes answers GET /s/NAME/notes.md with Markdown notes of the walk,
// code excerpts coming from the navigator's files while someone holds
// the wheel.
func (v *Viewer) handleNotes(w http.ResponseWriter, r *http.Request) {
	if !v.admit(w, r) {
		return
	}
	name := r.PathValue("name")
	md, err := v.notes(r.Context(), name)
	if err != nil {
		v.log.Error("notes failed", "session", name, "err", err)
		httpreply.Refuse(w, http.StatusInternalServerError, "the hub cannot read the session's trail")
		return
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"-notes.md"))
	w.Write(md)
}

// notes makes the Markdown notes of a session.
func (v *Viewer) notes(ctx context.Context, name string) ([]byte, error) {
	trail, err := v.hub.Trail(name)
	if err != nil {
		return nil, err
	}
	members, err := v.hub.Participants(name)
	if err != nil {
		return nil, err
	}
	walk := notes.FromTrail(name, trail, members)
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
	err = notes.Write(&b, walk)
	return b.Bytes(), err
}
