package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
)

func TestMain(m *testing.M) { lsptest.Main(m) }

// side is one way of reaching gopls: straight, or through lspshare lsp.
type side struct {
	name string
	srv  *lsptest.Process
}

// pair is gopls reached both ways on the same workspace. Every scenario
// runs on both sides in step, so that the requests, and their ids, are the
// same on each.
type pair struct {
	sb    *lsptest.Sandbox
	sides [2]*side // direct, forwarded
}

// startPair starts gopls directly and through the lspshare binary, with the
// same handlers on both clients.
func startPair(t *testing.T, sb *lsptest.Sandbox, handlers map[string]lsptest.Handler) *pair {
	t.Helper()
	gopls := lsptest.Gopls(t)
	lspshare := lsptest.Lspshare(t)
	opts := lsptest.Options{Dir: sb.Workdir, Env: sb.Env(), Handlers: handlers}
	return &pair{sb: sb, sides: [2]*side{
		{"direct", lsptest.Start(t, []string{gopls, "-rpc.trace"}, opts)},
		// gopls's own flag after ours: the proxy hands it on.
		{"forwarded", lsptest.Start(t, []string{lspshare, "lsp", "--server", gopls, "-rpc.trace"}, opts)},
	}}
}

// each runs f on both sides and returns their results.
func (p *pair) each(t *testing.T, f func(s *side) []byte) (direct, forwarded []byte) {
	t.Helper()
	return f(p.sides[0]), f(p.sides[1])
}

// call sends the same request on both sides and fails unless the answers
// are equal.
func (p *pair) call(t *testing.T, ctx context.Context, method string, params any) json.RawMessage {
	t.Helper()
	d, f := p.each(t, func(s *side) []byte {
		res, err := s.srv.Call(ctx, method, params)
		if err != nil {
			t.Fatalf("%s: %s: %v", s.name, method, err)
		}
		return res
	})
	sameJSON(t, method, d, f)
	return d
}

// sameJSON fails unless direct and forwarded are the same JSON value.
func sameJSON(t *testing.T, what string, direct, forwarded []byte) {
	t.Helper()
	if bytes.Equal(direct, forwarded) {
		return
	}
	var d, f any
	if err := json.Unmarshal(direct, &d); err != nil {
		t.Fatalf("%s: direct answer is not JSON: %v", what, err)
	}
	if err := json.Unmarshal(forwarded, &f); err != nil {
		t.Fatalf("%s: forwarded answer is not JSON: %v", what, err)
	}
	if !reflect.DeepEqual(d, f) {
		t.Errorf("%s: answers differ\ndirect:    %.2000s\nforwarded: %.2000s", what, direct, forwarded)
	}
}

func TestDirectVsForwarded(t *testing.T) {
	sb := lsptest.NewDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// gopls asks for its settings in its initialized handler, which holds
	// its request queue: keeping the answer back makes a request sent
	// meanwhile wait, so that its cancellation is certain to win.
	release := make(chan struct{})
	settings := map[string]any{"linksInHover": false}
	answer := lsptest.ConfigurationHandler(settings)
	p := startPair(t, sb, map[string]lsptest.Handler{
		"workspace/configuration": func(ctx context.Context, params json.RawMessage) (any, error) {
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return answer(ctx, params)
		},
	})

	t.Run("initialize", func(t *testing.T) {
		d, f := p.each(t, func(s *side) []byte {
			res, err := s.srv.Call(ctx, "initialize", lsptest.InitializeParams(sb.RootURI()))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			return res
		})
		sameJSON(t, "initialize", d, withoutOwnCommands(t, f))
		if cmds := commandsOf(t, f); !slices.Contains(cmds, "lspshare.status") {
			t.Errorf("forwarded commands lack lspshare.status: %v", cmds)
		}
		if cmds := commandsOf(t, d); len(cmds) == 0 {
			t.Errorf("gopls offered no commands: %s", d)
		}
	})

	var cancelled [2]*lsptest.Pending
	t.Run("configuration-and-cancel", func(t *testing.T) {
		d, f := p.each(t, func(s *side) []byte {
			since := s.srv.Since()
			if err := s.srv.Notify("initialized", struct{}{}); err != nil {
				t.Fatal(err)
			}
			req, err := s.srv.Await(ctx, since, lsptest.Method("workspace/configuration"))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			return req.Params
		})
		sameJSON(t, "workspace/configuration params", d, f)
		for i, s := range p.sides {
			var err error
			if cancelled[i], err = s.srv.Send("workspace/symbol", map[string]string{"query": "Hello"}); err != nil {
				t.Fatal(err)
			}
			if err := cancelled[i].Cancel(); err != nil {
				t.Fatal(err)
			}
		}
		close(release)
		d, f = p.each(t, func(s *side) []byte {
			i := slices.Index(p.sides[:], s)
			m, err := cancelled[i].Wait(ctx)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if m.Error == nil || m.Error.Code != lsptest.CodeRequestCancelled {
				t.Errorf("%s: cancelled request answered %s, want error %d", s.name, m.Raw, lsptest.CodeRequestCancelled)
			}
			return m.Raw
		})
		sameJSON(t, "cancelled request", d, f)
		fwd := p.sides[1].srv
		if !strings.Contains(fwd.Stderr(), "$/cancelRequest") {
			t.Errorf("gopls's trace behind the proxy shows no $/cancelRequest:\n%.3000s", fwd.Stderr())
		}
	})

	t.Run("open", func(t *testing.T) {
		p.each(t, func(s *side) []byte {
			since := s.srv.Since()
			if err := s.srv.Notify("textDocument/didOpen", sb.OpenParams(t, "main.go")); err != nil {
				t.Fatal(err)
			}
			if _, err := s.srv.Await(ctx, since, lsptest.Diagnostics(sb.URI("main.go"), 1)); err != nil {
				t.Fatalf("%s: no diagnostics for main.go: %v", s.name, err)
			}
			return nil
		})
	})

	t.Run("definition", func(t *testing.T) {
		for _, c := range []struct{ name, at, want string }{
			{"same-file", "show(msg)", sb.URI("main.go")},
			{"cross-package", "Hello(", sb.URI("greet/greet.go")},
			{"goroot", "Println(msg", "/src/fmt/print.go"},
			{"module", "Answer()", lsptest.FileURI(sb.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := p.call(t, ctx, "textDocument/definition", sb.At(t, "main.go", c.at))
				var locs []struct{ URI string }
				if err := json.Unmarshal(res, &locs); err != nil || len(locs) != 1 || !strings.HasSuffix(locs[0].URI, c.want) {
					t.Errorf("definition = %s, want one location in %s", res, c.want)
				}
			})
		}
	})

	t.Run("hover", func(t *testing.T) {
		res := p.call(t, ctx, "textDocument/hover", sb.At(t, "main.go", "Println(msg"))
		if !strings.Contains(string(res), "Println") {
			t.Errorf("hover = %s, want Println's doc", res)
		}
		// The settings answered to workspace/configuration reached gopls
		// through the proxy: no link to pkg.go.dev.
		if strings.Contains(string(res), "pkg.go.dev") {
			t.Errorf("hover has a link although linksInHover is false: %s", res)
		}
	})

	t.Run("references", func(t *testing.T) {
		at := sb.At(t, "main.go", "Hello(")
		res := p.call(t, ctx, "textDocument/references", map[string]any{
			"textDocument": at.TextDocument, "position": at.Position,
			"context": map[string]bool{"includeDeclaration": true},
		})
		var locs []any
		if json.Unmarshal(res, &locs); len(locs) != 2 {
			t.Errorf("references of greet.Hello = %s, want 2 (declaration and call)", res)
		}
	})

	t.Run("documentSymbol", func(t *testing.T) {
		res := p.call(t, ctx, "textDocument/documentSymbol", map[string]any{"textDocument": map[string]string{"uri": sb.URI("main.go")}})
		if !strings.Contains(string(res), `"show"`) {
			t.Errorf("documentSymbol = %s, want show", res)
		}
	})

	t.Run("completion", func(t *testing.T) {
		at := sb.At(t, "main.go", "Println(msg")
		at.Position.Character += uint32(len("Print"))
		res := p.call(t, ctx, "textDocument/completion", at)
		if !strings.Contains(string(res), `"Println"`) || !strings.Contains(string(res), `"Printf"`) {
			t.Errorf("completion = %.500s, want Println and Printf", res)
		}
	})

	t.Run("diagnostics-after-edit", func(t *testing.T) {
		at := sb.Pos(t, "main.go", "show(msg)")
		at.Character += uint32(len("show(msg"))
		d, f := p.each(t, func(s *side) []byte {
			since := s.srv.Since()
			err := s.srv.Notify("textDocument/didChange", map[string]any{
				"textDocument": map[string]any{"uri": sb.URI("main.go"), "version": 2},
				"contentChanges": []any{map[string]any{
					"range": map[string]any{"start": at, "end": at},
					"text":  ", 1",
				}},
			})
			if err != nil {
				t.Fatal(err)
			}
			// gopls may publish more than once for a version (an empty
			// list when it shuts down): wait for the error.
			isV2 := lsptest.Diagnostics(sb.URI("main.go"), 2)
			m, err := s.srv.Await(ctx, since, func(m lsptest.Message) bool {
				return isV2(m) && strings.Contains(string(m.Params), "too many arguments")
			})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			return m.Params
		})
		sameJSON(t, "publishDiagnostics", d, f)
	})

	t.Run("unknown-method", func(t *testing.T) {
		d, f := p.each(t, func(s *side) []byte {
			pending, err := s.srv.Send("lsptest/noSuchMethod", map[string]int{"x": 1})
			if err != nil {
				t.Fatal(err)
			}
			m, err := pending.Wait(ctx)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if m.Error == nil {
				t.Errorf("%s: unknown method answered %s, want an error", s.name, m.Raw)
			}
			return m.Raw
		})
		sameJSON(t, "unknown method", d, f)
	})

	t.Run("shutdown", func(t *testing.T) {
		for _, s := range p.sides {
			if err := s.srv.Shutdown(ctx); err != nil {
				t.Errorf("%s: %v", s.name, err)
			}
		}
	})
}

// commandsOf returns executeCommandProvider.commands of an initialize result.
func commandsOf(t *testing.T, result []byte) []string {
	t.Helper()
	var r struct {
		Capabilities struct {
			ExecuteCommandProvider struct {
				Commands []string `json:"commands"`
			} `json:"executeCommandProvider"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		t.Fatalf("initialize result: %v", err)
	}
	return r.Capabilities.ExecuteCommandProvider.Commands
}

// withoutOwnCommands removes the lspshare.* commands from an initialize
// result.
func withoutOwnCommands(t *testing.T, result []byte) []byte {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal(result, &r); err != nil {
		t.Fatalf("initialize result: %v", err)
	}
	provider, ok := r["capabilities"].(map[string]any)["executeCommandProvider"].(map[string]any)
	if !ok {
		t.Fatalf("initialize result has no executeCommandProvider: %s", result)
	}
	var kept []any
	for _, c := range provider["commands"].([]any) {
		if !strings.HasPrefix(fmt.Sprint(c), "lspshare.") {
			kept = append(kept, c)
		}
	}
	provider["commands"] = kept
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
