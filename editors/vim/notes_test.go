package vim_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// notesWorkspace is the workspace with a type error at the end of main.go,
// so that gopls has a diagnostic of its own beside the notes, and
// characters of three bytes and one UTF-16 unit before places of notes.
var notesWorkspace = strings.Replace(workspace, "-- greet/greet.go --",
	"\nvar lost = \"✋\" + undefinedName\n\nvar found = \"✋\" + \"here\"\n-- greet/greet.go --", 1)

// bytePlace is where text first occurs in a workspace file as an editor's
// cursor has it: the 1-based line and byte column.
func bytePlace(t *testing.T, sb *lsptest.Sandbox, file, text string) (line, col int) {
	t.Helper()
	for i, l := range strings.Split(sb.ReadFile(t, file), "\n") {
		if c := strings.Index(l, text); c >= 0 {
			return i + 1, c + 1
		}
	}
	t.Fatalf("%q not found in %s", text, file)
	return 0, 0
}

// note is a note of $/lspshare/notes, as a test reads it.
type note struct {
	ID                 int
	By, Text           string
	Question, Resolved bool
	Replies            []struct{ By, Text string }
	URI                string
	Range              *struct{ Start, End struct{ Line, Character int } }
}

// notePlaces lists the signs of notes in the current buffer as [line, sign].
const notePlaces = `map(sign_getplaced(bufnr('%'), {'group': 'lspshare_notes'})[0].signs, '[v:val.lnum, v:val.name]')`

// noteTexts lists the notes' virtual text in the current buffer as
// [line, text] (Neovim's extmarks).
const noteTexts = `map(nvim_buf_get_extmarks(0, nvim_create_namespace('lspshare_note_text'), 0, -1, {'details': v:true}), '[v:val[1] + 1, v:val[3].virt_text[0][0]]')`

// quickfixNotes runs :LspShareNotes and lists the quickfix entries as
// [file, line, col, nr, type, text], then closes the list.
const quickfixNotes = `LspShareNotes
let g:out = map(getqflist(), '[v:val.bufnr ? fnamemodify(bufname(v:val.bufnr), ":p") : "", v:val.lnum, v:val.col, v:val.nr, v:val.type, v:val.text]')
cclose`

// quickfixTexts is the texts of the quickfix list.
const quickfixTexts = `map(getqflist(), 'v:val.text')`

// navigator is the scripted navigator with the notes tests' checks.
type navigator struct {
	t  *testing.T
	sb *lsptest.Sandbox
	p  *lsptest.Process
}

// startNotesNavigator starts potsbo on a checkout of files.
func startNotesNavigator(t *testing.T, link, files string) *navigator {
	t.Helper()
	n := startNavigator(t, link, files)
	return &navigator{t: t, sb: n.Sandbox, p: n.Process}
}

// command runs one of the proxy's commands for the navigator.
func (n *navigator) command(name string, arg any) json.RawMessage {
	n.t.Helper()
	result, err := n.p.Call(testContext(n.t), "workspace/executeCommand", map[string]any{"command": name, "arguments": []any{arg}})
	if err != nil {
		n.t.Fatalf("%s: %v", name, err)
	}
	return result
}

// awaitNotes waits for a $/lspshare/notes to the navigator, from since on,
// that ok accepts.
func (n *navigator) awaitNotes(since int, what string, ok func([]note) bool) {
	n.t.Helper()
	if _, err := n.p.Await(testContext(n.t), since, func(m lsptest.Message) bool {
		var p struct{ Notes []note }
		return m.Method == "$/lspshare/notes" && json.Unmarshal(m.Params, &p) == nil && ok(p.Notes)
	}); err != nil {
		n.t.Fatalf("the navigator never saw %s: %v", what, err)
	}
}

// awaitState waits for a $/lspshare/state to the navigator, from since on,
// that ok accepts.
func (n *navigator) awaitState(since int, what string, ok func(map[string]any) bool) {
	n.t.Helper()
	if _, err := n.p.Await(testContext(n.t), since, func(m lsptest.Message) bool {
		var st map[string]any
		return m.Method == "$/lspshare/state" && json.Unmarshal(m.Params, &st) == nil && ok(st)
	}); err != nil {
		n.t.Fatalf("the navigator never saw %s: %v", what, err)
	}
}

func TestNeovimNotes(t *testing.T) {
	forEachNeovim(t, func(t *testing.T, nv neovim) { testNotes(t, nv.start) })
}

func TestVimNotes(t *testing.T) { testNotes(t, startVim) }

// testNotes runs the conversation between an editor (ann, attend key) and
// a scripted navigator (potsbo), each on its own checkout, through real
// proxies, gopls and a hub: the navigator's notes show in the editor, the
// editor's notes, replies and resolves reach the navigator, with the
// hub's refusals shown to the user; then the hand, summon and leaving.
func testNotes(t *testing.T, start func(testing.TB, editorConfig) *editor) {
	links := startSession(t)
	nav := startNotesNavigator(t, links.Drive, notesWorkspace)
	nav.awaitState(0, "its connection", func(st map[string]any) bool { return st["connected"] == true })
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: notesWorkspace})
	ed := start(t, editorConfig{
		Env: mine.Env(), Dir: mine.Workdir, File: mine.Path("main.go"),
		Init: proxyCommand(t, links.Attend, "ann") + "\n" + statusline,
	})
	nvim := ed.name == "nvim"
	ed.waitEval("lspshare#statusline()", jsonString("following potsbo"))

	// The navigator's question in main.go, open in the editor, at the line
	// of gopls's diagnostic, and a note in greet.go, which is not open.
	question, _, _ := lspRange(t, nav.sb, "main.go", "undefinedName")
	qline, qcol := bytePlace(t, mine, "main.go", "undefinedName")
	if got := string(nav.command("lspshare.note", map[string]any{
		"uri": nav.sb.URI("main.go"), "range": question, "text": "why undefined?", "question": true})); got != `{"id":1}` {
		t.Fatalf("the navigator's question is %s, want id 1", got)
	}
	elsewhere, eline, _ := lspRange(t, nav.sb, "greet/greet.go", "return prefix")
	nav.command("lspshare.note", map[string]any{"uri": nav.sb.URI("greet/greet.go"), "range": elsewhere, "text": "prefix\nis local"})

	ed.waitEval(notePlaces, fmt.Sprintf(`[[%d,"LspShareQuestion"]]`, qline))
	if nvim {
		ed.waitEval(noteTexts, fmt.Sprintf(`[[%d,"  #1 potsbo: why undefined?"]]`, qline))
	} else {
		ed.waitScreen("undefinedName", "#1 potsbo: why undefined?")
	}
	main, greet := jsonString(mine.Path("main.go")), jsonString(mine.Path("greet/greet.go"))
	if got, want := string(ed.do(quickfixNotes)), fmt.Sprintf(`[[%s,%d,%d,1,"I","potsbo: why undefined?"],[%s,%d,2,2,"N","potsbo: prefix is local"]]`,
		main, qline, qcol, greet, eline); got != want {
		t.Errorf(":LspShareNotes listed\n%s\nwant\n%s", got, want)
	}
	if nvim {
		// Neovim shows gopls's diagnostic, not the proxy's copy of the
		// question, which the plugin draws itself.
		ed.waitEval(`luaeval('vim.tbl_map(function(d) return {d.lnum + 1, d.source} end, vim.diagnostic.get(0))')`,
			fmt.Sprintf(`[[%d,"compiler"]]`, qline))
	}

	// A file opened later gets its notes.
	ed.do("edit " + mine.Path("greet/greet.go"))
	ed.waitEval(notePlaces, fmt.Sprintf(`[[%d,"LspShareNote"]]`, eline))
	ed.do("edit " + mine.Path("main.go"))

	// The editor asks about a Visual selection, and notes at the cursor.
	since := nav.p.Since()
	_, line, col := lspRange(t, mine, "main.go", "example.com")
	ed.do(fmt.Sprintf("call cursor(%d, %d)\nexecute \"normal! v10l\\<Esc>\"\n'<,'>LspShareAsk what | is %%this?", line, col))
	nav.awaitNotes(since, "ann's question on the selection", func(ns []note) bool {
		return len(ns) == 3 && ns[2].By == "ann" && ns[2].Text == "what | is %this?" && ns[2].Question &&
			ns[2].URI == nav.sb.URI("main.go") && ns[2].Range != nil &&
			ns[2].Range.Start.Line == line-1 && ns[2].Range.Start.Character == col-1 &&
			ns[2].Range.End.Line == line-1 && ns[2].Range.End.Character == col+10
	})
	ed.waitEval("execute('messages') =~# 'posted as #3'", "1")
	nline, ncol := bytePlace(t, mine, "main.go", `"here"`)
	here := nav.sb.Pos(t, "main.go", `"here"`) // UTF-16, as the navigator's client
	since = nav.p.Since()
	ed.do(fmt.Sprintf("call cursor(%d, %d)\nLspShareNote the entry point", nline, ncol))
	nav.awaitNotes(since, "ann's note at the cursor", func(ns []note) bool {
		return len(ns) == 4 && ns[3].Text == "the entry point" && !ns[3].Question && ns[3].Range != nil &&
			ns[3].Range.Start.Line == int(here.Line) && ns[3].Range.Start.Character == int(here.Character) &&
			ns[3].Range.End == ns[3].Range.Start
	})
	ed.waitEval(notePlaces, fmt.Sprintf(`[[%d,"LspShareQuestion"],[%d,"LspShareQuestion"],[%d,"LspShareNote"]]`, line, qline, nline))

	// A reply, a resolve the hub refuses (the question is potsbo's), and
	// one it takes (ann's own).
	since = nav.p.Since()
	ed.do("LspShareReply 1 it is built in")
	nav.awaitNotes(since, "ann's reply", func(ns []note) bool {
		return len(ns) == 4 && len(ns[0].Replies) == 1 && ns[0].Replies[0].By == "ann" && ns[0].Replies[0].Text == "it is built in"
	})
	if nvim {
		ed.waitEval(fmt.Sprintf("filter(%s, 'v:val[0] == %d')", noteTexts, qline), fmt.Sprintf(`[[%d,"  #1 potsbo: why undefined? (1 reply)"]]`, qline))
	} else {
		ed.waitScreen("undefinedName", "#1 potsbo: why undefined? (1 reply)")
	}
	ed.do("LspShareResolve 1")
	ed.waitEval("execute('messages') =~# 'only potsbo, who asked, or the navigator'", "1")
	since = nav.p.Since()
	ed.do("LspShareResolve #3")
	nav.awaitNotes(since, "ann's question resolved", func(ns []note) bool { return len(ns) == 4 && ns[2].Resolved && !ns[0].Resolved })
	ed.waitEval(notePlaces, fmt.Sprintf(`[[%d,"LspShareResolved"],[%d,"LspShareQuestion"],[%d,"LspShareNote"]]`, line, qline, nline))
	// The quickfix list is :LspShareNotes's, and so follows the notes.
	want := `["potsbo: why undefined? (1 reply)","  ann: it is built in","potsbo: prefix is local","ann: what | is %this? (resolved)","ann: the entry point"]`
	ed.waitEval(quickfixTexts, want)

	// The hand: up in the statusline and at the hub, then down; summon is
	// the navigator's.
	since = nav.p.Since()
	ed.do("LspShareHand")
	nav.awaitState(since, "ann's hand", func(st map[string]any) bool { return st["hands"] == 1.0 })
	ed.waitEval(`lspshare#statusline() =~# ' · ✋ 1$'`, "1")
	if !nvim {
		ed.waitScreen("main.go", "✋ 1]")
	}
	ed.do("LspShareHand")
	ed.waitEval(`get(g:lspshare_state, 'hands', -1)`, "0")
	ed.do("LspShareSummon")
	ed.waitEval("execute('messages') =~# 'you joined with an attend link'", "1")

	// Leaving takes the notes away.
	ed.do("LspShareLeave")
	ed.waitEval(notePlaces, "[]")
	if nvim {
		ed.waitEval(noteTexts, "[]")
		ed.checkNothingDeprecated()
	} else if screen := ed.screenNow(); slices.ContainsFunc(strings.Split(screen, "\n"), func(l string) bool { return strings.Contains(l, "#1 potsbo") }) {
		t.Errorf("after leaving, Vim still shows the notes:\n%s", screen)
	}
	ed.quit()
}
