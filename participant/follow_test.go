package participant_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/participant"
	"github.com/lspshare/lspshare/wire"
)

func TestMain(m *testing.M) { lsptest.Main(m) }

// editor is a scripted editor running lspshare lsp in its own sandbox.
type editor struct {
	*lsptest.Process
	sb   *lsptest.Sandbox
	name string
}

// startEditor starts "lspshare lsp --join link" as name, in a fresh copy of
// the demo workspace (at a path of its own), and initializes it.
func startEditor(t testing.TB, ctx context.Context, name, link string) *editor {
	t.Helper()
	return startEditorIn(t, ctx, lsptest.NewDemo(t), name, link)
}

// startEditorIn is startEditor in a given sandbox.
func startEditorIn(t testing.TB, ctx context.Context, sb *lsptest.Sandbox, name, link string) *editor {
	t.Helper()
	return startAttendee(t, ctx, sb, name, link, lsptest.Gopls(t))
}

// startAttendee starts lspshare lsp in sb with the given server command
// ("none" for none) and initializes it.
func startAttendee(t testing.TB, ctx context.Context, sb *lsptest.Sandbox, name, link, server string) *editor {
	t.Helper()
	argv := []string{lsptest.Lspshare(t), "lsp", "--server", server, "--join", link, "--name", name}
	p := lsptest.Start(t, argv, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
	if _, err := p.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &editor{Process: p, sb: sb, name: name}
}

// state is the part of $/lspshare/state the tests read.
type state struct {
	Session      string `json:"session"`
	Connected    bool   `json:"connected"`
	Reconnecting bool   `json:"reconnecting"`
	You          string `json:"you"`
	Role         string `json:"role"`
	Following    bool   `json:"following"`
	Paused       bool   `json:"paused"`
	Wheel        string `json:"wheel"`
	Followers    int    `json:"followers"`
	Answers      string `json:"answers"`
	Hands        int    `json:"hands"`
	Participants []struct {
		Name      string             `json:"name"`
		Following bool               `json:"following"`
		Connected bool               `json:"connected"`
		Hand      string             `json:"hand"`
		Place     *protocol.Location `json:"place"`
	} `json:"participants"`
	Error string `json:"error"`
}

// awaitState waits for a $/lspshare/state that ok accepts.
func (e *editor) awaitState(t *testing.T, ctx context.Context, since int, ok func(state) bool) state {
	t.Helper()
	var got state
	_, err := e.Await(ctx, since, func(m lsptest.Message) bool {
		if m.Method != "$/lspshare/state" {
			return false
		}
		var s state
		if json.Unmarshal(m.Params, &s) != nil {
			return false
		}
		got = s
		return ok(s)
	})
	if err != nil {
		t.Fatalf("%s: state: %v (last: %+v)", e.name, err, got)
	}
	return got
}

// showDocument is the params of window/showDocument.
type showDocument struct {
	URI       string          `json:"uri"`
	TakeFocus bool            `json:"takeFocus"`
	Selection json.RawMessage `json:"selection"`
}

// awaitShow waits for a window/showDocument request to this editor for a
// file whose URI ends with suffix.
func (e *editor) awaitShow(t *testing.T, ctx context.Context, since int, suffix string) showDocument {
	t.Helper()
	var sd showDocument
	_, err := e.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "window/showDocument" && json.Unmarshal(m.Params, &sd) == nil && strings.HasSuffix(sd.URI, suffix)
	})
	if err != nil {
		t.Fatalf("%s: showDocument for …%s: %v", e.name, suffix, err)
	}
	return sd
}

// firstShow waits for e's first window/showDocument since since and returns
// its URI and the line its selection starts on.
func (e *editor) firstShow(t *testing.T, ctx context.Context, since int) (uri string, line uint32) {
	t.Helper()
	m, err := e.Await(ctx, since, lsptest.Method("window/showDocument"))
	if err != nil {
		t.Fatalf("%s: showDocument: %v", e.name, err)
	}
	var sd struct {
		URI       string `json:"uri"`
		Selection struct {
			Start struct{ Line uint32 }
		}
	}
	if err := json.Unmarshal(m.Params, &sd); err != nil {
		t.Fatalf("%s: showDocument %s: %v", e.name, m.Params, err)
	}
	return sd.URI, sd.Selection.Start.Line
}

// cursorAt sends e's exact cursor at pos in uri, as the editor plugins do.
func (e *editor) cursorAt(t *testing.T, uri string, pos protocol.Position) {
	t.Helper()
	if err := e.Notify("$/lspshare/cursor", map[string]any{"uri": uri, "position": pos}); err != nil {
		t.Fatal(err)
	}
}

// cursor is the part of $/lspshare/cursor the tests read.
type cursor struct {
	URI   string `json:"uri"`
	Name  string `json:"name"`
	Range struct {
		Start struct{ Line, Character uint32 }
	} `json:"range"`
}

// awaitCursor waits for a $/lspshare/cursor to e at uri's line.
func (e *editor) awaitCursor(t *testing.T, ctx context.Context, since int, uri string, line uint32) cursor {
	t.Helper()
	var got cursor
	_, err := e.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "$/lspshare/cursor" && json.Unmarshal(m.Params, &got) == nil && got.URI == uri && got.Range.Start.Line == line
	})
	if err != nil {
		t.Fatalf("%s: no cursor at %s line %d: %v (last: %+v)", e.name, uri, line, err, got)
	}
	return got
}

// startHub serves a hub on a loopback port and creates session "t".
func startHub(t testing.TB) (*hub.Hub, wire.Links, string) {
	t.Helper()
	return startHubWith(t, hub.Config{})
}

// startHubWith is startHub with a configuration (BaseURL is set here).
func startHubWith(t testing.TB, cfg hub.Config) (*hub.Hub, wire.Links, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg.BaseURL = base
	h := hub.New(cfg)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(func() { h.Close(); srv.Close() })
	links, err := h.CreateSession("t")
	if err != nil {
		t.Fatal(err)
	}
	return h, links, base
}

// jumpTarget is where the navigator asks for a definition, and the file the
// answer lands in, relative to each participant's own roots.
type jumpTarget struct {
	name, at string
	// wantSuffix is the end of the attendee's file path for the target.
	wantSuffix string
}

// TestFollow is the product's main promise: the navigator's jumps open the
// same place in each following attendee's own checkout.
func TestFollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	hub, links, _ := startHub(t)

	nav := startEditor(t, ctx, "nav", links.Drive)
	ann := startEditor(t, ctx, "ann", links.Attend)
	bob := startEditor(t, ctx, "bob", links.Attend)
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && s.Followers == 2 })
	for _, e := range []*editor{ann, bob} {
		e.awaitState(t, ctx, 0, func(s state) bool { return s.Following && s.Wheel == "nav" && s.Role == "attend" })
	}

	if err := nav.Notify("textDocument/didOpen", nav.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	for _, j := range []jumpTarget{
		{"cross-package", "Hello(", "/greet/greet.go"},
		{"GOROOT", "Println(msg", "/src/fmt/print.go"},
		{"module dependency", "Answer()", "/example.com/dep@v1.0.0/dep.go"},
	} {
		t.Run(j.name, func(t *testing.T) {
			since := map[*editor]int{ann: ann.Since(), bob: bob.Since()}
			raw, err := nav.Call(ctx, "textDocument/definition", nav.sb.At(t, "main.go", j.at))
			if err != nil {
				t.Fatal(err)
			}
			var locs []struct {
				URI   string          `json:"uri"`
				Range json.RawMessage `json:"range"`
			}
			if err := json.Unmarshal(raw, &locs); err != nil || len(locs) == 0 {
				t.Fatalf("definition: %s (%v)", raw, err)
			}
			for _, e := range []*editor{ann, bob} {
				sd := e.awaitShow(t, ctx, since[e], j.wantSuffix)
				if !sd.TakeFocus {
					t.Errorf("%s: showDocument without takeFocus", e.name)
				}
				if j.wantSuffix == "/greet/greet.go" && sd.URI != e.sb.URI("greet/greet.go") {
					t.Errorf("%s: showDocument %s, want its own %s", e.name, sd.URI, e.sb.URI("greet/greet.go"))
				}
				if j.wantSuffix == "/example.com/dep@v1.0.0/dep.go" && !strings.HasPrefix(sd.URI, lsptest.FileURI(e.sb.GOMODCACHE)) {
					t.Errorf("%s: showDocument %s, want a file in its own module cache %s", e.name, sd.URI, e.sb.GOMODCACHE)
				}
				if string(sd.Selection) != string(locs[0].Range) {
					t.Errorf("%s: selection %s, want %s", e.name, sd.Selection, locs[0].Range)
				}
			}
		})
	}

	// The hub's trail names the symbols jumped from, for the notes.
	trail, err := hub.Trail("t")
	if err != nil {
		t.Fatal(err)
	}
	var symbols []string
	for _, e := range trail {
		if e.Kind == wire.KindJump {
			symbols = append(symbols, e.Symbol)
		}
	}
	if got, want := strings.Join(symbols, " "), "Hello Println Answer"; got != want {
		t.Errorf("trail symbols %q, want %q", got, want)
	}
}

// command runs an lspshare.* command in e and returns its state answer.
func (e *editor) command(t *testing.T, ctx context.Context, name string, args ...any) (state, error) {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	raw, err := e.Call(ctx, "workspace/executeCommand", map[string]any{"command": name, "arguments": args})
	var s state
	if err == nil {
		err = json.Unmarshal(raw, &s)
	}
	return s, err
}

// lspWorks checks that e's language server answers, whatever became of its
// session.
func (e *editor) lspWorks(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	e.jump(t, ctx, "Hello(")
}

// jump makes e ask for the definition at the text at in main.go.
func (e *editor) jump(t *testing.T, ctx context.Context, at string) {
	t.Helper()
	if _, err := e.Call(ctx, "textDocument/definition", e.sb.At(t, "main.go", at)); err != nil {
		t.Fatalf("%s: definition: %v", e.name, err)
	}
}

// newSession starts a hub with a navigator and one attendee, both ready,
// with main.go open on both sides.
func newSession(t *testing.T, ctx context.Context) (nav, att *editor) {
	t.Helper()
	_, links, _ := startHub(t)
	return startPair(t, ctx, links.Drive, links.Attend)
}

// startPair starts a navigator and an attendee on the given links and waits
// until the attendee follows, with main.go open on both sides.
func startPair(t *testing.T, ctx context.Context, drive, attend string) (nav, att *editor) {
	t.Helper()
	nav = startEditor(t, ctx, "nav", drive)
	att = startEditor(t, ctx, "att", attend)
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && s.Followers == 1 })
	for _, e := range []*editor{nav, att} {
		if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(t, "main.go")); err != nil {
			t.Fatal(err)
		}
	}
	att.awaitShow(t, ctx, 0, "/main.go")
	return nav, att
}

// TestPauseAndResume: an attendee's own jump pauses following, with one
// message; the navigator's jumps then leave it alone; lspshare.follow
// resumes at the navigator's current place; unfollow and jump work.
func TestPauseAndResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	nav, att := newSession(t, ctx)

	since, navSince := att.Since(), nav.Since()
	att.jump(t, ctx, "show(msg)")
	st := att.awaitState(t, ctx, since, func(s state) bool { return s.Paused })
	if st.Following {
		t.Errorf("paused but still following: %+v", st)
	}
	if _, err := att.Await(ctx, since, lsptest.ShowMessage("following nav is paused")); err != nil {
		t.Errorf("no pause message: %v", err)
	}
	nav.awaitState(t, ctx, navSince, func(s state) bool { return s.Followers == 0 })

	// The navigator jumps, then moves the cursor elsewhere in the file it
	// jumped to; the paused attendee is not moved, and sees the cursor.
	since = att.Since()
	nav.jump(t, ctx, "Hello(")
	now := nav.sb.Pos(t, "greet/greet.go", "suffix =")
	nav.cursorAt(t, nav.sb.URI("greet/greet.go"), now)
	att.awaitCursor(t, ctx, since, att.sb.URI("greet/greet.go"), now.Line)

	// follow catches up with where the navigator is now, not with the jump.
	// Its showDocument is also the barrier for the pause: had the jump moved
	// the paused attendee, that showDocument would have come first.
	if st, err := att.command(t, ctx, "lspshare.follow"); err != nil || !st.Following || st.Paused {
		t.Fatalf("follow: %+v, %v", st, err)
	}
	if uri, line := att.firstShow(t, ctx, since); uri != att.sb.URI("greet/greet.go") || line != now.Line {
		t.Errorf("first showDocument since the navigator's jump: %s line %d; want greet/greet.go line %d, where the navigator is now (a paused attendee is not moved)", uri, line, now.Line)
	}

	// unfollow stops: the navigator's next jump does not move the attendee.
	// lspshare.jump then goes once to where the navigator is now, and its
	// showDocument is the barrier: one for the jump would have come first.
	navSince = nav.Since()
	if st, err := att.command(t, ctx, "lspshare.unfollow"); err != nil || st.Following {
		t.Fatalf("unfollow: %+v, %v", st, err)
	}
	nav.awaitState(t, ctx, navSince, func(s state) bool { return s.Followers == 0 })
	since = att.Since()
	nav.jump(t, ctx, "Answer()")
	const depGo = "/example.com/dep@v1.0.0/dep.go"
	now = protocol.Position{Line: 1} // "package dep", above Answer
	nav.cursorAt(t, lsptest.FileURI(nav.sb.GOMODCACHE)+depGo, now)
	att.awaitCursor(t, ctx, since, lsptest.FileURI(att.sb.GOMODCACHE)+depGo, now.Line)
	if _, err := att.command(t, ctx, "lspshare.jump"); err != nil {
		t.Fatalf("jump: %v", err)
	}
	if uri, line := att.firstShow(t, ctx, since); !strings.HasSuffix(uri, depGo) || line != now.Line {
		t.Errorf("first showDocument since unfollow: %s line %d; want dep.go line %d, lspshare.jump's (an unfollowed attendee is not moved)", uri, line, now.Line)
	}
	if st, _ := att.command(t, ctx, "lspshare.status"); st.Following {
		t.Errorf("jump turned following on: %+v", st)
	}
}

// TestRoles: an attend key cannot take the wheel; a drive key can, and the
// holder can pass it back.
func TestRoles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	nav := startEditor(t, ctx, "nav", links.Drive)
	co := startEditor(t, ctx, "co", links.Drive)
	att := startEditor(t, ctx, "att", links.Attend)
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && len(s.Participants) == 3 })
	co.awaitState(t, ctx, 0, func(s state) bool { return s.Role == "drive" && !s.Following })

	att.awaitState(t, ctx, 0, func(s state) bool { return s.Role == "attend" })
	if _, err := att.command(t, ctx, "lspshare.drive"); err == nil || !strings.Contains(err.Error(), "attend link") {
		t.Errorf("attendee took the wheel: err = %v", err)
	}
	if _, err := co.command(t, ctx, "lspshare.drive"); err != nil {
		t.Fatal(err)
	}
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "co" })
	co.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "co" }) // its proxy checks passes against what it knows
	if _, err := nav.command(t, ctx, "lspshare.pass", "att"); err == nil {
		t.Errorf("a former holder passed the wheel")
	}
	if _, err := co.command(t, ctx, "lspshare.pass", "nav"); err != nil {
		t.Fatal(err)
	}
	att.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" })
}

// TestWrongKey: a wrong key is refused with a message the editor shows, and
// the editor's LSP keeps working.
func TestWrongKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	bad := links.Attend[:strings.Index(links.Attend, "key=")+4] + "not-the-key"
	e := startEditor(t, ctx, "eve", bad)
	if _, err := e.Await(ctx, 0, lsptest.ShowMessage("refused")); err != nil {
		t.Fatal(err)
	}
	st := e.awaitState(t, ctx, 0, func(s state) bool { return s.Error != "" })
	if st.Connected || strings.Contains(st.Error, "not-the-key") {
		t.Errorf("state after refusal: %+v", st)
	}
	e.lspWorks(t, ctx)
}

// vendoredDemo is the demo workspace with its dependency in vendor/.
func vendoredDemo(t *testing.T) *lsptest.Sandbox {
	t.Helper()
	sb := lsptest.NewDemo(t)
	cmd := exec.Command("go", "mod", "vendor")
	cmd.Dir, cmd.Env = sb.Workdir, sb.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod vendor: %v\n%s", err, out)
	}
	return sb
}

// TestVendorMeetsModuleCache: a navigator whose dependency is vendored and
// an attendee who has it in the module cache read the same file, in both
// directions.
func TestVendorMeetsModuleCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	ven := startEditorIn(t, ctx, vendoredDemo(t), "ven", links.Drive)
	mod := startEditor(t, ctx, "mod", links.Drive)
	ven.awaitState(t, ctx, 0, func(s state) bool { return len(s.Participants) == 2 && s.Wheel == "ven" })
	for _, e := range []*editor{ven, mod} {
		if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(t, "main.go")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mod.command(t, ctx, "lspshare.follow"); err != nil {
		t.Fatal(err)
	}
	since := mod.Since()
	ven.jump(t, ctx, "Answer()")
	sd := mod.awaitShow(t, ctx, since, "/dep.go")
	if want := lsptest.FileURI(mod.sb.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go"; sd.URI != want {
		t.Errorf("vendored jump landed at %s, want %s", sd.URI, want)
	}

	// The other way round: the module-cache reader drives, the vendoring one follows.
	if _, err := mod.command(t, ctx, "lspshare.drive"); err != nil {
		t.Fatal(err)
	}
	ven.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "mod" })
	if _, err := ven.command(t, ctx, "lspshare.follow"); err != nil {
		t.Fatal(err)
	}
	since = ven.Since()
	mod.jump(t, ctx, "Answer()")
	sd = ven.awaitShow(t, ctx, since, "/dep.go")
	if want := ven.sb.URI("vendor/example.com/dep/dep.go"); sd.URI != want {
		t.Errorf("module-cache jump landed at %s, want %s", sd.URI, want)
	}
}

// TestCommitMismatch: an attendee at another commit than the navigator is
// told at once, with both commits.
func TestCommitMismatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	navSB, attSB := lsptest.NewDemo(t), lsptest.NewDemo(t)
	navCommit, attCommit := navSB.GitCommit(t, "navigator's"), attSB.GitCommit(t, "attendee's")
	if navCommit == attCommit {
		t.Fatal("commits should differ")
	}
	startEditorIn(t, ctx, navSB, "nav", links.Drive)
	att := startEditorIn(t, ctx, attSB, "att", links.Attend)
	m, err := att.Await(ctx, 0, lsptest.ShowMessage("reads commit"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Message string }
	json.Unmarshal(m.Params, &p)
	if !strings.Contains(p.Message, navCommit[:12]) || !strings.Contains(p.Message, attCommit[:12]) {
		t.Errorf("mismatch message %q lacks the commits %s and %s", p.Message, navCommit[:12], attCommit[:12])
	}
}

// TestCursor: the navigator's exact cursor reaches attendees as
// $/lspshare/cursor, with the navigator's name and the attendee's own URI.
func TestCursor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nav, att := newSession(t, ctx)
	since := att.Since()
	pos := nav.sb.Pos(t, "main.go", "show(msg)")
	nav.cursorAt(t, nav.sb.URI("main.go"), pos)
	got := att.awaitCursor(t, ctx, since, att.sb.URI("main.go"), pos.Line)
	if got.Name != "nav" || got.Range.Start.Character != pos.Character {
		t.Errorf("cursor %+v, want att's main.go at %v by nav", got, pos)
	}
}

// TestMalformedLink: a join link that is not one is reported to the editor,
// whose LSP keeps working.
func TestMalformedLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := startEditor(t, ctx, "eve", "not a link")
	if _, err := e.Await(ctx, 0, lsptest.ShowMessage("join link looks like")); err != nil {
		t.Fatal(err)
	}
	e.lspWorks(t, ctx)
}

// TestCursorCoalesced: a burst of cursor moves reaches attendees coalesced,
// ending where the navigator's cursor ended.
func TestCursorCoalesced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nav, att := newSession(t, ctx)
	since := att.Since()
	const moves = 50
	for i := range moves {
		pos := map[string]int{"line": 12, "character": i % 10}
		if i == moves-1 {
			pos["character"] = 11
		}
		if err := nav.Notify("$/lspshare/cursor", map[string]any{"uri": nav.sb.URI("main.go"), "position": pos}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := att.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "$/lspshare/cursor" && strings.Contains(string(m.Params), `"start":{"line":12,"character":11}`)
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range att.Received(since) {
		if m.Method == "$/lspshare/cursor" {
			n++
		}
	}
	if n >= moves {
		t.Errorf("%d cursor notifications for %d moves: not coalesced", n, moves)
	}
	t.Logf("%d moves arrived as %d cursor notifications", moves, n)
}

// TestJumpSupersedesHeldCursor: a cursor update held back by the coalescing
// is dropped by the navigator's jump; sent after it, it would show everyone
// the place the navigator just left (issue 15).
func TestJumpSupersedesHeldCursor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nav, att := newSession(t, ctx)
	since := att.Since()
	left := nav.sb.Pos(t, "main.go", "package main")
	nav.cursorAt(t, nav.sb.URI("main.go"), nav.sb.Pos(t, "main.go", "show(msg)"))
	nav.cursorAt(t, nav.sb.URI("main.go"), left) // within the interval: held back
	nav.jump(t, ctx, "Hello(")
	att.awaitShow(t, ctx, since, "/greet/greet.go")
	// A held cursor goes out at most one interval after the cursor sent
	// before it; four intervals on, a second jump closes the window in which
	// a stale one could arrive. Correct code passes however long this takes.
	time.Sleep(4 * participant.CursorInterval)
	mark := att.Since()
	nav.jump(t, ctx, "show(")
	att.awaitCursor(t, ctx, mark, att.sb.URI("main.go"), nav.sb.Pos(t, "main.go", "func show").Line)
	// Only what came after the jump counts: on a slow machine the second
	// cursor may have gone out before it, as it should.
	jumped := false
	for _, m := range att.Received(since)[:mark-since] {
		var c cursor
		switch {
		case m.Method == "window/showDocument":
			jumped = true
		case jumped && m.Method == "$/lspshare/cursor" && json.Unmarshal(m.Params, &c) == nil &&
			c.URI == att.sb.URI("main.go") && c.Range.Start.Line == left.Line:
			t.Errorf("after the jump, a cursor at the place the navigator left: %s", m.Params)
		}
	}
}
