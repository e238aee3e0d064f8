package proxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

func TestMain(m *testing.M) { lsptest.Main(m) }

// harness is a Proxy run in this process between a test client and a
// server process, recording its events and its log.
type harness struct {
	p   *proxy.Proxy
	c   *lsptest.Editor
	log *lsptest.LockedBuffer

	mu     sync.Mutex
	events []proxy.Event
}

// startProxy runs a Proxy with cfg (its Logger and OnEvent are the
// harness's) until the test ends, and connects a client to it.
func startProxy(t *testing.T, cfg proxy.Config, handlers map[string]lsptest.Handler) *harness {
	t.Helper()
	h := &harness{log: &lsptest.LockedBuffer{}}
	cfg.Logger = slog.New(slog.NewTextHandler(h.log, nil))
	cfg.OnEvent = func(e proxy.Event) {
		h.mu.Lock()
		h.events = append(h.events, e)
		h.mu.Unlock()
	}
	editorR, editorW := io.Pipe() // editor → proxy
	proxyR, proxyW := io.Pipe()   // proxy → editor
	h.p = proxy.New(cfg, editorR, proxyW)
	done := make(chan error, 1)
	go func() {
		done <- h.p.Run(context.Background())
		proxyW.Close()
	}()
	t.Cleanup(func() {
		editorW.Close() // the editor went away: Run must end
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("proxy.Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("proxy.Run did not end after its input closed")
		}
		if t.Failed() {
			t.Logf("proxy log:\n%s", h.log.String())
		}
	})
	h.c = lsptest.Connect(t, proxyR, editorW, handlers)
	return h
}

// Events returns the events so far.
func (h *harness) Events() []proxy.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

// eventsOf returns the events of one kind.
func (h *harness) eventsOf(kind proxy.EventKind) []proxy.Event {
	var out []proxy.Event
	for _, e := range h.Events() {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// roundTrip makes a request round trip through the proxy and the fake server:
// once it is answered, the proxy has handled, and the fake server recorded,
// everything the client sent before it.
func roundTrip(t *testing.T, ctx context.Context, c *lsptest.Editor) {
	t.Helper()
	if _, err := c.Call(ctx, "lsptest/sync", nil); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

// TestPassthroughBytes checks that messages the proxy does not change go
// through byte for byte in both directions: key order, spacing, escapes,
// ids beyond 2^53 and string ids, notifications of any name.
func TestPassthroughBytes(t *testing.T) {
	argv, rec := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv}, map[string]lsptest.Handler{
		"odd/ask": func(context.Context, json.RawMessage) (any, error) { return nil, lsptest.ErrNoAnswer },
	})
	ctx := testContext(t)

	// Editor → server: a request with a huge id and odd formatting; the
	// fake server echoes params and id verbatim.
	request := `{ "params" : {"z":1,"a":"\u00e9\ud834\udd1e","n":1.50e3} , "method":"odd/echo","id":9007199254740993,"jsonrpc":"2.0"}`
	since := h.c.Since()
	if err := h.c.WriteBody([]byte(request)); err != nil {
		t.Fatal(err)
	}
	got, err := h.c.Await(ctx, since, lsptest.ResponseTo("9007199254740993"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"result":{"method":"odd/echo","params":{"z":1,"a":"\u00e9\ud834\udd1e","n":1.50e3}},"id":9007199254740993,"jsonrpc":"2.0"}`
	if string(got.Raw) != want {
		t.Errorf("answer bytes changed:\n got %s\nwant %s", got.Raw, want)
	}

	// Server → editor: a notification and a request of the server, as the
	// fake server writes them.
	notification := `{"method":"odd/note","jsonrpc":"2.0","params":[null, {"b":true}]}`
	serverRequest := `{"jsonrpc":"2.0","id":"s-1","method":"odd/ask","params":{}}`
	emit, _ := json.Marshal([]string{notification, serverRequest})
	since = h.c.Since()
	if err := h.c.Notify("fake/emit", json.RawMessage(emit)); err != nil {
		t.Fatal(err)
	}
	note, err := h.c.Await(ctx, since, lsptest.Method("odd/note"))
	if err != nil {
		t.Fatal(err)
	}
	if string(note.Raw) != notification {
		t.Errorf("notification bytes changed:\n got %s\nwant %s", note.Raw, notification)
	}
	ask, err := h.c.Await(ctx, since, lsptest.Method("odd/ask"))
	if err != nil {
		t.Fatal(err)
	}
	if string(ask.Raw) != serverRequest {
		t.Errorf("server request bytes changed:\n got %s\nwant %s", ask.Raw, serverRequest)
	}

	// Editor → server: the answer to the server's request, and a
	// notification of an unknown name.
	answer := `{"id":"s-1","result":{"y":[1, 2]},"jsonrpc":"2.0"}`
	note2 := `{"jsonrpc":"2.0","method":"$/odd","params":{"x":"\/"}}`
	if err := h.c.WriteBody([]byte(answer)); err != nil {
		t.Fatal(err)
	}
	if err := h.c.WriteBody([]byte(note2)); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, ctx, h.c)
	bodies, err := rec.Bodies()
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	for _, b := range bodies {
		recorded = append(recorded, string(b))
	}
	for _, sent := range []string{request, answer, note2} {
		if !slices.Contains(recorded, sent) {
			t.Errorf("the server did not get, byte for byte:\n%s\nit got:\n%s", sent, strings.Join(recorded, "\n"))
		}
	}
}

// TestCursorNotification checks that $/lspshare/cursor becomes a Cursor
// event and never reaches the server.
func TestCursorNotification(t *testing.T) {
	argv, rec := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv}, nil)
	ctx := testContext(t)

	uri := "file:///w/main.go"
	for _, params := range []string{
		`{"uri":"file:///w/main.go","position":{"line":3,"character":7}}`,
		`{"uri":"file:///w/main.go","range":{"start":{"line":3,"character":7},"end":{"line":3,"character":9}}}`,
	} {
		if err := h.c.Notify(proxy.CursorMethod, json.RawMessage(params)); err != nil {
			t.Fatal(err)
		}
	}
	roundTrip(t, ctx, h.c)

	methods, err := rec.Methods()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(methods, proxy.CursorMethod) {
		t.Errorf("the server got %s: %q", proxy.CursorMethod, methods)
	}
	cursors := h.eventsOf(proxy.Cursor)
	if len(cursors) != 2 {
		t.Fatalf("cursor events = %+v, want 2", cursors)
	}
	for i, wantEnd := range []uint32{7, 9} {
		e := cursors[i]
		if !e.Exact || e.Method != proxy.CursorMethod || string(e.From.URI) != uri ||
			e.From.Range.Start.Line != 3 || e.From.Range.Start.Character != 7 || e.From.Range.End.Character != wantEnd {
			t.Errorf("cursor event %d = %+v, want %s 3:7-3:%d, exact", i, e, uri, wantEnd)
		}
	}
}

// TestJumpAnswerForms checks that each form LSP allows for a definition's
// answer (Location, Location[], LocationLink[], null) is read, with a
// scripted server.
func TestJumpAnswerForms(t *testing.T) {
	argv, _ := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv}, nil)
	ctx := testContext(t)

	rng := `{"start":{"line":1,"character":2},"end":{"line":1,"character":5}}`
	other := `{"start":{"line":9,"character":0},"end":{"line":12,"character":1}}`
	for _, c := range []struct {
		method, result string
		targets        int
	}{
		{"textDocument/definition", `{"uri":"file:///t/a.go","range":` + rng + `}`, 1},
		{"textDocument/declaration", `[{"uri":"file:///t/a.go","range":` + rng + `},{"uri":"file:///t/b.go","range":` + rng + `}]`, 2},
		{"textDocument/typeDefinition", `[{"targetUri":"file:///t/a.go","targetRange":` + other + `,"targetSelectionRange":` + rng + `}]`, 1},
		{"textDocument/implementation", `null`, 0},
		{"textDocument/definition", `[]`, 0},
	} {
		before := len(h.eventsOf(proxy.Jump))
		params := json.RawMessage(`{"textDocument":{"uri":"file:///t/from.go"},"position":{"line":4,"character":8},"lsptest.result":` + c.result + `}`)
		res, err := h.c.Call(ctx, c.method, params)
		if err != nil {
			t.Fatal(err)
		}
		if string(res) != c.result {
			t.Errorf("%s: answer changed: %s, want %s", c.method, res, c.result)
		}
		jumps := h.eventsOf(proxy.Jump)[before:]
		if c.targets == 0 {
			if len(jumps) != 0 {
				t.Errorf("%s answered %s: jump events %+v, want none", c.method, c.result, jumps)
			}
			continue
		}
		if len(jumps) != 1 {
			t.Fatalf("%s answered %s: jump events %+v, want 1", c.method, c.result, jumps)
		}
		j := jumps[0]
		if j.Method != c.method || j.From.URI != "file:///t/from.go" || j.From.Range.Start.Line != 4 || j.From.Range.Start.Character != 8 {
			t.Errorf("%s: jump from %+v, want file:///t/from.go 4:8", c.method, j)
		}
		if len(j.To) != c.targets || j.To[0].URI != "file:///t/a.go" || j.To[0].Range.Start.Line != 1 || j.To[0].Range.End.Character != 5 {
			t.Errorf("%s: jump to %+v, want %d targets, first file:///t/a.go 1:2-1:5", c.method, j.To, c.targets)
		}
	}
}

// TestDocumentTracking checks that the proxy applies incremental changes as
// the editor does, counting columns in the negotiated encoding.
func TestDocumentTracking(t *testing.T) {
	const uri = "file:///t/doc.go"
	// 𝔤 is outside the BMP: 2 UTF-16 units, 4 UTF-8 bytes; é is 1 and 2.
	const text = "a𝔤b\néx\nline3\n"
	type change struct {
		start, end [2]int // line, character; nil range when start[0] < 0
		text       string
	}
	for _, c := range []struct {
		encoding string
		changes  []change
		want     string
	}{
		{"utf-16", []change{
			{[2]int{0, 3}, [2]int{0, 3}, "Z"},   // after 𝔤
			{[2]int{1, 0}, [2]int{1, 1}, "e"},   // é → e
			{[2]int{0, 1}, [2]int{0, 3}, "𝔥𝔥"},  // replace 𝔤
			{[2]int{1, 2}, [2]int{2, 4}, "-"},   // across lines
			{[2]int{2, 0}, [2]int{2, 99}, "≠"},  // past the end of a line
			{[2]int{9, 0}, [2]int{9, 0}, "end"}, // past the end of the text
		}, "a𝔥𝔥Zb\nex-3\n≠end"},
		{"utf-8", []change{
			{[2]int{0, 5}, [2]int{0, 5}, "Z"}, // after 𝔤 (1+4 bytes)
			{[2]int{1, 0}, [2]int{1, 2}, "e"}, // é is 2 bytes
		}, "a𝔤Zb\nex\nline3\n"},
		{"utf-16", []change{
			{[2]int{-1, 0}, [2]int{}, "whole\n"}, // no range: the whole text
			{[2]int{1, 0}, [2]int{1, 0}, "more"},
		}, "whole\nmore"},
	} {
		t.Run(c.encoding, func(t *testing.T) {
			argv, _ := lsptest.FakeServer(t)
			h := startProxy(t, proxy.Config{Server: argv}, nil)
			ctx := testContext(t)
			params := lsptest.InitializeParams("file:///t")
			params["capabilities"].(map[string]any)["general"] = map[string]any{"positionEncodings": []string{c.encoding}}
			if _, err := h.c.Initialize(ctx, params); err != nil {
				t.Fatal(err)
			}
			if got := h.p.Editor().PositionEncoding; got != c.encoding {
				t.Fatalf("negotiated encoding = %q, want %q", got, c.encoding)
			}
			h.c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
				"uri": uri, "languageId": "go", "version": 1, "text": text,
			}})
			for i, ch := range c.changes {
				change := map[string]any{"text": ch.text}
				if ch.start[0] >= 0 {
					change["range"] = map[string]any{
						"start": map[string]int{"line": ch.start[0], "character": ch.start[1]},
						"end":   map[string]int{"line": ch.end[0], "character": ch.end[1]},
					}
				}
				h.c.Notify("textDocument/didChange", map[string]any{
					"textDocument":   map[string]any{"uri": uri, "version": i + 2},
					"contentChanges": []any{change},
				})
			}
			roundTrip(t, ctx, h.c)
			doc, ok := h.p.Document(uri)
			if !ok {
				t.Fatalf("%s is not tracked", uri)
			}
			if string(doc.Text) != c.want || doc.Version != int32(len(c.changes)+1) {
				t.Errorf("document = %q version %d, want %q version %d", doc.Text, doc.Version, c.want, len(c.changes)+1)
			}
			h.c.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
			roundTrip(t, ctx, h.c)
			if _, ok := h.p.Document(uri); ok {
				t.Errorf("%s still tracked after didClose", uri)
			}
		})
	}
}

// TestProxyCall checks that a request of the proxy to an
// editor that never answers ends at its deadline, and that an answer is
// matched to its call.
func TestProxyCall(t *testing.T) {
	argv, rec := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv}, map[string]lsptest.Handler{
		"window/showMessageRequest": func(context.Context, json.RawMessage) (any, error) { return nil, lsptest.ErrNoAnswer },
	})
	ctx := testContext(t)

	res, err := h.p.Call(ctx, "window/showDocument", map[string]any{"uri": "file:///t/a.go", "takeFocus": true})
	if err != nil || string(res) != `{"success":true}` {
		t.Errorf("showDocument = %s, %v; want {\"success\":true}", res, err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := h.p.Call(short, "window/showMessageRequest", map[string]any{"type": 3, "message": "?"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call without answer: err = %v, want deadline exceeded", err)
	}
	roundTrip(t, ctx, h.c)
	methods, _ := rec.Methods()
	for _, m := range methods {
		if m == "" {
			t.Errorf("an answer to the proxy's own request reached the server: %q", methods)
		}
	}
}

// TestOnAnsweredAfterTheAnswer: OnAnswered runs once a command's answer is
// on its way to the editor, so what it tells the editor comes after the
// answer (the participant tells the state again there, so that an answer
// holding an older state is not the editor's last word).
func TestOnAnsweredAfterTheAnswer(t *testing.T) {
	argv, _ := lsptest.FakeServer(t)
	var px *proxy.Proxy
	h := startProxy(t, proxy.Config{Server: argv, OnAnswered: func(context.Context) {
		px.Notify("test/after", nil)
	}}, nil)
	// Both before the editor's request, which the pipe orders after them.
	px = h.p
	px.HandleCommand("test.cmd", func(context.Context, []json.RawMessage) (any, error) { return "done", nil })
	ctx := testContext(t)
	since := h.c.Since()
	if err := h.c.WriteBody([]byte(`{"jsonrpc":"2.0","id":"c1","method":"workspace/executeCommand","params":{"command":"test.cmd"}}`)); err != nil {
		t.Fatal(err)
	}
	answer, err := h.c.Await(ctx, since, lsptest.ResponseTo(`"c1"`))
	if err != nil {
		t.Fatal(err)
	}
	after, err := h.c.Await(ctx, since, lsptest.Method("test/after"))
	if err != nil {
		t.Fatal(err)
	}
	if string(answer.Result) != `"done"` || after.Seq < answer.Seq {
		t.Errorf("answer %s at %d, OnAnswered's notification at %d: want the answer first", answer.Result, answer.Seq, after.Seq)
	}
}
