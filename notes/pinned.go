package notes

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// Note is a note or question a participant pinned to a place.
type Note struct {
	ID       uint64
	By       string
	At       time.Time
	To       *location.Location // nil when its place could not be read
	Text     string
	Question bool
	Resolved bool
	Replies  []wire.Reply
	Repo     Repo   // the poster's checkout, for the permalink
	Code     []byte // the file it is pinned in, for an excerpt; nil if unknown
}

// fromWire reads a note the hub kept. Its permalink is at the poster's
// commit, or the session's when the poster has none (a participant
// without a checkout).
func fromWire(n wire.Note, poster, session Repo) Note {
	if poster.Commit == "" {
		poster = session
	}
	out := Note{ID: n.ID, By: n.By, At: n.At, Text: n.Text, Question: n.Question, Resolved: n.Resolved, Replies: n.Replies, Repo: poster}
	if to, ok := parseLocation(n.To); ok {
		out.To = &to
	}
	return out
}

// noteTitle names a note: "Note 3", "Question 4 · open".
func noteTitle(n Note) string {
	switch {
	case !n.Question:
		return fmt.Sprintf("Note %d", n.ID)
	case n.Resolved:
		return fmt.Sprintf("Question %d · resolved", n.ID)
	}
	return fmt.Sprintf("Question %d · open", n.ID)
}

// writeNote writes a note under a heading of the given level ("###"): who
// posted it, when and where, its text as a quote, and its replies.
func writeNote(b *bytes.Buffer, heading string, n Note) {
	fmt.Fprintf(b, "%s %s\n\n%s, %s", heading, noteTitle(n), escapeText(n.By), n.At.UTC().Format("15:04:05"))
	if n.To != nil {
		b.WriteString(" · at " + place(n.Repo, *n.To))
	}
	b.WriteString("\n\n")
	for i, line := range textLines(n.Text) {
		if i > 0 {
			b.WriteString("\\\n")
		}
		b.WriteString(strings.TrimRight("> "+line, " "))
	}
	b.WriteString("\n")
	if len(n.Replies) > 0 {
		b.WriteString("\n")
	}
	for _, r := range n.Replies {
		fmt.Fprintf(b, "- %s, %s: %s\n", escapeText(r.By), r.At.UTC().Format("15:04:05"), strings.Join(textLines(r.Text), "\\\n  "))
	}
}

// textLines escapes a participant's text for Markdown, line by line, so
// that it shows as the text it is: no link, HTML or heading can come of
// it, and no CodeTour command link either (CodeTour rewrites ">> script"
// lines and "(command:…" before rendering). Leading blanks are dropped,
// as four of them would make a code block that shows the escapes.
func textLines(text string) []string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = escapeText(strings.TrimLeft(l, " \t"))
	}
	return lines
}

// noteCount says how many notes and questions there are, and how many
// questions are open: "2 notes, 3 questions (1 open)", "1 question (all
// resolved)".
func noteCount(list []Note) string {
	var notes, questions, open int
	for _, n := range list {
		switch {
		case !n.Question:
			notes++
		case n.Resolved:
			questions++
		default:
			questions++
			open++
		}
	}
	var parts []string
	if notes > 0 {
		parts = append(parts, plural(notes, "note"))
	}
	switch {
	case questions > 0 && open == 0:
		parts = append(parts, plural(questions, "question")+" (all resolved)")
	case questions > 0:
		parts = append(parts, fmt.Sprintf("%s (%d open)", plural(questions, "question"), open))
	}
	return strings.Join(parts, ", ")
}
