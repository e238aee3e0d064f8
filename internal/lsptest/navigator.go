package lsptest

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// Navigator is a scripted navigator for editors' tests: an editor speaking
// LSP to its own lspshare proxy and gopls, in a sandbox of its own, that
// opens files and jumps to definitions as an editor does.
type Navigator struct {
	t       testing.TB
	Sandbox *Sandbox
	*Process
}

// navigatorWait bounds each of the navigator's requests (gopls's first
// answer in a fresh cache takes a few seconds).
const navigatorWait = 60 * time.Second

// StartNavigator starts a proxy on gopls in a new sandbox of files (a txtar
// archive), joined with link under name, initializes it as an editor that
// handles window/showDocument, and opens main.go. With an attend link it
// is a scripted attendee.
func StartNavigator(t testing.TB, files, link, name string) *Navigator {
	t.Helper()
	sb := NewSandbox(t, SandboxConfig{Files: files})
	p := Start(t, []string{Lspshare(t), "lsp", "--server", Gopls(t), "--join", link, "--name", name},
		Options{Dir: sb.Workdir, Env: sb.Env()})
	n := &Navigator{t: t, Sandbox: sb, Process: p}
	if _, err := p.Call(n.context(), "initialize", map[string]any{
		"processId": nil, "rootUri": sb.RootURI(),
		"workspaceFolders": []any{map[string]any{"uri": sb.RootURI(), "name": "work"}},
		"capabilities":     map[string]any{"window": map[string]any{"showDocument": map[string]any{"support": true}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Notify("initialized", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	n.Open("main.go")
	return n
}

func (n *Navigator) context() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), navigatorWait)
	n.t.Cleanup(cancel)
	return ctx
}

// Open opens a workspace file.
func (n *Navigator) Open(file string) {
	n.t.Helper()
	if err := n.Notify("textDocument/didOpen", n.Sandbox.OpenParams(n.t, file)); err != nil {
		n.t.Fatal(err)
	}
}

// Jump goes to the definition of the first occurrence of text in file, as
// an editor does: definition, then open the target, which must be in
// wantFile.
func (n *Navigator) Jump(file, text, wantFile string) {
	n.t.Helper()
	result, err := n.Call(n.context(), "textDocument/definition", n.Sandbox.At(n.t, file, text))
	if err != nil {
		n.t.Fatalf("definition of %q in %s: %v", text, file, err)
	}
	var locs []struct{ URI string }
	if err := json.Unmarshal(result, &locs); err != nil || len(locs) == 0 || locs[0].URI != n.Sandbox.URI(wantFile) {
		n.t.Fatalf("definition of %q in %s: %s, want a location in %s", text, file, result, wantFile)
	}
	n.Open(wantFile)
}
