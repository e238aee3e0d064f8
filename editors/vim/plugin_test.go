package vim_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// workspace is the Go module the tests read: three jumps lead from main.go
// to greet.go, prefix.go and word.go.
const workspace = lsptest.Reading

// statusline shows the file, the cursor and the plugin's component, so that
// a test reads all three off Vim's screen.
const statusline = `set laststatus=2
set statusline=%f\ L%l:C%c\ [%{lspshare#statusline()}]`

// state is a $/lspshare/state for ann, attending potsbo's session.
func state(following, paused bool, wheel string) map[string]any {
	return map[string]any{
		"session": "demo", "hub": "http://127.0.0.1:7777", "connected": true,
		"you": "ann", "role": "attend", "following": following, "paused": paused,
		"wheel": wheel, "followers": 2, "answers": "local",
		"participants": []map[string]any{
			{"name": "potsbo", "role": "drive", "wheel": wheel == "potsbo", "following": false, "connected": true},
			{"name": "ann", "role": "attend", "wheel": wheel == "ann", "following": following, "connected": true},
		},
		"error": "",
	}
}

// withHands is st with n hands up.
func withHands(st map[string]any, n int) map[string]any {
	st["hands"] = n
	return st
}

// lspRange is the LSP range of the first occurrence of text in a workspace
// file, and the 1-based line and byte column where an editor puts the
// cursor for it.
func lspRange(t *testing.T, sb *lsptest.Sandbox, file, text string) (r map[string]any, line, col int) {
	t.Helper()
	pos := sb.Pos(t, file, text)
	p := map[string]any{"line": pos.Line, "character": pos.Character}
	return map[string]any{"start": p, "end": p}, int(pos.Line) + 1, int(pos.Character) + 1 // ASCII files
}

// cursorMarks is a Vim expression listing the participants' cursors drawn
// in the current buffer as [line, text] (Neovim's extmarks).
const cursorMarks = `map(nvim_buf_get_extmarks(0, nvim_create_namespace('lspshare_cursor'), 0, -1, {'details': v:true}), '[v:val[1] + 1, v:val[3].virt_text[0][0]]')`

func TestNeovimPlugin(t *testing.T) {
	forEachNeovim(t, func(t *testing.T, nv neovim) { testPlugin(t, nv.start) })
}

func TestVimPlugin(t *testing.T) { testPlugin(t, startVim) }

// testPlugin plays the proxy's part against the plugin: showDocument,
// state, cursors both ways, the commands, and server requests.
func testPlugin(t *testing.T, start func(testing.TB, editorConfig) *editor) {
	sb := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	fake := newFakeProxy(t)
	ed := start(t, editorConfig{
		Env:  append(sb.Env(), fake.env()),
		Dir:  sb.Workdir,
		Init: fake.command() + "\n" + statusline,
		File: sb.Path("main.go"),
	})

	// Starts the proxy for a Go file, advertising showDocument.
	init := fake.awaitMethod(0, "initialize")
	var ip struct {
		RootURI      string `json:"rootUri"`
		Capabilities struct {
			Window struct {
				ShowDocument struct{ Support bool }
			}
		}
	}
	if err := json.Unmarshal(init.Params, &ip); err != nil {
		t.Fatal(err)
	}
	if !ip.Capabilities.Window.ShowDocument.Support || ip.RootURI != sb.RootURI() {
		t.Errorf("initialize: showDocument support %v, root %q; want true, %q", ip.Capabilities.Window.ShowDocument.Support, ip.RootURI, sb.RootURI())
	}
	var opened struct{ TextDocument struct{ URI string } }
	if err := json.Unmarshal(fake.awaitMethod(0, "textDocument/didOpen").Params, &opened); err != nil || opened.TextDocument.URI != sb.URI("main.go") {
		t.Errorf("didOpen of %q (%v), want %q", opened.TextDocument.URI, err, sb.URI("main.go"))
	}
	ed.waitEval("lspshare#ready()", "1")

	// State: the statusline component. Joined but not yet connected, it
	// says connecting; once a connection was lost, reconnecting.
	down := state(true, false, "potsbo")
	down["connected"] = false
	fake.notify("$/lspshare/state", down)
	ed.waitEval("lspshare#statusline()", jsonString("connecting"))
	down["reconnecting"] = true
	fake.notify("$/lspshare/state", down)
	ed.waitEval("lspshare#statusline()", jsonString("reconnecting"))
	fake.notify("$/lspshare/state", state(true, false, "potsbo"))
	ed.waitEval("lspshare#statusline()", jsonString("following potsbo"))

	// :LspShareStatus says whose hand is up, and where everyone is.
	raised := state(true, false, "potsbo")
	where, _, _ := lspRange(t, sb, "greet/greet.go", "return prefix")
	raised["participants"].([]map[string]any)[1]["hand"] = "2026-12-01T20:41:07Z"
	raised["participants"].([]map[string]any)[1]["place"] = map[string]any{"uri": sb.URI("greet/greet.go"), "range": where}
	fake.notify("$/lspshare/state", raised)
	ed.waitEval("lspshare#describe(g:lspshare_state)[2]", jsonString("  ann              attend following, ✋ since 20:41 UTC, at greet/greet.go:5"))

	// window/showDocument: the editor goes there and says so.
	sel, line, col := lspRange(t, sb, "greet/greet.go", "Hello(name")
	answer := fake.request("window/showDocument", map[string]any{
		"uri": sb.URI("greet/greet.go"), "takeFocus": true, "selection": sel})
	if answer.Error != nil || string(answer.Result) != `{"success":true}` {
		t.Errorf("showDocument answered %s %v, want success", answer.Result, answer.Error)
	}
	want := fmt.Sprintf("[%s,%d,%d]", jsonString(sb.Path("greet/greet.go")), line, col)
	if got := ed.eval("[expand('%:p'), line('.'), col('.')]"); got != want {
		t.Errorf("after showDocument the editor is at %s, want %s", got, want)
	}
	if ed.tmux != nil {
		ed.waitScreen("greet/greet.go", fmt.Sprintf("L%d:C%d", line, col), "[following potsbo]")
	}
	if ed.tmux != nil {
		// Keys typed after a followed jump still work as typed.
		ed.keys("G")
		ed.waitScreen("greet/greet.go", "L6:C1")
	}

	// $/lspshare/cursor from the proxy: the name beside the line.
	at, line, _ := lspRange(t, sb, "greet/greet.go", "return prefix")
	fake.notify("$/lspshare/cursor", map[string]any{
		"uri": sb.URI("greet/greet.go"), "range": at, "name": "potsbo", "wheel": true})
	if ed.tmux != nil {
		ed.waitScreen("return prefix() + name", "◀ potsbo")
	} else {
		ed.waitEval(cursorMarks, fmt.Sprintf(`[[%d,"  ◀ potsbo (navigating)"]]`, line))
	}
	// A participant who left loses their mark.
	left := state(true, false, "potsbo")
	left["participants"] = []map[string]any{{"name": "ann", "role": "attend", "following": true, "connected": true}}
	fake.notify("$/lspshare/state", left)
	ed.waitEval("lspshare#cursor#at('potsbo')", "[]")
	if ed.tmux == nil {
		ed.waitEval(cursorMarks, "[]")
	}
	fake.notify("$/lspshare/state", state(true, false, "potsbo"))

	// The user's own cursor, typed, goes to the proxy.
	since := fake.since()
	if ed.tmux != nil {
		ed.keys("gg0")
	} else {
		ed.do(`call nvim_input('gg0')`)
	}
	fake.await(since, "the user's cursor at 1:1 of greet.go", func(m lspMessage) bool {
		var c struct {
			URI      string
			Position struct{ Line, Character int }
		}
		return m.Method == "$/lspshare/cursor" && json.Unmarshal(m.Params, &c) == nil &&
			c.URI == sb.URI("greet/greet.go") && c.Position.Line == 0 && c.Position.Character == 0
	})

	// The commands send workspace/executeCommand and show the answer.
	commands := []struct {
		command, name string
		args          string // %q of the arguments
		answer        map[string]any
		status        string
	}{
		{"LspShareUnfollow", "lspshare.unfollow", "[]", state(false, false, "potsbo"), "not following"},
		{"LspShareFollow", "lspshare.follow", "[]", state(true, false, "potsbo"), "following potsbo"},
		{"LspShareJump potsbo", "lspshare.jump", `["potsbo"]`, state(true, true, "potsbo"), "paused"},
		{"LspShareDrive", "lspshare.drive", "[]", state(false, false, "ann"), "driving · 2 following"},
		{"LspSharePass potsbo", "lspshare.pass", `["potsbo"]`, state(false, false, "potsbo"), "not following"},
		{"LspShareStatus", "lspshare.status", "[]", state(false, false, "potsbo"), "not following"},
		{"LspShareHand", "lspshare.hand", "[]", withHands(state(true, false, "potsbo"), 2), "following potsbo · ✋ 2"},
		{"LspShareDrive", "lspshare.drive", "[]", withHands(state(false, false, "ann"), 1), "driving · 2 following · ✋ 1"},
		{"LspShareHand potsbo", "lspshare.hand", `["potsbo"]`, state(false, false, "ann"), "driving · 2 following"},
		{"LspShareSummon", "lspshare.summon", "[]", state(false, false, "ann"), "driving · 2 following"},
		{"LspShareJoin http://127.0.0.1:7777/s/demo?key=k", "lspshare.join", `["http://127.0.0.1:7777/s/demo?key=k"]`, state(true, false, "potsbo"), "following potsbo"},
		{"LspShareLeave", "lspshare.leave", "[]", map[string]any{"session": ""}, ""},
	}
	for _, c := range commands {
		since := fake.since()
		ed.do(c.command)
		req := fake.awaitCommand(since, c.name)
		var p struct{ Arguments []string }
		if err := json.Unmarshal(req.Params, &p); err != nil || fmt.Sprintf("%q", p.Arguments) != c.args {
			t.Errorf("%s sent arguments %s, want %s", c.command, p.Arguments, c.args)
		}
		fake.answer(req, c.answer, nil)
		ed.waitEval("lspshare#statusline()", jsonString(c.status))
	}
	// An error answer is shown to the user.
	since = fake.since()
	ed.do("LspShareDrive")
	fake.answer(fake.awaitCommand(since, "lspshare.drive"), nil, &jsonrpcError{Code: -32803, Message: "lspshare: your key may not drive"})
	ed.waitEval("execute('messages') =~# 'your key may not drive'", "1")

	// Every server request gets an answer; unknown ones an error.
	if a := fake.request("workspace/configuration", map[string]any{"items": []any{map[string]any{"section": "gopls"}}}); string(a.Result) != "[null]" {
		t.Errorf("workspace/configuration answered %s %v, want [null]", a.Result, a.Error)
	}
	if a := fake.request("lspshare/unknown", map[string]any{}); a.Error == nil || a.Error.Code != -32601 {
		t.Errorf("an unknown request was answered %s %v, want MethodNotFound", a.Result, a.Error)
	}
	if ed.name == "nvim" {
		ed.checkNothingDeprecated()
	}
	ed.quit()
}
