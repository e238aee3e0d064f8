package proxy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

// TestServerRestart: a server that crashes is started again, the request
// it owed gets an error, the new server gets the editor's initialize and
// every open document as it is now, and the editor goes on.
func TestServerRestart(t *testing.T) {
	argv, rec := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv}, nil)
	ctx := testContext(t)
	params := lsptest.InitializeParams("file:///w")
	if _, err := h.c.Initialize(ctx, params); err != nil {
		t.Fatal(err)
	}
	uri := "file:///w/a.go"
	h.c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "go", "version": 1, "text": "package a\n"}})
	h.c.Notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"range": map[string]any{"start": map[string]int{"line": 1, "character": 0}, "end": map[string]int{"line": 1, "character": 0}}, "text": "var X = 1\n"}},
	})

	since := h.c.Since()
	if _, err := h.c.Call(ctx, "fake/crash", map[string]any{}); err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("the request the crashed server owed: err = %v, want an error saying it crashed", err)
	}
	if _, err := h.c.Await(ctx, since, lsptest.ShowMessage("starting it again")); err != nil {
		t.Fatal(err)
	}
	answer := awaitServer(t, h)
	if !strings.Contains(string(answer), `"method":"fake/echo"`) {
		t.Errorf("answer after restart: %s", answer)
	}

	bodies, err := rec.Bodies()
	if err != nil {
		t.Fatal(err)
	}
	var after []string // what the second server received, up to the echo
	seenCrash := false
	for _, b := range bodies {
		var m struct {
			Method string
			Params json.RawMessage
		}
		json.Unmarshal(b, &m)
		if seenCrash {
			after = append(after, m.Method+" "+string(m.Params))
		}
		seenCrash = seenCrash || m.Method == "fake/crash"
	}
	if len(after) < 3 || !strings.HasPrefix(after[0], "initialize ") || !strings.HasPrefix(after[1], "initialized") ||
		!strings.HasPrefix(after[2], "textDocument/didOpen") || !strings.Contains(after[2], `package a\nvar X = 1\n`) || !strings.Contains(after[2], `"version":2`) {
		t.Errorf("the restarted server received:\n%s", strings.Join(after, "\n"))
	}
	if !strings.Contains(after[0], `"rootUri":"file:///w"`) {
		t.Errorf("replayed initialize is not the editor's: %s", after[0])
	}
}

// TestServerGivenUp: a server that keeps crashing is given up; the editor
// is told and still gets answers (errors), never a hang.
func TestServerGivenUp(t *testing.T) {
	argv, _ := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv}, nil)
	ctx := testContext(t)
	if _, err := h.c.Initialize(ctx, lsptest.InitializeParams("file:///w")); err != nil {
		t.Fatal(err)
	}
	for crash := 1; crash <= 4; crash++ {
		since := h.c.Since()
		h.c.Notify("fake/crash", nil)
		if crash == 4 {
			if _, err := h.c.Await(ctx, since, lsptest.ShowMessage("crashed 4 times")); err != nil {
				t.Fatal(err)
			}
			break
		}
		if _, err := h.c.Await(ctx, since, lsptest.ShowMessage("starting it again")); err != nil {
			t.Fatal(err)
		}
		awaitServer(t, h)
	}
	if _, err := h.c.Call(ctx, "fake/echo", nil); err == nil {
		t.Errorf("a request answered without a server")
	}
}

// awaitServer asks the fake server to echo until a restarted one answers
// (until then the proxy answers with an error), and returns the answer.
func awaitServer(t *testing.T, h *harness) json.RawMessage {
	t.Helper()
	ctx := testContext(t)
	for {
		raw, err := h.c.Call(ctx, "fake/echo", map[string]any{"n": 1})
		if err == nil {
			return raw
		}
		if ctx.Err() != nil {
			t.Fatalf("no server answered after the restart: %v", err)
		}
	}
}
