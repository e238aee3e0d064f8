package participant_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// navFiles is the navigator's checkout: the demo module and a file outside
// its packages.
const navFiles = lsptest.DemoFiles + `
-- extra/extra.go --
package extra
`

// annFiles is one person's machine with two workspaces: a module at the
// root (holding extra/extra.go) and, in app/, a second module holding the
// demo's packages. Each of the navigator's files is in one workspace only.
const annFiles = `
-- go.mod --
module example.com/other

go 1.22
-- extra/extra.go --
package extra
-- app/go.mod --
module example.com/app

go 1.22
-- app/main.go --
package main

func main() {}
-- app/greet/greet.go --
package greet

func Hello(name string) string { return name }
`

// startIn starts lspshare lsp as name in dir of sb, with env, its editor's
// workspace root at dir.
func startIn(t *testing.T, ctx context.Context, sb *lsptest.Sandbox, dir, name, link string, env []string) *editor {
	t.Helper()
	argv := []string{lsptest.Lspshare(t), "lsp", "--server", lsptest.Gopls(t), "--join", link, "--name", name}
	p := lsptest.Start(t, argv, lsptest.Options{Dir: dir, Env: env})
	if _, err := p.Initialize(ctx, lsptest.InitializeParams(lsptest.FileURI(dir))); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &editor{Process: p, sb: sb, name: name}
}

// names lists the connected participants of a state.
func (s state) names() []string {
	var names []string
	for _, p := range s.Participants {
		if p.Connected {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

// shownSince lists the files e's editor was asked to show since since.
func (e *editor) shownSince(since int) []string {
	var shown []string
	for _, m := range e.Received(since) {
		var sd showDocument
		if m.Method == "window/showDocument" && json.Unmarshal(m.Params, &sd) == nil {
			shown = append(shown, sd.URI)
		}
	}
	return shown
}

// TestOnePersonOneParticipant: two proxies one person started in two
// workspaces are one participant; a move is shown by the proxy whose
// workspace holds its file, and by that one alone; when the first proxy
// (the holder of the hub connection) ends, the second takes the
// connection over, under the same name, and the navigator's next jump
// reaches it.
func TestOnePersonOneParticipant(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	hub, links, _ := startHub(t)
	navSB := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: navFiles, Modules: lsptest.DemoModules})
	nav := startEditorIn(t, ctx, navSB, "nav", links.Drive)

	annSB := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: annFiles})
	env := append(annSB.Env(), "XDG_RUNTIME_DIR="+privateTemp(t))
	root := startIn(t, ctx, annSB, annSB.Workdir, "ann", links.Attend, env)
	root.awaitState(t, ctx, 0, func(s state) bool { return s.Connected && s.Following })
	app := startIn(t, ctx, annSB, annSB.Path("app"), "ann", links.Attend, env)
	app.awaitState(t, ctx, 0, func(s state) bool { return s.Connected && s.You == "ann" && s.Following })
	nav.awaitState(t, ctx, 0, func(s state) bool { return slices.Equal(s.names(), []string{"ann", "nav"}) })

	// main.go and greet/greet.go are only in app/, extra/extra.go only at
	// the root. Each editor's later show comes after the navigator's
	// earlier moves reached it, so the ones it did not show are known.
	rootSince, appSince := root.Since(), app.Since()
	if err := nav.Notify("textDocument/didOpen", nav.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	app.awaitShow(t, ctx, appSince, "/app/main.go")
	nav.jump(t, ctx, "Hello(")
	app.awaitShow(t, ctx, appSince, "/app/greet/greet.go")
	if err := nav.Notify("textDocument/didOpen", nav.sb.OpenParams(t, "extra/extra.go")); err != nil {
		t.Fatal(err)
	}
	root.awaitShow(t, ctx, rootSince, "/extra/extra.go")
	if got := root.shownSince(rootSince); !slices.Equal(got, []string{annSB.URI("extra/extra.go")}) {
		t.Errorf("the root's editor was shown %v, want extra/extra.go alone", got)
	}
	appSince = app.Since()
	nav.jump(t, ctx, "Hello(")
	app.awaitShow(t, ctx, appSince, "/app/greet/greet.go")
	if got := app.shownSince(appSince); slices.ContainsFunc(got, func(u string) bool { return strings.HasSuffix(u, "/extra/extra.go") }) {
		t.Errorf("app's editor was shown %v, which holds no extra/extra.go", got)
	}

	// The holder ends; app takes the connection over as the same ann (the
	// same id at the hub), and the navigator's next jump reaches it.
	if err := root.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	appSince = app.Since()
	nav.jump(t, ctx, "Hello(")
	app.awaitShow(t, ctx, appSince, "/app/greet/greet.go")
	if s := app.lastState(t); !s.Connected || s.You != "ann" {
		t.Errorf("after the takeover app is %q (connected: %v), want ann", s.You, s.Connected)
	}
	if names := hubNames(t, hub); !slices.Equal(names, []string{"ann", "nav"}) {
		t.Errorf("the hub knows %v, want ann and nav", names)
	}

	// A proxy started again at the root attaches to app, now the holder;
	// app is killed, the root takes over, and, holding no greet/greet.go,
	// brings the navigator's copy for the next jump.
	again := startIn(t, ctx, annSB, annSB.Workdir, "ann", links.Attend, env)
	again.awaitState(t, ctx, 0, func(s state) bool { return s.Connected && s.You == "ann" })
	if err := app.Cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-app.Exited()
	againSince := again.Since()
	nav.jump(t, ctx, "Hello(")
	sd := again.awaitShow(t, ctx, againSince, "/greet/greet.go")
	if strings.HasPrefix(sd.URI, lsptest.FileURI(annSB.Workdir)) {
		t.Errorf("shown %s, want a read-only copy from the navigator", sd.URI)
	}
	if names := hubNames(t, hub); !slices.Equal(names, []string{"ann", "nav"}) {
		t.Errorf("after the kill the hub knows %v, want ann and nav", names)
	}
}

// hubNames lists the names of every participant the hub knows in session
// t, connected or not: one person joining under two ids would be two.
func hubNames(t *testing.T, h *hub.Hub) []string {
	t.Helper()
	members, err := h.Participants("t")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	slices.Sort(names)
	return names
}

// lastState is the newest $/lspshare/state e's editor got.
func (e *editor) lastState(t *testing.T) state {
	t.Helper()
	var s state
	for _, m := range e.Received(0) {
		if m.Method == "$/lspshare/state" {
			if err := json.Unmarshal(m.Params, &s); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// TestSameNameTwoPeople: two people who use the same name (two runtime
// directories: two users or machines) are two participants.
func TestSameNameTwoPeople(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	sb := lsptest.NewDemo(t)
	first := startIn(t, ctx, sb, sb.Workdir, "ann", links.Attend, append(sb.Env(), "XDG_RUNTIME_DIR="+privateTemp(t)))
	second := startIn(t, ctx, sb, sb.Workdir, "ann", links.Attend, append(sb.Env(), "XDG_RUNTIME_DIR="+privateTemp(t)))
	want := []string{"ann", "ann-2"}
	first.awaitState(t, ctx, 0, func(s state) bool { return slices.Equal(s.names(), want) })
	got := []string{
		first.awaitState(t, ctx, 0, func(s state) bool { return s.Connected }).You,
		second.awaitState(t, ctx, 0, func(s state) bool { return s.Connected }).You,
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the two are %v, want %v", got, want)
	}
}

// privateTemp is a directory of the test's that only its user may enter,
// as XDG_RUNTIME_DIR is.
func privateTemp(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}
