package vim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/wire"
)

// startSession runs a real hub in the test and makes the session "demo".
func startSession(t *testing.T) wire.Links {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hub := hub.New(hub.Config{BaseURL: "http://" + ln.Addr().String()})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: hub}}
	srv.Start()
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	links, err := hub.CreateSession("demo")
	if err != nil {
		t.Fatal(err)
	}
	return links
}

// proxyCommand is the g:lspshare_cmd of a real proxy on gopls, whose log
// the test shows if it fails.
func proxyCommand(t *testing.T, link, name string) string {
	bin, gopls := lsptest.Lspshare(t), lsptest.Gopls(t)
	logFile := filepath.Join(t.TempDir(), "proxy.log")
	t.Cleanup(func() {
		if t.Failed() {
			data, _ := os.ReadFile(logFile)
			t.Logf("log of %s's proxy:\n%s", name, data)
		}
	})
	return fmt.Sprintf("let g:lspshare_cmd = [%s, 'lsp', '--server', %s, '--log', %s]\nlet g:lspshare_join = %s\nlet g:lspshare_name = %s",
		vimString(bin), vimString(gopls), vimString(logFile), vimString(link), vimString(name))
}

// startNavigator starts potsbo, the scripted navigator, on a checkout of
// files.
func startNavigator(t *testing.T, link, files string) *lsptest.Navigator {
	t.Helper()
	return lsptest.StartNavigator(t, files, link, "potsbo")
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// place is where an editor's cursor is, as the Vim expression
// [expand('%:p'), line('.'), col('.')] gives it (JSON).
func place(t *testing.T, sb *lsptest.Sandbox, file, text string) string {
	_, line, col := lspRange(t, sb, file, text)
	return fmt.Sprintf("[%s,%d,%d]", jsonString(sb.Path(file)), line, col)
}

const here = "[expand('%:p'), line('.'), col('.')]"

// jumps are the navigator's three jumps: where it asks for a definition,
// and where that is.
var jumps = []struct{ from, text, to, target string }{
	{"main.go", "Hello(", "greet/greet.go", "Hello(name"},
	{"greet/greet.go", "prefix()", "greet/prefix.go", "prefix() string"},
	{"greet/prefix.go", "Word =", "greet/word.go", "Word string"},
}

func TestNeovimFollowsNavigator(t *testing.T) { forEachNeovim(t, testNeovimFollows) }

func testNeovimFollows(t *testing.T, nv neovim) {
	links := startSession(t)
	nav := startNavigator(t, links.Drive, workspace)
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace}) // the attendee's checkout, elsewhere
	ed := nv.start(t, editorConfig{
		Env: mine.Env(), Dir: mine.Workdir, File: mine.Path("main.go"),
		Init: proxyCommand(t, links.Attend, "ann"),
	})
	ed.waitEval("lspshare#statusline()", jsonString("following potsbo"))
	ed.checkKeyNotInArgv(links.Attend)

	for _, j := range jumps {
		nav.Jump(j.from, j.text, j.to)
		ed.waitEval(here, place(t, mine, j.to, j.target))
	}

	// The navigator's cursor, with their name on the right line.
	_, line, _ := lspRange(t, mine, "greet/word.go", "type Word")
	if err := nav.Notify("$/lspshare/cursor", map[string]any{
		"uri": nav.Sandbox.URI("greet/word.go"), "position": map[string]any{"line": line - 1, "character": 0}}); err != nil {
		t.Fatal(err)
	}
	ed.waitEval(cursorMarks, fmt.Sprintf(`[[%d,"  ◀ potsbo (navigating)"]]`, line))

	// Unfollowed, the attendee stays while the navigator moves on; the
	// navigator's mark shows that the move arrived.
	ed.do("LspShareUnfollow")
	ed.waitEval("lspshare#statusline()", jsonString("not following"))
	nav.Jump("greet/prefix.go", "greeting)", "greet/prefix.go")
	_, line, _ = lspRange(t, mine, "greet/prefix.go", "greeting Word")
	ed.waitEval("lspshare#cursor#at('potsbo')", fmt.Sprintf("[%s,%d]", jsonString(mine.Path("greet/prefix.go")), line))
	if got, want := ed.eval(here), place(t, mine, "greet/word.go", "Word string"); got != want {
		t.Errorf("unfollowed, the attendee moved to %s; want it still at %s", got, want)
	}

	// Following again goes to where the navigator is now.
	ed.do("LspShareFollow")
	ed.waitEval(here, place(t, mine, "greet/prefix.go", "greeting Word"))
	ed.waitEval("lspshare#statusline()", jsonString("following potsbo"))
	ed.checkNothingDeprecated()
	ed.quit()
}

func TestVimFollowsNavigator(t *testing.T) {
	links := startSession(t)
	nav := startNavigator(t, links.Drive, workspace)
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	ed := startVim(t, editorConfig{
		Env: mine.Env(), Dir: mine.Workdir, File: "main.go",
		Init: proxyCommand(t, links.Attend, "ann") + "\n" + statusline,
	})
	ed.waitScreen("main.go", "[following potsbo]")
	ed.checkKeyNotInArgv(links.Attend)
	for _, j := range jumps {
		nav.Jump(j.from, j.text, j.to)
		_, line, col := lspRange(t, mine, j.to, j.target)
		ed.waitScreen(j.to, fmt.Sprintf("L%d:C%d", line, col), "[following potsbo]")
	}
	ed.quit()
}

func TestVimGoToDefinition(t *testing.T) {
	sb := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	ed := startVim(t, editorConfig{
		Env: sb.Env(), Dir: sb.Workdir, File: "main.go",
		Init: fmt.Sprintf("let g:lspshare_cmd = [%s, 'lsp', '--server', %s]\n%s",
			vimString(lsptest.Lspshare(t)), vimString(lsptest.Gopls(t)), statusline),
	})
	ed.waitEval("lspshare#ready()", "1")
	_, line, col := lspRange(t, sb, "main.go", "Hello(")
	ed.do(fmt.Sprintf("call cursor(%d, %d)", line, col))
	ed.waitScreen("main.go", fmt.Sprintf("L%d:C%d", line, col))
	ed.waitEval("mode()", `"n"`) // no prompt to eat the keys
	ed.keys("gd")
	_, line, col = lspRange(t, sb, "greet/greet.go", "Hello(name")
	ed.waitScreen("greet/greet.go", fmt.Sprintf("L%d:C%d", line, col))
	ed.quit()
}

func TestNeovimNavigates(t *testing.T) { forEachNeovim(t, testNeovimNavigates) }

func testNeovimNavigates(t *testing.T, nv neovim) {
	links := startSession(t)
	nav := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	ed := nv.start(t, editorConfig{
		Env: nav.Env(), Dir: nav.Workdir, File: nav.Path("main.go"),
		Init: proxyCommand(t, links.Drive, "potsbo"),
	})
	ed.waitEval("lspshare#ready()", "1")

	// A scripted attendee at another path.
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	att := lsptest.Start(t, []string{lsptest.Lspshare(t), "lsp", "--server", lsptest.Gopls(t), "--join", links.Attend, "--name", "ann"},
		lsptest.Options{Dir: mine.Workdir, Env: mine.Env()})
	ctx := testContext(t)
	if _, err := att.Call(ctx, "initialize", map[string]any{
		"processId": nil, "rootUri": mine.RootURI(),
		"capabilities": map[string]any{"window": map[string]any{"showDocument": map[string]any{"support": true}}},
	}); err != nil {
		t.Fatal(err)
	}
	att.Notify("initialized", map[string]any{})
	ed.waitEval("lspshare#statusline()", jsonString("driving · 1 following"))

	since := att.Since()
	_, line, col := lspRange(t, nav, "main.go", "Hello(")
	ed.do(fmt.Sprintf("call cursor(%d, %d)\nlua vim.lsp.buf.definition()", line, col))
	ed.waitEval(here, place(t, nav, "greet/greet.go", "Hello(name"))
	// The attendee may first be shown the navigator's cursor in main.go
	// (an editor reports it while gopls answers); then the jump.
	var p struct {
		URI       string
		Selection struct{ Start struct{ Line, Character int } }
	}
	shown, err := att.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "window/showDocument" && json.Unmarshal(m.Params, &p) == nil && p.URI == mine.URI("greet/greet.go")
	})
	if err != nil {
		t.Fatal(err)
	}
	want := mine.Pos(t, "greet/greet.go", "Hello(name")
	if p.Selection.Start.Line != int(want.Line) || p.Selection.Start.Character != int(want.Character) {
		t.Errorf("the attendee was shown %s, want %s at %d:%d", shown.Params, mine.URI("greet/greet.go"), want.Line, want.Character)
	}
	ed.checkNothingDeprecated()
	ed.quit()
}
