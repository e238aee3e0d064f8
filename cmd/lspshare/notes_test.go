package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/codetour"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/notes"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/viewer"
	"github.com/lspshare/lspshare/wire"
)

func TestSessionsCommand(t *testing.T) {
	data := t.TempDir()
	db, err := store.OpenBoltStore(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"main", "old"} {
		if err := db.CreateSession(store.SessionRecord{Name: name, Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendTrail("old", store.TrailEntry{Seq: 1, Kind: wire.KindJump, To: []byte(`{}`), At: time.Now()}, nil)
	if err := saveFirstLinks(data, wire.MakeLinks("http://h", "old", "d", "a")); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runSessions(context.Background(), args, &out, &out)
		return out.String(), err
	}
	if _, err := run("--data", data); err == nil || !strings.Contains(err.Error(), "stop the hub first") {
		t.Fatalf("list while the store is open: %v", err)
	}
	db.Close()
	out, err := run("--data", data, "list")
	if err != nil || !strings.Contains(out, "SESSION") || !strings.Contains(out, "main ") || !strings.Contains(out, "old ") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := run("delete", "old", "--data", data); err != nil || out != "deleted session old\n" {
		t.Fatalf("delete: %v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, firstLinksFile)); !os.IsNotExist(err) {
		t.Errorf("the deleted session's links are still kept: %v", err)
	}
	if _, err := run("--data", data, "delete", "old"); err == nil {
		t.Error("deleting a missing session succeeded")
	}
	if out, _ := run("--data", data); strings.Contains(out, "old") {
		t.Errorf("deleted session still listed:\n%s", out)
	}
	if _, err := run("--data", data, "frobnicate"); err == nil {
		t.Error("unknown verb accepted")
	}
}

func TestNotesCommand(t *testing.T) {
	base, links := serveSession(t, nil, "team")

	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runNotes(context.Background(), args, &out, &errOut)
		return out.String(), err
	}
	if out, err := run(links.Attend); err != nil || !strings.HasPrefix(out, "# Notes of session team\n") {
		t.Fatalf("notes by link: %v\n%s", err, out)
	}
	_, _, key, _ := wire.ParseLink(links.Drive)
	file := filepath.Join(t.TempDir(), "notes.md")
	if _, err := run("team", "--hub", base, "--key", key, "-o", file); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "No moves yet.") {
		t.Fatalf("notes file: %v %s", err, b)
	}
	t.Setenv("LSPSHARE_JOIN", links.Attend)
	t.Setenv("LSPSHARE_KEY", "")
	if _, err := run("team"); err != nil {
		t.Errorf("notes with the key of $LSPSHARE_JOIN: %v", err)
	}
	if _, err := run("other"); err == nil || !strings.Contains(err.Error(), "join key") {
		t.Errorf("notes without a key: %v", err)
	}
	if _, err := run("team", "--hub", base, "--key", "wrong"); err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Errorf("notes with a wrong key: %v", err)
	}
}

// TestNotesOfARealSession: a navigator's proxy (real gopls, a git checkout
// on GitHub) jumps, an attendee's proxy asks a question at the place the
// jump went to, the navigator replies, resolves it and notes a line of a
// module dependency nobody jumped to. lspshare notes then writes all of it
// in time order, in Markdown and as a CodeTour file that CodeTour's schema
// accepts, its steps at the checkout's files and commit.
func TestNotesOfARealSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	db, err := store.OpenBoltStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, links := serveSession(t, db, "reading")

	navSB, annSB := lsptest.NewDemo(t), lsptest.NewDemo(t)
	commit := navSB.GitCommit(t, "demo")
	navSB.Git(t, "remote", "add", "origin", "git@github.com:lspshare/demo.git")
	nav := startProxy(t, ctx, navSB, links.Drive, "nav", lsptest.Gopls(t))
	ann := startProxy(t, ctx, annSB, links.Attend, "ann", "none")
	if _, err := nav.Await(ctx, 0, stateIs(func(wheel string, followers int) bool { return wheel == "nav" && followers == 1 })); err != nil {
		t.Fatalf("nav never saw ann follow: %v", err)
	}
	if err := nav.Notify("textDocument/didOpen", navSB.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	since := ann.Since()
	if _, err := nav.Call(ctx, "textDocument/definition", navSB.At(t, "main.go", "Hello(")); err != nil {
		t.Fatalf("definition: %v", err)
	}
	// ann is moved there once the hub has the jump in its trail.
	if _, err := ann.Await(ctx, since, showing("/greet/greet.go")); err != nil {
		t.Fatalf("ann not brought to the jump: %v", err)
	}
	hello := annSB.Pos(t, "greet/greet.go", "Hello(name")
	id := noteCommand(t, ctx, ann, "lspshare.note", map[string]any{"uri": annSB.URI("greet/greet.go"),
		"range": map[string]any{"start": hello, "end": hello}, "text": "why does it <b>return</b>?", "question": true})
	noteCommand(t, ctx, nav, "lspshare.reply", map[string]any{"id": id, "text": "to be tested"})
	noteCommand(t, ctx, nav, "lspshare.resolve", map[string]any{"id": id})
	dep := map[string]any{"line": 4, "character": 0}
	noteCommand(t, ctx, nav, "lspshare.note", map[string]any{"uri": lsptest.FileURI(navSB.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go",
		"range": map[string]any{"start": dep, "end": dep}, "text": "always 42"})

	var md bytes.Buffer
	if err := runNotes(ctx, []string{links.Attend}, &md, io.Discard); err != nil {
		t.Fatal(err)
	}
	helloLink := fmt.Sprintf("https://github.com/lspshare/demo/blob/%s/greet/greet.go#L%d", commit, hello.Line+1)
	inOrder(t, md.String(), "jump from", helloLink, "### Question 1 · resolved", "ann, ", `why does it \<b\>return\<\/b\>\?`,
		"- nav, ", "to be tested", "### Note 2", "`example.com/dep@v1.0.0/dep.go:5`", "always 42")

	file := filepath.Join(t.TempDir(), ".tours", "reading.tour")
	if err := runNotes(ctx, []string{"--format", "tour", links.Attend, "-o", file}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := codetour.Check(data); err != nil {
		t.Fatalf("not a CodeTour file: %v\n%s", err, data)
	}
	var tour notes.Tour
	if err := json.Unmarshal(data, &tour); err != nil {
		t.Fatal(err)
	}
	if tour.Ref != commit || len(tour.Steps) < 2 {
		t.Fatalf("tour at %q with %d steps, want ref %s and a step for the jump and one for the note:\n%s", tour.Ref, len(tour.Steps), commit, data)
	}
	jump, note := tour.Steps[len(tour.Steps)-2], tour.Steps[len(tour.Steps)-1]
	if jump.File != "greet/greet.go" || jump.Line != hello.Line+1 {
		t.Errorf("the jump's step is at %s:%d, want greet/greet.go:%d", jump.File, jump.Line, hello.Line+1)
	}
	inOrder(t, jump.Description, "jump from", "#### Question 1 · resolved", "why does it", "to be tested")
	if note.File != "" || note.Line != 0 {
		t.Errorf("the module cache's step names a file of the checkout: %s:%d", note.File, note.Line)
	}
	// The excerpt comes from the navigator's module cache, through the hub.
	inOrder(t, note.Description, "example.com/dep@v1.0.0/dep.go:5", "func Answer() int", "#### Note 2", "always 42")
}

// serveSession runs a hub with its web pages on loopback until the test
// ends, on db (nil: in memory), with a session of that name.
func serveSession(t *testing.T, db store.Store, name string) (base string, links wire.Links) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	h := hub.New(hub.Config{BaseURL: base, Store: db})
	view := viewer.New(h, viewer.Config{})
	srv := &http.Server{Handler: view}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		view.Close()
		h.Close()
	})
	links, err = h.CreateSession(name)
	if err != nil {
		t.Fatal(err)
	}
	return base, links
}

// startProxy runs lspshare lsp in sb, joined with link, and initializes it.
func startProxy(t *testing.T, ctx context.Context, sb *lsptest.Sandbox, link, name, server string) *lsptest.Process {
	t.Helper()
	p := lsptest.Start(t, []string{lsptest.Lspshare(t), "lsp", "--server", server, "--join", link, "--name", name}, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
	if _, err := p.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

// stateIs matches a $/lspshare/state that ok accepts.
func stateIs(ok func(wheel string, followers int) bool) lsptest.Match {
	return func(m lsptest.Message) bool {
		var s struct {
			Wheel     string
			Followers int
		}
		return m.Method == "$/lspshare/state" && json.Unmarshal(m.Params, &s) == nil && ok(s.Wheel, s.Followers)
	}
}

// showing matches a window/showDocument of a file whose URI ends in suffix.
func showing(suffix string) lsptest.Match {
	return func(m lsptest.Message) bool {
		var p struct{ URI string }
		return m.Method == "window/showDocument" && json.Unmarshal(m.Params, &p) == nil && strings.HasSuffix(p.URI, suffix)
	}
}

// noteCommand runs lspshare.note, reply or resolve and returns the note's ID.
func noteCommand(t *testing.T, ctx context.Context, p *lsptest.Process, command string, arg map[string]any) uint64 {
	t.Helper()
	raw, err := p.Call(ctx, "workspace/executeCommand", map[string]any{"command": command, "arguments": []any{arg}})
	var answer struct{ ID uint64 }
	if err != nil || json.Unmarshal(raw, &answer) != nil || answer.ID == 0 {
		t.Fatalf("%s: %v %s", command, err, raw)
	}
	return answer.ID
}

// inOrder fails unless text holds each of parts, in that order.
func inOrder(t *testing.T, text string, parts ...string) {
	t.Helper()
	rest := text
	for _, p := range parts {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Errorf("%q missing, or out of order, in:\n%s", p, text)
			return
		}
		rest = rest[i+len(p):]
	}
}
