package proxy_test

import (
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

// TestNavigationEventsWithGopls checks the events of a real session: one
// Jump per answered definition, carrying where the editor was and where it
// goes, none for a definition that finds nothing; an Open per didOpen; a
// Cursor per hover.
func TestNavigationEventsWithGopls(t *testing.T) {
	gopls := lsptest.Gopls(t)
	sb := lsptest.NewDemo(t)
	for _, kv := range sb.Env() { // the proxy runs gopls with this process's environment
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	h := startProxy(t, proxy.Config{Server: []string{gopls}}, nil)
	ctx := testContext(t)
	if _, err := h.c.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
		t.Fatal(err)
	}
	since := h.c.Since()
	h.c.Notify("textDocument/didOpen", sb.OpenParams(t, "main.go"))
	if _, err := h.c.Await(ctx, since, lsptest.Diagnostics(sb.URI("main.go"), 1)); err != nil {
		t.Fatal(err)
	}
	if opens := h.eventsOf(proxy.Open); len(opens) != 1 || string(opens[0].From.URI) != sb.URI("main.go") {
		t.Errorf("open events = %+v, want one for main.go", opens)
	}

	from := sb.At(t, "main.go", "Hello(")
	if _, err := h.c.Call(ctx, "textDocument/definition", from); err != nil {
		t.Fatal(err)
	}
	jumps := h.eventsOf(proxy.Jump)
	if len(jumps) != 1 {
		t.Fatalf("jump events = %+v, want 1", jumps)
	}
	j, target := jumps[0], sb.Pos(t, "greet/greet.go", "Hello(")
	if j.Method != "textDocument/definition" || j.From.URI != from.TextDocument.URI || j.From.Range.Start != from.Position {
		t.Errorf("jump from %s %+v, want %s %+v", j.From.URI, j.From.Range.Start, from.TextDocument.URI, from.Position)
	}
	if len(j.To) != 1 || string(j.To[0].URI) != sb.URI("greet/greet.go") || j.To[0].Range.Start != target {
		t.Errorf("jump to %+v, want greet/greet.go %+v", j.To, target)
	}

	// On the keyword "func" there is no definition: no jump.
	if _, err := h.c.Call(ctx, "textDocument/definition", sb.At(t, "main.go", "func main")); err != nil {
		t.Fatal(err)
	}
	if n := len(h.eventsOf(proxy.Jump)); n != 1 {
		t.Errorf("%d jump events after a definition that found nothing, want still 1", n)
	}

	at := sb.At(t, "main.go", "Println(msg")
	if _, err := h.c.Call(ctx, "textDocument/hover", at); err != nil {
		t.Fatal(err)
	}
	if cursors := h.eventsOf(proxy.Cursor); len(cursors) != 1 || cursors[0].Exact || cursors[0].From.Range.Start != at.Position {
		t.Errorf("cursor events after hover = %+v, want one at %+v, not exact", cursors, at.Position)
	}
	if _, err := h.c.Call(ctx, "shutdown", nil); err != nil {
		t.Fatal(err)
	}
	h.c.Notify("exit", nil)
}
