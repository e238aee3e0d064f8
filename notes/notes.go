// Package notes turns a session's walk through the code into Markdown notes:
// every move of the wheel and every note and question, in time order, with
// the moves' symbols, where they went from and to, a short excerpt of the
// code, permalinks at the session's commit and the notes' replies, then a
// Mermaid flowchart of the packages and symbols walked through, its edges
// in the order taken. The same walk makes a CodeTour file (tour.go).
package notes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// ExcerptLines is how many lines of code an excerpt shows, from the line
// a move went to.
const ExcerptLines = 8

// Walk is a session's walk through the code.
type Walk struct {
	Session string
	Steps   []Step
	Notes   []Note // by ID, which is the order they were posted in
	// Repo is the session's checkout: the first mover's that has a
	// commit, else the first participant's.
	Repo Repo
	// Unreadable counts the moves left out because their location was
	// not a valid portable location.
	Unreadable int
}

// Step is one move of the navigator.
type Step struct {
	Seq    uint64
	Kind   string // wire.KindJump or wire.KindOpen
	By     string
	Symbol string             // "" when unknown
	From   *location.Location // nil when unknown
	To     location.Location
	At     time.Time
	Repo   Repo   // the mover's checkout
	Code   []byte // the file moved to, for the excerpt; nil if unknown
}

// FromSession makes a walk of a session's trail and notes, taking each
// mover's and poster's checkout from the participant records.
func FromSession(name string, trail []store.TrailEntry, posted []wire.Note, members []store.ParticipantRecord) Walk {
	repos := map[string]Repo{}
	w := Walk{Session: name}
	for _, m := range members {
		if m.Repo != nil {
			repos[m.Name] = Repo{Remote: m.Repo.Remote, Commit: m.Repo.Commit, Dirty: m.Repo.Dirty}
		}
	}
	for _, e := range trail {
		to, ok := parseLocation(e.To)
		if !ok {
			w.Unreadable++
			continue
		}
		s := Step{Seq: e.Seq, Kind: e.Kind, By: e.By, Symbol: e.Symbol, To: to, At: e.At, Repo: repos[e.By]}
		if from, ok := parseLocation(e.From); ok {
			s.From = &from
		}
		w.Steps = append(w.Steps, s)
	}
	w.Repo = sessionRepo(w.Steps, members)
	for _, n := range posted {
		w.Notes = append(w.Notes, fromWire(n, repos[n.By], w.Repo))
	}
	return w
}

// sessionRepo is the checkout of the first move that has a commit, else of
// the first participant that has one.
func sessionRepo(steps []Step, members []store.ParticipantRecord) Repo {
	for _, s := range steps {
		if s.Repo.Commit != "" {
			return s.Repo
		}
	}
	for _, m := range members {
		if m.Repo != nil && m.Repo.Commit != "" {
			return Repo{Remote: m.Repo.Remote, Commit: m.Repo.Commit, Dirty: m.Repo.Dirty}
		}
	}
	return Repo{}
}

func parseLocation(raw json.RawMessage) (location.Location, bool) {
	var l location.Location
	if len(raw) == 0 || json.Unmarshal(raw, &l) != nil || l.Validate() != nil {
		return location.Location{}, false
	}
	return l, true
}

// Source returns the content of the file at l (its range ignored).
type Source func(ctx context.Context, l location.Location) ([]byte, error)

// AddCode fills in each move's and note's Code from src, asking once per
// file. Files src cannot give (it fails, or ctx ends) get no excerpt.
func (w *Walk) AddCode(ctx context.Context, src Source) {
	type file struct {
		space  location.Space
		module string
		path   string
	}
	texts := map[file][]byte{}
	tried := map[file]bool{}
	code := func(l location.Location) []byte {
		f := file{l.Space, l.Module, l.Path}
		if !tried[f] && ctx.Err() == nil {
			tried[f] = true
			if text, err := src(ctx, l); err == nil {
				texts[f] = text
			}
		}
		return texts[f]
	}
	for i := range w.Steps {
		w.Steps[i].Code = code(w.Steps[i].To)
	}
	for i := range w.Notes {
		if to := w.Notes[i].To; to != nil {
			w.Notes[i].Code = code(*to)
		}
	}
}

// inOrder calls step for each move and note for each note, in time order;
// a move comes before a note of the same time.
func (w Walk) inOrder(step func(n int, s Step), note func(n Note)) {
	i, j := 0, 0
	for i < len(w.Steps) || j < len(w.Notes) {
		if j == len(w.Notes) || i < len(w.Steps) && !w.Notes[j].At.Before(w.Steps[i].At) {
			step(i+1, w.Steps[i])
			i++
		} else {
			note(w.Notes[j])
			j++
		}
	}
}

// Write writes the walk as Markdown.
func Write(out io.Writer, w Walk) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Notes of session %s\n\n", escapeText(w.Session))
	writeSummary(&b, w)
	if len(w.Steps) > 0 || len(w.Notes) > 0 {
		b.WriteString("## The walk\n")
		w.inOrder(func(n int, s Step) { writeStep(&b, n, s) }, func(n Note) {
			b.WriteString("\n")
			writeNote(&b, "###", n)
		})
	}
	if len(w.Steps) > 0 {
		b.WriteString("\n## Map of the walk\n\n")
		if len(w.Steps) > maxMapped {
			fmt.Fprintf(&b, "The first %d moves.\n\n", maxMapped)
		}
		b.WriteString("```mermaid\n")
		b.WriteString(Flowchart(w.Steps))
		b.WriteString("```\n")
	}
	_, err := out.Write(b.Bytes())
	return err
}

func writeSummary(b *bytes.Buffer, w Walk) {
	if len(w.Steps) == 0 {
		b.WriteString("No moves yet.\n")
		if w.Unreadable > 0 {
			b.WriteString("\n" + unreadable(w.Unreadable))
		}
		if len(w.Notes) > 0 {
			b.WriteString("\n" + noteCount(w.Notes) + ".\n\n")
		}
		return
	}
	var movers []string
	var repos []Repo
	for _, s := range w.Steps {
		if !slices.Contains(movers, s.By) {
			movers = append(movers, s.By)
		}
		if s.Repo.Commit != "" && !slices.Contains(repos, s.Repo) {
			repos = append(repos, s.Repo)
		}
	}
	first, last := w.Steps[0].At.UTC(), w.Steps[len(w.Steps)-1].At.UTC()
	fmt.Fprintf(b, "%s by %s, %s to %s UTC.\n", plural(len(w.Steps), "move"), list(movers), first.Format("2006-01-02 15:04"), last.Format(laterFormat(first, last)))
	if len(w.Notes) > 0 {
		b.WriteString("\n" + noteCount(w.Notes) + ".\n")
	}
	for _, r := range repos {
		b.WriteString("\nCode at commit ")
		commit := code(shortCommit(r.Commit))
		if h, ok := parseRemote(r.Remote); ok && commitID.MatchString(r.Commit) {
			fmt.Fprintf(b, "[%s](<%s>) of <%s>", commit, h.commitURL(r.Commit), h.web)
		} else {
			b.WriteString(commit)
		}
		if r.Dirty {
			b.WriteString(", with uncommitted changes: lines may differ")
		}
		b.WriteString(".\n")
	}
	if w.Unreadable > 0 {
		b.WriteString("\n" + unreadable(w.Unreadable))
	}
	b.WriteString("\n")
}

func unreadable(n int) string {
	if n == 1 {
		return "1 move left out: its location could not be read.\n"
	}
	return fmt.Sprintf("%d moves left out: their locations could not be read.\n", n)
}

// laterFormat formats the end of a time span, leaving out the date when
// it is the start's.
func laterFormat(first, last time.Time) string {
	if first.Format(time.DateOnly) == last.Format(time.DateOnly) {
		return "15:04"
	}
	return "2006-01-02 15:04"
}

func writeStep(b *bytes.Buffer, n int, s Step) {
	fmt.Fprintf(b, "\n### %d. %s\n\n%s\n", n, stepTitle(s), byline(s))
	writeExcerpt(b, s.Code, s.To)
}

// stepTitle names a move by its symbol, or else its file.
func stepTitle(s Step) string {
	if s.Symbol == "" {
		return code(path.Base(s.To.Path))
	}
	return code(s.Symbol)
}

// byline says who made a move, when, and from where to where.
func byline(s Step) string {
	who := fmt.Sprintf("%s, %s · ", escapeText(s.By), s.At.UTC().Format("15:04:05"))
	switch {
	case s.Kind == wire.KindOpen:
		return who + "opened " + place(s.Repo, s.To)
	case s.From != nil:
		return who + fmt.Sprintf("jump from %s to %s", place(s.Repo, *s.From), place(s.Repo, s.To))
	default:
		return who + "jump to " + place(s.Repo, s.To)
	}
}

// writeExcerpt writes the first lines of text from l as a fenced code
// block, after a blank line; nothing if there are none.
func writeExcerpt(b *bytes.Buffer, text []byte, l location.Location) {
	ex := excerpt(text, l.Range.Start.Line)
	if ex == "" {
		return
	}
	fence := strings.Repeat("`", max(3, longestRun(ex, '`')+1))
	lang := ""
	if strings.HasSuffix(l.Path, ".go") {
		lang = "go"
	}
	fmt.Fprintf(b, "\n%s%s\n%s%s\n", fence, lang, ex, fence)
}

// place formats a location as code, linked when it has a permalink.
func place(r Repo, l location.Location) string {
	s := code(displayPath(l) + fmt.Sprintf(":%d", l.Range.Start.Line+1))
	if link := Permalink(r, l); link != "" {
		return fmt.Sprintf("[%s](<%s>)", s, link)
	}
	return s
}

// displayPath names a location's file for people.
func displayPath(l location.Location) string {
	switch l.Space {
	case location.Module:
		return l.Module + "/" + l.Path
	case location.GOROOT:
		return "GOROOT/" + l.Path
	}
	return l.Path
}

// excerpt returns up to ExcerptLines lines of text from line (zero-based),
// without trailing blank lines, each ending in a newline; "" if there are
// none.
func excerpt(text []byte, line uint32) string {
	if text == nil {
		return ""
	}
	lines := strings.Split(strings.ToValidUTF8(string(text), "\uFFFD"), "\n")
	if int64(line) >= int64(len(lines)) {
		return ""
	}
	lines = lines[line:min(len(lines), int(line)+ExcerptLines)]
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(l, " \t\r"))
		b.WriteByte('\n')
	}
	return b.String()
}

// code formats s as a Markdown code span, whatever backticks it holds.
func code(s string) string {
	s = oneLine(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// escapeText escapes s for Markdown text: every ASCII punctuation mark is
// backslash-escaped, so that names cannot make links, HTML or emphasis.
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if r < utf8.RuneSelf && unicode.IsPunct(r) || r < utf8.RuneSelf && unicode.IsSymbol(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// oneLine replaces control characters (newlines among them) with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// list joins escaped names as "a", "a and b", "a, b and c".
func list(names []string) string {
	esc := make([]string, len(names))
	for i, n := range names {
		esc[i] = escapeText(n)
	}
	if len(esc) <= 1 {
		return strings.Join(esc, "")
	}
	return strings.Join(esc[:len(esc)-1], ", ") + " and " + esc[len(esc)-1]
}
