package notes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/lspshare/lspshare/location"
)

// Tour is a CodeTour file (the VS Code extension microsoft/codetour; the
// fields are those of its schema.json that a walk fills in).
type Tour struct {
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Ref         string     `json:"ref,omitempty"` // the commit CodeTour shows the files at
	Steps       []TourStep `json:"steps"`
}

// TourStep is one stop of a tour. A step in the repository has its File
// (relative to the repository's top level) and 1-based Line; a step
// elsewhere (the module cache, GOROOT), which the receiver's files do not
// hold at any path CodeTour could know, has neither: CodeTour shows its
// description alone, which then holds the permalink and an excerpt.
type TourStep struct {
	File        string `json:"file,omitempty"`
	Line        uint32 `json:"line,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description"`
}

// stop is a tour step in the making: a move, or a place notes were pinned
// to with no move there before them, and the notes at it.
type stop struct {
	move  *Step
	place *location.Location // nil for notes whose place could not be read
	code  []byte
	notes []Note
}

// lineOf identifies a line of a file: notes at it join the move there.
type lineOf struct {
	space        location.Space
	module, path string
	line         uint32
}

func lineKey(l location.Location) lineOf {
	return lineOf{l.Space, l.Module, l.Path, l.Range.Start.Line}
}

// MakeTour makes a CodeTour of the walk: a step for each move, in order,
// holding the notes posted later at the same line; a note at a line no
// move went to before it makes a step of its own, at its time.
func MakeTour(w Walk) Tour {
	var stops []*stop
	at := map[lineOf]*stop{}
	w.inOrder(func(_ int, s Step) {
		st := &stop{move: &s, place: &s.To, code: s.Code}
		stops = append(stops, st)
		at[lineKey(s.To)] = st
	}, func(n Note) {
		if n.To != nil {
			if st := at[lineKey(*n.To)]; st != nil {
				st.notes = append(st.notes, n)
				return
			}
		}
		st := &stop{place: n.To, code: n.Code, notes: []Note{n}}
		stops = append(stops, st)
		if n.To != nil {
			at[lineKey(*n.To)] = st
		}
	})
	t := Tour{Title: "lspshare session " + w.Session, Description: tourSummary(w), Steps: []TourStep{}}
	if commitID.MatchString(w.Repo.Commit) {
		t.Ref = w.Repo.Commit
	}
	for _, st := range stops {
		t.Steps = append(t.Steps, st.tourStep(w.Repo))
	}
	return t
}

// tourStep writes a stop's description: its title, the move's byline, an
// excerpt where CodeTour cannot open the file, then the notes.
func (st *stop) tourStep(session Repo) TourStep {
	var ts TourStep
	var b bytes.Buffer
	inRepo := st.place != nil && st.place.Space == location.Workspace
	if inRepo {
		ts.File, ts.Line = st.place.Path, st.place.Range.Start.Line+1
	}
	switch {
	case st.move != nil:
		ts.Title = plainTitle(st.move.Symbol)
		if st.move.Symbol == "" {
			ts.Title = plainTitle(path.Base(st.move.To.Path))
		}
		fmt.Fprintf(&b, "### %s\n\n%s\n", stepTitle(*st.move), byline(*st.move))
	case st.place != nil:
		ts.Title = plainTitle(noteTitle(st.notes[0]))
		fmt.Fprintf(&b, "### %s\n", place(session, *st.place))
	default:
		ts.Title = plainTitle(noteTitle(st.notes[0]))
		b.WriteString("### A place that could not be read\n")
	}
	if !inRepo && st.place != nil {
		writeExcerpt(&b, st.code, *st.place)
	}
	for _, n := range st.notes {
		b.WriteString("\n")
		writeNote(&b, "####", n)
	}
	ts.Description = strings.TrimSuffix(b.String(), "\n")
	return ts
}

// tourSummary is the tour's description, plain text, as CodeTour shows it
// in a tooltip: when, how many moves and notes, which commit. It names no
// participant, whose names would need Markdown escapes there.
func tourSummary(w Walk) string {
	var b strings.Builder
	b.WriteString("The walk of lspshare session " + w.Session)
	if first, last, ok := w.span(); ok {
		fmt.Fprintf(&b, ", %s to %s UTC", first.Format("2006-01-02 15:04"), last.Format(laterFormat(first, last)))
	}
	b.WriteString(": " + plural(len(w.Steps), "move"))
	if len(w.Notes) > 0 {
		b.WriteString(", " + noteCount(w.Notes))
	}
	b.WriteString(".")
	if w.Repo.Commit != "" {
		b.WriteString(" Code at commit " + shortCommit(oneLine(w.Repo.Commit)))
		if w.Repo.Dirty {
			b.WriteString(", with uncommitted changes: lines may differ")
		}
		b.WriteString(".")
	}
	return b.String()
}

// span is the time of the walk's first and last move or note.
func (w Walk) span() (first, last time.Time, ok bool) {
	var times []time.Time
	w.inOrder(func(_ int, s Step) { times = append(times, s.At) }, func(n Note) { times = append(times, n.At) })
	if len(times) == 0 {
		return time.Time{}, time.Time{}, false
	}
	return times[0].UTC(), times[len(times)-1].UTC(), true
}

// plainTitle makes a step's title of a symbol or note name. CodeTour puts
// titles unescaped inside the links of its trusted Markdown ("[Next
// (TITLE)](command:…)"), so brackets and angle brackets, which could close
// the link and open another, become parentheses.
func plainTitle(s string) string {
	return strings.NewReplacer("[", "(", "]", ")", "<", "(", ">", ")").Replace(oneLine(s))
}

// WriteTour writes the walk as a CodeTour file (JSON).
func WriteTour(out io.Writer, w Walk) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(MakeTour(w)); err != nil {
		return fmt.Errorf("encode the tour: %w", err)
	}
	_, err := out.Write(b.Bytes())
	return err
}
