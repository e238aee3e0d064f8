package participant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// NotesMethod is the notification that carries the session's notes to
// plugins, each at its place in this editor's own files.
const NotesMethod = "$/lspshare/notes"

// noteTimeout bounds the hub's answer to a note, reply or resolve.
const noteTimeout = 5 * time.Second

// notesDelay gathers the notes that arrive together (all of them after a
// welcome) into one publish.
const notesDelay = 20 * time.Millisecond

// LSP DiagnosticSeverity values of notes.
const (
	severityInformation = 3 // an open question
	severityHint        = 4 // a note, or a resolved question
)

// noteBoard is the session's notes as this participant knows them, owned
// by Run's goroutine.
type noteBoard struct {
	byID     map[uint64]wire.Note       // places portable
	shown    map[string]bool            // local URIs given diagnostics of notes
	dirty    map[string]bool            // local URIs whose diagnostics changed, "" for a note not here
	waiting  map[string]chan wire.Frame // refs of this participant's note frames awaiting the hub
	fetching map[string]bool            // files of notes being brought, by location
	timer    *time.Timer                // fires a publish of what is dirty
}

func newNoteBoard() noteBoard {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return noteBoard{byID: map[uint64]wire.Note{}, shown: map[string]bool{}, dirty: map[string]bool{}, waiting: map[string]chan wire.Frame{}, fetching: map[string]bool{}, timer: t}
}

// noteArgs are the arguments of lspshare.note, lspshare.reply and
// lspshare.resolve.
type noteArgs struct {
	ID       uint64          `json:"id"`
	URI      string          `json:"uri"`
	Range    *protocol.Range `json:"range"`
	Text     string          `json:"text"`
	Question bool            `json:"question"`
}

func parseNoteArgs(args []json.RawMessage) (noteArgs, error) {
	var a noteArgs
	if len(args) != 1 {
		return a, errors.New("this command needs one argument, an object")
	}
	if err := json.Unmarshal(args[0], &a); err != nil {
		return a, fmt.Errorf("argument must be an object: %w", err)
	}
	if len(a.Text) > wire.MaxNoteText {
		return a, fmt.Errorf("the text is %d bytes; a note or reply may have at most %d (4 KiB)", len(a.Text), wire.MaxNoteText)
	}
	return a, nil
}

// cmdNote pins a note, or a question, to a place in this editor's files;
// everyone sees it at the same line of their own copy.
func (p *Participant) cmdNote(ctx context.Context, args []json.RawMessage) (any, error) {
	a, err := parseNoteArgs(args)
	if err != nil {
		return nil, err
	}
	if a.URI == "" || a.Range == nil || a.Text == "" {
		return nil, errors.New("a note needs a uri, a range and a text")
	}
	return p.noteRequest(ctx, func() (wire.Frame, error) {
		to, err := p.portable(protocol.Location{URI: protocol.DocumentURI(a.URI), Range: *a.Range})
		if err != nil {
			return wire.Frame{}, fmt.Errorf("others cannot see this file, so a note cannot be pinned there: %w", err)
		}
		return wire.Frame{Type: wire.TypeNote, Note: &wire.Note{To: to, Text: a.Text, Question: a.Question}}, nil
	})
}

// cmdReply replies to a note.
func (p *Participant) cmdReply(ctx context.Context, args []json.RawMessage) (any, error) {
	a, err := parseNoteArgs(args)
	if err != nil {
		return nil, err
	}
	if a.ID == 0 || a.Text == "" {
		return nil, errors.New("a reply needs the note's id and a text")
	}
	return p.noteRequest(ctx, func() (wire.Frame, error) {
		return wire.Frame{Type: wire.TypeReply, Note: &wire.Note{ID: a.ID, Text: a.Text}}, nil
	})
}

// cmdResolve marks a question resolved (its author or the navigator).
func (p *Participant) cmdResolve(ctx context.Context, args []json.RawMessage) (any, error) {
	a, err := parseNoteArgs(args)
	if err != nil {
		return nil, err
	}
	if a.ID == 0 {
		return nil, errors.New("resolve needs the question's id")
	}
	return p.noteRequest(ctx, func() (wire.Frame, error) {
		return wire.Frame{Type: wire.TypeResolve, Note: &wire.Note{ID: a.ID}}, nil
	})
}

// noteRequest sends the frame build makes, on Run's goroutine, and answers
// {"id": N} once the hub has the note, or the hub's refusal.
func (p *Participant) noteRequest(ctx context.Context, build func() (wire.Frame, error)) (any, error) {
	var answer chan wire.Frame
	var ref string
	var ferr error
	if err := p.do(ctx, func() {
		if ferr = p.connectedToHub(); ferr != nil {
			return
		}
		var f wire.Frame
		if f, ferr = build(); ferr != nil {
			return
		}
		p.nextRef++
		ref = "note:" + strconv.Itoa(p.nextRef)
		f.Ref = ref
		answer = make(chan wire.Frame, 1)
		p.notes.waiting[ref] = answer
		p.hubConn.Send(f)
	}); err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	timer := time.NewTimer(noteTimeout)
	defer timer.Stop()
	select {
	case f := <-answer:
		if f.Error != "" {
			return nil, errors.New(f.Error)
		}
		return map[string]uint64{"id": f.Note.ID}, nil
	case <-timer.C:
	case <-ctx.Done():
	}
	// Forget the ref, so that refs of answers that never come do not pile up.
	p.do(ctx, func() { delete(p.notes.waiting, ref) })
	return nil, errors.New("the hub did not answer: try again")
}

// noteFrame takes the hub's copy of a note that changed, or its answer to
// this participant's note frame. A note in a file this machine lacks
// brings the file, read-only, as a jump there would.
func (p *Participant) noteFrame(ctx context.Context, f wire.Frame) {
	if ch, ok := p.notes.waiting[f.Ref]; ok {
		delete(p.notes.waiting, f.Ref)
		ch <- f
	}
	if f.Note == nil {
		return
	}
	p.notes.byID[f.Note.ID] = *f.Note
	uri, _, ok := p.local(f.Note.To)
	if !ok {
		p.bringNoted(ctx, f.Note.To)
	}
	p.notesMoved(uri)
}

// notesMoved marks the notes at uri ("" for those not on this machine)
// for the next publish.
func (p *Participant) notesMoved(uri string) {
	if len(p.notes.dirty) == 0 {
		p.notes.timer.Reset(notesDelay)
	}
	p.notes.dirty[uri] = true
}

// bringNoted fetches the file of a note's place, once at a time per file;
// a file that cannot be fetched now comes with a later note or jump.
func (p *Participant) bringNoted(ctx context.Context, to json.RawMessage) {
	var loc location.Location
	if err := json.Unmarshal(to, &loc); err != nil || loc.Validate() != nil {
		return
	}
	loc.Range = location.Range{}
	key := loc.String()
	if p.notes.fetching[key] {
		return
	}
	p.notes.fetching[key] = true
	p.fetchThen(ctx, loc, func(_ string, err error) {
		delete(p.notes.fetching, key)
		if err != nil {
			p.log.Debug("file of a note not brought", "place", key, "err", err)
		}
	})
}

// forgetNotes takes the notes of a session this participant leaves off the
// editor's files.
func (p *Participant) forgetNotes() {
	clear(p.notes.byID)
	clear(p.notes.waiting)
	for uri := range p.notes.shown {
		p.notes.dirty[uri] = true
	}
	p.publishNotes()
}

// publishNotes gives the proxy the diagnostics of each URI whose notes
// changed, and plugins the whole list.
func (p *Participant) publishNotes() {
	p.notes.timer.Stop()
	if len(p.notes.dirty) == 0 || p.relay == nil {
		return
	}
	byURI := map[string][]json.RawMessage{}
	list := []noteEntry{}
	for _, id := range slices.Sorted(maps.Keys(p.notes.byID)) {
		n := p.notes.byID[id]
		e := noteEntry{Note: n}
		e.To = nil
		if uri, r, ok := p.local(n.To); ok {
			e.URI, e.Range = uri, &r
			if p.notes.dirty[uri] {
				byURI[uri] = append(byURI[uri], noteDiagnostic(n, r))
			}
		}
		list = append(list, e)
	}
	for uri := range p.notes.dirty {
		if uri == "" || (!p.notes.shown[uri] && byURI[uri] == nil) {
			continue
		}
		p.relay.SetExtraDiagnostics(uri, byURI[uri])
		p.notes.shown[uri] = byURI[uri] != nil
	}
	clear(p.notes.dirty)
	if err := p.relay.Notify(NotesMethod, map[string]any{"notes": list}); err != nil {
		p.log.Debug("notes not sent", "err", err)
	}
}

// noteEntry is a note in $/lspshare/notes: its place in this editor's
// files, absent when the file is not on this machine.
type noteEntry struct {
	wire.Note
	URI   string          `json:"uri,omitempty"`
	Range *protocol.Range `json:"range,omitempty"`
}

// noteDiagnostic shows a note as an LSP diagnostic at r.
func noteDiagnostic(n wire.Note, r protocol.Range) json.RawMessage {
	severity := severityHint
	if n.Question && !n.Resolved {
		severity = severityInformation
	}
	msg := n.By + ": " + n.Text
	var extra []string
	switch len(n.Replies) {
	case 0:
	case 1:
		extra = append(extra, "1 reply")
	default:
		extra = append(extra, strconv.Itoa(len(n.Replies))+" replies")
	}
	if n.Resolved {
		extra = append(extra, "resolved")
	}
	if len(extra) > 0 {
		msg += " (" + strings.Join(extra, ", ") + ")"
	}
	b, _ := json.Marshal(struct { // of strings and numbers: it cannot fail
		Range    protocol.Range    `json:"range"`
		Severity int               `json:"severity"`
		Source   string            `json:"source"`
		Message  string            `json:"message"`
		Data     map[string]uint64 `json:"data"`
	}{r, severity, "lspshare", msg, map[string]uint64{"note": n.ID}})
	return b
}
