package notes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/codetour"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// files is the code the walk goes through, as the navigator's proxy
// would serve it.
var files = map[string]string{
	"main.go": "package main\n\nimport \"example.com/demo/greet\"\n\nfunc main() {\n\tgreet.Hello(\"world\")\n}\n",
	"greet/greet.go": "// Package greet greets.\npackage greet\n\nimport \"fmt\"\n\n// Hello prints a greeting.\nfunc Hello(name string) {\n\tfmt.Println(message(name))\n}\n\n" +
		"func message(name string) string {\n\treturn \"Hello, \" + name + `!` // a raw string: ``` inside\n}\n",
	"GOROOT/src/fmt/print.go": "package fmt\n\n// Println formats using the default formats.\nfunc Println(a ...any) (n int, err error) {\n\treturn Fprintln(os.Stdout, a...)\n}\n",
}

func loc(space location.Space, module, p string, line uint32) location.Location {
	return location.Location{Space: space, Module: module, Path: p, Range: location.Range{
		Start: location.Position{Line: line, Character: 1}, End: location.Position{Line: line, Character: 6}}}
}

func raw(l location.Location) json.RawMessage {
	b, _ := json.Marshal(l)
	return b
}

// trail is a walk by bob (and one move by ann, who took the wheel) from
// main into greet, through a module and into the standard library.
func trail() []store.TrailEntry {
	at := time.Date(2026, 11, 29, 13, 40, 0, 0, time.UTC)
	ws := func(p string, line uint32) json.RawMessage { return raw(loc(location.Workspace, "", p, line)) }
	return []store.TrailEntry{
		{Seq: 1, By: "bob", Kind: wire.KindOpen, To: ws("main.go", 4), At: at},
		{Seq: 2, By: "bob", Kind: wire.KindJump, From: ws("main.go", 5), To: ws("greet/greet.go", 6), Symbol: "greet.Hello", At: at.Add(20 * time.Second)},
		{Seq: 3, By: "bob", Kind: wire.KindJump, From: ws("greet/greet.go", 7), To: ws("greet/greet.go", 10), Symbol: "message", At: at.Add(45 * time.Second)},
		{Seq: 4, By: "bob", Kind: wire.KindJump, From: ws("greet/greet.go", 7), To: raw(loc(location.GOROOT, "", "src/fmt/print.go", 3)), Symbol: "fmt.Println", At: at.Add(time.Minute)},
		{Seq: 5, By: "bob", Kind: wire.KindJump, To: json.RawMessage(`{"space":"workspace","path":"../etc/passwd"}`), At: at.Add(70 * time.Second)},
		{Seq: 6, By: "ann <img src=x>", Kind: wire.KindJump, From: ws("main.go", 5), To: raw(loc(location.Module, "golang.org/x/text@v0.21.0", "unicode/norm/normalize.go", 99)), Symbol: "norm.Form.String", At: at.Add(2 * time.Minute)},
		{Seq: 7, By: "ann <img src=x>", Kind: wire.KindJump, To: raw(loc(location.Module, "github.com/google/go-cmp@v0.6.0", "cmp/compare.go", 9)), Symbol: "cmp.Equal", At: at.Add(3 * time.Minute)},
		{Seq: 8, By: "bob", Kind: wire.KindJump, From: ws("greet/greet.go", 10), To: ws("greet/greet.go", 6), Symbol: "greet.Hello", At: at.Add(4 * time.Minute)},
	}
}

// posted are the notes and questions of the walk: a resolved question with
// replies at a move's line, a note at a line no move went to, an open
// question at a move into GOROOT, a note in GOROOT where nobody jumped by
// carol, who has no checkout, and one whose place cannot be read. The
// texts try to make HTML, links and CodeTour commands.
func posted() []wire.Note {
	at := time.Date(2026, 11, 29, 13, 40, 0, 0, time.UTC)
	ws := func(p string, line uint32) json.RawMessage { return raw(loc(location.Workspace, "", p, line)) }
	return []wire.Note{
		{ID: 1, By: "ann <img src=x>", At: at.Add(30 * time.Second), To: ws("greet/greet.go", 6), Question: true, Resolved: true,
			Text: "Why does Hello print\n  and not return? <script>alert(1)</script> [run](command:workbench.action.terminal.new)",
			Replies: []wire.Reply{
				{By: "bob", At: at.Add(40 * time.Second), Text: "It is a demo.\n>> rm -rf ~"},
				{By: "ann <img src=x>", At: at.Add(42 * time.Second), Text: "Thanks!"},
			}},
		{ID: 2, By: "bob", At: at.Add(50 * time.Second), To: ws("greet/greet.go", 11), Text: "The raw string holds ``` on purpose."},
		{ID: 3, By: "ann <img src=x>", At: at.Add(90 * time.Second), To: raw(loc(location.GOROOT, "", "src/fmt/print.go", 3)), Question: true,
			Text: "Where does Fprintln write?"},
		{ID: 4, By: "carol", At: at.Add(210 * time.Second), To: raw(loc(location.GOROOT, "", "src/fmt/print.go", 0)), Text: "# fmt is big\n1. read print.go"},
		{ID: 5, By: "bob", At: at.Add(5 * time.Minute), To: json.RawMessage(`{"space":"workspace","path":"/etc/passwd"}`), Question: true, Text: "Lost its place"},
	}
}

// source serves files, keyed by "GOROOT/" for the standard library.
func source(_ context.Context, l location.Location) ([]byte, error) {
	if text, ok := files[displayPath(l)]; ok {
		return []byte(text), nil
	}
	return nil, errors.New("not served")
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remote string
		commit string
		dirty  bool
	}{
		{"github", "git@github.com:lspshare/demo.git", "3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345", false},
		{"gitlab", "https://gitlab.com/lspshare/tools/demo.git", "9c1b2c3d4e5f60718293a4b5c6d7e8f901234567", true},
		{"unknown", "https://git.example.org/demo.git", "3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := &wire.Repo{Remote: tc.remote, Commit: tc.commit, Dirty: tc.dirty}
			members := []store.ParticipantRecord{{Name: "bob", Repo: repo}, {Name: "ann <img src=x>", Repo: repo}}
			w := FromSession("demo", trail(), posted(), members)
			w.AddCode(context.Background(), source)
			var out bytes.Buffer
			if err := Write(&out, w); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", tc.name+".golden"), out.Bytes())
			checkMarkdown(t, out.String())
			out.Reset()
			if err := WriteTour(&out, w); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", tc.name+".tour"), out.Bytes())
			if err := codetour.Check(out.Bytes()); err != nil {
				t.Errorf("not a CodeTour file: %v", err)
			}
		})
	}
}

func TestEmptyWalk(t *testing.T) {
	var out bytes.Buffer
	w := FromSession("quiet", nil, nil, nil)
	if err := Write(&out, w); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "empty.golden"), out.Bytes())
	out.Reset()
	if err := WriteTour(&out, w); err != nil {
		t.Fatal(err)
	}
	if err := codetour.Check(out.Bytes()); err != nil || !strings.Contains(out.String(), `"steps": []`) {
		t.Errorf("a tour of no moves: %v\n%s", err, out.Bytes())
	}
}

// Notes before anyone moves: the notes say so, and list them; the tour
// has a step for each place, where later notes join it.
func TestNotesWithoutMoves(t *testing.T) {
	w := FromSession("early", nil, posted()[:4], []store.ParticipantRecord{{Name: "bob", Repo: &wire.Repo{Remote: "git@github.com:lspshare/demo.git", Commit: "3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345"}}})
	w.Notes[1].To = w.Notes[0].To // a note at the first question's line
	w.AddCode(context.Background(), source)
	var out bytes.Buffer
	if err := Write(&out, w); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "notesonly.golden"), out.Bytes())
	out.Reset()
	if err := WriteTour(&out, w); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "notesonly.tour"), out.Bytes())
	if err := codetour.Check(out.Bytes()); err != nil {
		t.Errorf("not a CodeTour file: %v", err)
	}
}

func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if the change is right):\n%s", file, got)
	}
}

// mermaidBlock finds the Mermaid block of a Markdown document.
var mermaidBlock = regexp.MustCompile("(?s)\n```mermaid\n(.*?)```\n")

// checkMarkdown checks what the golden files cannot: the Mermaid block is a
// well-formed flowchart, and the participant's name made no HTML.
func checkMarkdown(t *testing.T, md string) {
	t.Helper()
	m := mermaidBlock.FindStringSubmatch(md)
	if m == nil {
		t.Fatal("no mermaid block")
	}
	if err := checkFlowchart(m[1]); err != nil {
		t.Errorf("mermaid: %v\n%s", err, m[1])
	}
	for _, tag := range []string{"<img", "<script"} {
		if strings.Contains(strings.ReplaceAll(md, `\`+tag, ""), tag) {
			t.Errorf("a participant's name or note made HTML (%s)", tag)
		}
	}
	if strings.Contains(md, "](command:") || strings.Contains(md, "\n>>") {
		t.Error("a note made a command link")
	}
}

func TestPermalink(t *testing.T) {
	const commit = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345"
	ws := loc(location.Workspace, "", "dir/a b.go", 9)
	for _, tc := range []struct {
		remote string
		l      location.Location
		want   string
	}{
		{"git@github.com:o/r.git", ws, "https://github.com/o/r/blob/" + commit + "/dir/a%20b.go#L10"},
		{"https://github.com/o/r", ws, "https://github.com/o/r/blob/" + commit + "/dir/a%20b.go#L10"},
		{"https://user:secret@github.com/o/r.git", ws, "https://github.com/o/r/blob/" + commit + "/dir/a%20b.go#L10"},
		{"ssh://git@github.com:22/o/r.git", ws, "https://github.com/o/r/blob/" + commit + "/dir/a%20b.go#L10"},
		{"git://github.com/o/r.git/", ws, "https://github.com/o/r/blob/" + commit + "/dir/a%20b.go#L10"},
		{"github.com:o/r.git", ws, "https://github.com/o/r/blob/" + commit + "/dir/a%20b.go#L10"},
		{"git@gitlab.com:g/sub/r.git", ws, "https://gitlab.com/g/sub/r/-/blob/" + commit + "/dir/a%20b.go#L10"},
		{"https://gitlab.example.com/g/r.git", ws, "https://gitlab.example.com/g/r/-/blob/" + commit + "/dir/a%20b.go#L10"},
		{"https://git.example.org/r.git", ws, ""},
		{"/srv/git/r.git", ws, ""},
		{"file:///srv/git/r.git", ws, ""},
		{"git@github.com:o/r/extra.git", ws, ""},
		{"git@github.com:o/../r.git", ws, ""},
		{"", ws, ""},
		{"git@github.com:o/r.git", location.Location{Space: location.Workspace, Path: "a.go", Range: location.Range{
			Start: location.Position{Line: 2}, End: location.Position{Line: 5, Character: 1}}},
			"https://github.com/o/r/blob/" + commit + "/a.go#L3-L6"},
		{"git@gitlab.com:g/r.git", location.Location{Space: location.Workspace, Path: "a.go", Range: location.Range{
			Start: location.Position{Line: 2}, End: location.Position{Line: 5}}},
			"https://gitlab.com/g/r/-/blob/" + commit + "/a.go#L3-5"},
		{"", loc(location.Module, "github.com/google/go-cmp@v0.6.0", "cmp/compare.go", 9), "https://github.com/google/go-cmp/blob/v0.6.0/cmp/compare.go#L10"},
		{"", loc(location.Module, "github.com/o/r@v0.0.0-20240101000000-abcdefabcdef", "x.go", 0), "https://github.com/o/r/blob/abcdefabcdef/x.go#L1"},
		{"", loc(location.Module, "github.com/o/r@v2.0.0+incompatible", "x.go", 0), "https://github.com/o/r/blob/v2.0.0/x.go#L1"},
		{"", loc(location.Module, "github.com/o/r/v3@v3.1.0", "x/y.go", 0), "https://pkg.go.dev/github.com/o/r/v3@v3.1.0/x"},
		{"", loc(location.Module, "golang.org/x/text@v0.21.0", "unicode/norm/normalize.go", 99), "https://go.googlesource.com/text/+/refs/tags/v0.21.0/unicode/norm/normalize.go#100"},
		{"", loc(location.Module, "golang.org/x/text@v0.0.0-20240101000000-abcdefabcdef", "unicode/norm/normalize.go", 0), "https://pkg.go.dev/golang.org/x/text@v0.0.0-20240101000000-abcdefabcdef/unicode/norm"},
		{"", loc(location.Module, "example.com/m@v1.0.0", "m.go", 0), "https://pkg.go.dev/example.com/m@v1.0.0"},
		{"", loc(location.GOROOT, "", "src/net/http/server.go", 0), "https://pkg.go.dev/net/http"},
		{"", loc(location.GOROOT, "", "misc/x.go", 0), ""},
	} {
		got := Permalink(Repo{Remote: tc.remote, Commit: commit}, tc.l)
		if got != tc.want {
			t.Errorf("Permalink(%q, %s) = %q, want %q", tc.remote, tc.l, got, tc.want)
		}
	}
	if got := Permalink(Repo{Remote: "git@github.com:o/r.git", Commit: "main"}, ws); got != "" {
		t.Errorf("a branch name is no commit: %q", got)
	}
}

func TestExcerpt(t *testing.T) {
	text := []byte("a\nb  \n\n\nc\n")
	for _, tc := range []struct {
		line uint32
		want string
	}{
		{0, "a\nb\n\n\nc\n"},
		{1, "b\n\n\nc\n"},
		{2, "\n\nc\n"},
		{5, ""},
		{99, ""},
	} {
		if got := excerpt(text, tc.line); got != tc.want {
			t.Errorf("excerpt(line %d) = %q, want %q", tc.line, got, tc.want)
		}
	}
	if got := excerpt(nil, 0); got != "" {
		t.Errorf("no text: %q", got)
	}
}

func TestCodeSpan(t *testing.T) {
	for in, want := range map[string]string{
		"a":      "`a`",
		"a`b":    "``a`b``",
		"`a":     "`` `a ``",
		"a\nb":   "`a b`",
		"x``y`":  "``` x``y` ```",
		"(*T).M": "`(*T).M`",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
}

// unescaped finds markup a Markdown renderer would act on: a punctuation
// mark not preceded by a backslash.
var unescaped = regexp.MustCompile("(^|[^\\\\])[<>\\[\\]`*_&]")

// FuzzNotes feeds arbitrary trails and notes through the notes and the
// tour: they never panic, the flowchart always checks, the tour is a
// CodeTour file, and names and note texts never make markup.
func FuzzNotes(f *testing.F) {
	f.Add("bob", "greet.Hello", `{"space":"workspace","path":"a/b.go","range":{"start":{"line":3,"character":0},"end":{"line":3,"character":0}}}`, "git@github.com:o/r.git", "3f2a1b2", "package a\n", "why?")
	f.Add("<b>\"#&`", "a\"]-->|x| b", `{"space":"module","module":"golang.org/x/text@v0.21.0","path":"x.go"}`, "https://gitlab.com/g/r", "zz", "```\n", ">> rm -rf ~\n[x](command:y)")
	f.Add("", "", `{"space":"goroot","path":"src/fmt/print.go","range":{"start":{"line":4000000000}}}`, "", "", "", "\r\n    code\n")
	f.Fuzz(func(t *testing.T, by, symbol, to, remote, commit, text, note string) {
		trail := []store.TrailEntry{
			{Seq: 1, By: by, Kind: wire.KindJump, To: json.RawMessage(to), From: json.RawMessage(to), Symbol: symbol},
			{Seq: 2, By: by + "2", Kind: wire.KindOpen, To: json.RawMessage(to), Symbol: symbol + "x"},
		}
		posted := []wire.Note{
			{ID: 1, By: by, To: json.RawMessage(to), Text: note, Question: true, Replies: []wire.Reply{{By: by, Text: note}}},
			{ID: 2, By: by, To: json.RawMessage(`{"space":"workspace","path":"elsewhere.go"}`), Text: note},
		}
		w := FromSession("s", trail, posted, []store.ParticipantRecord{{Name: by, Repo: &wire.Repo{Remote: remote, Commit: commit}}})
		w.AddCode(context.Background(), func(context.Context, location.Location) ([]byte, error) { return []byte(text), nil })
		var out bytes.Buffer
		if err := Write(&out, w); err != nil {
			t.Fatal(err)
		}
		if err := checkFlowchart(Flowchart(w.Steps)); err != nil {
			t.Fatalf("flowchart: %v\n%s", err, Flowchart(w.Steps))
		}
		out.Reset()
		if err := WriteTour(&out, w); err != nil {
			t.Fatal(err)
		}
		if err := codetour.Check(out.Bytes()); err != nil {
			t.Fatalf("tour: %v\n%s", err, out.Bytes())
		}
		for _, s := range w.Steps {
			if esc := escapeText(s.By); unescaped.MatchString(esc) {
				t.Fatalf("name %q escaped as %q", s.By, esc)
			}
		}
		for _, line := range textLines(note) {
			if unescaped.MatchString(line) || strings.HasPrefix(line, ">") || strings.Contains(line, "(command:") {
				t.Fatalf("note %q escaped as %q", note, line)
			}
		}
	})
}

func ExampleFlowchart() {
	ws := func(p string, line uint32) location.Location { return loc(location.Workspace, "", p, line) }
	from := ws("main.go", 5)
	fmt.Print(Flowchart([]Step{
		{Kind: wire.KindJump, From: &from, To: ws("greet/greet.go", 6), Symbol: "greet.Hello"},
		{Kind: wire.KindJump, To: loc(location.GOROOT, "", "src/fmt/print.go", 3), Symbol: "fmt.Println"},
	}))
	// Output:
	// flowchart LR
	//   subgraph p1["(workspace root)"]
	//     n1["main.go:6"]
	//   end
	//   subgraph p2["greet"]
	//     n2["greet.Hello"]
	//   end
	//   subgraph p3["fmt"]
	//     n3["fmt.Println"]
	//   end
	//   n1 -->|1| n2
	//   n2 -->|2| n3
}
