package participant_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// diagnostic is the part of an LSP Diagnostic the tests read.
type diagnostic struct {
	Range    protocol.Range `json:"range"`
	Severity int            `json:"severity"`
	Source   string         `json:"source"`
	Message  string         `json:"message"`
}

// published is a publishDiagnostics's diagnostics, raw and read.
type published struct {
	raw   []json.RawMessage
	diags []diagnostic
}

// notes returns the diagnostics of notes; others those of the server.
func (p published) notes() (notes []diagnostic, others []json.RawMessage) {
	for i, d := range p.diags {
		if d.Source == "lspshare" {
			notes = append(notes, d)
		} else {
			others = append(others, p.raw[i])
		}
	}
	return notes, others
}

// awaitDiagnostics waits for a publishDiagnostics for uri that ok accepts.
func awaitDiagnostics(t *testing.T, ctx context.Context, e *lsptest.Process, name string, since int, uri string, ok func(published) bool) published {
	t.Helper()
	var last published
	_, err := e.Await(ctx, since, func(m lsptest.Message) bool {
		if !lsptest.Diagnostics(uri, -1)(m) {
			return false
		}
		var params struct{ Diagnostics []json.RawMessage }
		if json.Unmarshal(m.Params, &params) != nil {
			return false
		}
		last = published{raw: params.Diagnostics}
		for _, raw := range params.Diagnostics {
			var d diagnostic
			json.Unmarshal(raw, &d)
			last.diags = append(last.diags, d)
		}
		return ok(last)
	})
	if err != nil {
		t.Fatalf("%s: diagnostics of %s: %v (last: %+v)", name, uri, err, last.diags)
	}
	return last
}

// noteIs matches a set holding one note diagnostic with that severity,
// message and line, and (with server) some of the server's too.
func noteIs(severity int, message string, line uint32, server bool) func(published) bool {
	return func(p published) bool {
		notes, others := p.notes()
		return len(notes) == 1 && notes[0].Severity == severity && notes[0].Message == message &&
			notes[0].Range.Start.Line == line && (!server || len(others) > 0)
	}
}

// noteCommand runs lspshare.note, reply or resolve and returns the note's id.
func (e *editor) noteCommand(t *testing.T, ctx context.Context, name string, arg map[string]any) (uint64, error) {
	t.Helper()
	raw, err := e.Call(ctx, "workspace/executeCommand", map[string]any{"command": name, "arguments": []any{arg}})
	if err != nil {
		return 0, err
	}
	var answer struct{ ID uint64 }
	if err := json.Unmarshal(raw, &answer); err != nil || answer.ID == 0 {
		t.Fatalf("%s: %s answered %s", e.name, name, raw)
	}
	return answer.ID, nil
}

func at(pos protocol.Position) protocol.Range { return protocol.Range{Start: pos, End: pos} }

// TestNotesAsDiagnostics: the navigator's question shows in the attendee's
// copy of the file at the same line, as a diagnostic next to gopls's own
// for an unsaved edit; replies and resolving change it; a note in the
// module cache lands in the attendee's module cache; gopls's diagnostics
// reach the editor through the proxy exactly as gopls sends them; and a
// hub restarted on its bbolt store still has the notes for a newcomer.
func TestNotesAsDiagnostics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	serve := func(ln net.Listener) (*hub.Hub, func()) {
		db, err := store.OpenBoltStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		h := hub.New(hub.Config{BaseURL: "http://" + addr, Store: db})
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		return h, func() { srv.Close(); h.Close(); db.Close() }
	}
	h, stop := serve(ln)
	defer func() { stop() }()
	links, err := h.CreateSession("t")
	if err != nil {
		t.Fatal(err)
	}
	nav, att := startPair(t, ctx, links.Drive, links.Attend)

	// att's unsaved edit does not compile; its line count is unchanged.
	broken := strings.Replace(att.sb.ReadFile(t, "main.go"), "show(msg)", "show(msg, 1)", 1)
	since := att.Since()
	change := map[string]any{
		"textDocument":   map[string]any{"uri": att.sb.URI("main.go"), "version": 2},
		"contentChanges": []any{map[string]any{"text": broken}},
	}
	if err := att.Notify("textDocument/didChange", change); err != nil {
		t.Fatal(err)
	}
	line := nav.sb.Pos(t, "main.go", "msg := greet").Line
	id, err := nav.noteCommand(t, ctx, "lspshare.note", map[string]any{
		"uri": nav.sb.URI("main.go"), "range": at(nav.sb.Pos(t, "main.go", "msg := greet")), "text": "why is this locked?", "question": true,
	})
	if err != nil {
		t.Fatalf("note: %v", err)
	}
	attMain := att.sb.URI("main.go")
	merged := awaitDiagnostics(t, ctx, att.Process, "att", since, attMain, noteIs(3, "nav: why is this locked?", line, true))

	// Replies count; only its author or the navigator resolves a question.
	since = att.Since()
	if _, err := att.noteCommand(t, ctx, "lspshare.reply", map[string]any{"id": id, "text": "is it the cache?"}); err != nil {
		t.Fatalf("reply: %v", err)
	}
	awaitDiagnostics(t, ctx, att.Process, "att", since, attMain, noteIs(3, "nav: why is this locked? (1 reply)", line, true))
	if _, err := att.noteCommand(t, ctx, "lspshare.resolve", map[string]any{"id": id}); err == nil || !strings.Contains(err.Error(), "only nav, who asked, or the navigator") {
		t.Errorf("att resolving nav's question: %v", err)
	}
	if _, err := att.noteCommand(t, ctx, "lspshare.note", map[string]any{"uri": attMain, "range": at(protocol.Position{}), "text": strings.Repeat("x", wire.MaxNoteText+1)}); err == nil || !strings.Contains(err.Error(), "4 KiB") {
		t.Errorf("a note over 4 KiB: %v", err)
	}
	since = att.Since()
	if _, err := nav.noteCommand(t, ctx, "lspshare.resolve", map[string]any{"id": id}); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	awaitDiagnostics(t, ctx, att.Process, "att", since, attMain, noteIs(4, "nav: why is this locked? (1 reply, resolved)", line, true))

	// A note in the navigator's module cache shows in the attendee's, and
	// in the list for plugins.
	navDep := lsptest.FileURI(nav.sb.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go"
	attDep := lsptest.FileURI(att.sb.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go"
	depLine := uint32(4) // func Answer
	since = att.Since()
	if _, err := nav.noteCommand(t, ctx, "lspshare.note", map[string]any{"uri": navDep, "range": at(protocol.Position{Line: depLine}), "text": "always 42"}); err != nil {
		t.Fatalf("note in the module cache: %v", err)
	}
	awaitDiagnostics(t, ctx, att.Process, "att", since, attDep, noteIs(4, "nav: always 42", depLine, false))
	if _, err := att.Await(ctx, since, func(m lsptest.Message) bool {
		var p struct {
			Notes []struct {
				ID  uint64
				URI string
			}
		}
		return m.Method == "$/lspshare/notes" && json.Unmarshal(m.Params, &p) == nil && len(p.Notes) == 2 && p.Notes[0].URI == attMain && p.Notes[1].URI == attDep
	}); err != nil {
		t.Errorf("$/lspshare/notes with both notes in att's files: %v", err)
	}

	// gopls's own diagnostics are byte for byte what gopls publishes to an
	// editor of its own: on main.go, which has a note, and on greet.go,
	// which has none while other files do.
	brokenGreet := strings.Replace(att.sb.ReadFile(t, "greet/greet.go"), `const suffix = "!"`, `const suffix = 1 + "!"`, 1)
	greetOpen := att.sb.OpenParams(t, "greet/greet.go")
	greetOpen.TextDocument.Text = brokenGreet
	since = att.Since()
	if err := att.Notify("textDocument/didOpen", greetOpen); err != nil {
		t.Fatal(err)
	}
	attGreet := att.sb.URI("greet/greet.go")
	greetViaProxy := awaitDiagnostics(t, ctx, att.Process, "att", since, attGreet, func(p published) bool { return len(p.raw) > 0 })
	direct := lsptest.Start(t, []string{lsptest.Gopls(t)}, lsptest.Options{Dir: att.sb.Workdir, Env: att.sb.Env()})
	if _, err := direct.Initialize(ctx, lsptest.InitializeParams(att.sb.RootURI())); err != nil {
		t.Fatal(err)
	}
	mainOpen := att.sb.OpenParams(t, "main.go")
	mainOpen.TextDocument.Text = broken
	for _, open := range []any{mainOpen, greetOpen} {
		if err := direct.Notify("textDocument/didOpen", open); err != nil {
			t.Fatal(err)
		}
	}
	_, mainViaProxy := merged.notes()
	for _, c := range []struct {
		uri      string
		viaProxy []json.RawMessage
	}{{attMain, mainViaProxy}, {attGreet, greetViaProxy.raw}} {
		fromGopls := awaitDiagnostics(t, ctx, direct, "gopls", 0, c.uri, func(p published) bool { return len(p.raw) == len(c.viaProxy) })
		if !slices.Equal(sortedRaw(fromGopls.raw), sortedRaw(c.viaProxy)) {
			t.Errorf("%s: gopls's diagnostics through the proxy:\n%s\nstraight from gopls:\n%s", c.uri, sortedRaw(c.viaProxy), sortedRaw(fromGopls.raw))
		}
	}

	// The hub restarts on its store; a newcomer gets the notes. Cy's
	// module cache is empty: the file of the note in nav's module cache is
	// brought from nav, read-only, with the note's diagnostic on it.
	since = nav.Since()
	stop()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	_, stop = serve(ln)
	nav.awaitState(t, ctx, since, func(s state) bool { return s.Connected && s.Wheel == "nav" })
	cy := startEditorIn(t, ctx, brokenDemo(t), "cy", links.Attend)
	if err := cy.Notify("textDocument/didOpen", cy.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	awaitDiagnostics(t, ctx, cy.Process, "cy", 0, cy.sb.URI("main.go"), noteIs(4, "nav: why is this locked? (1 reply, resolved)", line, false))
	var brought string
	if _, err := cy.Await(ctx, 0, func(m lsptest.Message) bool {
		var p struct{ Notes []struct{ URI string } }
		if m.Method != "$/lspshare/notes" || json.Unmarshal(m.Params, &p) != nil || len(p.Notes) != 2 {
			return false
		}
		brought = p.Notes[1].URI
		return strings.HasSuffix(brought, "/example.com/dep@v1.0.0/dep.go")
	}); err != nil {
		t.Fatalf("cy: no note in a brought dep.go: %v", err)
	}
	if strings.HasPrefix(brought, lsptest.FileURI(cy.sb.GOMODCACHE)) {
		t.Fatalf("cy's dep.go note at %s, in cy's empty module cache", brought)
	}
	awaitDiagnostics(t, ctx, cy.Process, "cy", 0, brought, noteIs(4, "nav: always 42", depLine, false))
}

func sortedRaw(raw []json.RawMessage) []string {
	out := make([]string, len(raw))
	for i, r := range raw {
		out[i] = string(r)
	}
	slices.Sort(out)
	return out
}

// TestNoteInVendoredFile: three readers at three paths, two with vendor/
// and one reading the module cache instead. A question in a vendored file
// shows at the same line in the other two; on the copy with an unsaved edit
// that does not compile, beside gopls's own diagnostic.
func TestNoteInVendoredFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	ven := startEditorIn(t, ctx, vendoredDemo(t), "ven", links.Drive)
	vic := startEditorIn(t, ctx, vendoredDemo(t), "vic", links.Attend)
	mod := startEditor(t, ctx, "mod", links.Attend)
	ven.awaitState(t, ctx, 0, func(s state) bool { return len(s.Participants) == 3 })

	const depGo = "vendor/example.com/dep/dep.go"
	answer := ven.sb.Pos(t, depGo, "func Answer")
	edited := vic.sb.OpenParams(t, depGo)
	edited.TextDocument.Text = strings.Replace(edited.TextDocument.Text, "return 42", `return "42"`, 1)
	vicSince, modSince := vic.Since(), mod.Since()
	if err := vic.Notify("textDocument/didOpen", edited); err != nil {
		t.Fatal(err)
	}
	if _, err := ven.noteCommand(t, ctx, "lspshare.note", map[string]any{
		"uri": ven.sb.URI(depGo), "range": at(answer), "text": "why 42?", "question": true,
	}); err != nil {
		t.Fatalf("note: %v", err)
	}
	awaitDiagnostics(t, ctx, vic.Process, "vic", vicSince, vic.sb.URI(depGo), noteIs(3, "ven: why 42?", answer.Line, true))
	modDep := lsptest.FileURI(mod.sb.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go"
	awaitDiagnostics(t, ctx, mod.Process, "mod", modSince, modDep, noteIs(3, "ven: why 42?", answer.Line, false))
}
