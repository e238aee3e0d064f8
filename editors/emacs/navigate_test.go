package emacs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// TestEmacsNavigates: Emacs with the drive link holds the wheel, its mode
// line says so, and its own M-. moves a scripted attendee there.
func TestEmacsNavigates(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	em := startEmacs(t, mine.Env(), mine.Workdir, testInit(t, th.Links.Drive, "potsbo"))
	em.eval(fmt.Sprintf("(test-open %s)", elisp(mine.Path("main.go"))))
	em.waitEval("(lspshare-summary)", elisp("driving · 0 following"))

	att := lsptest.StartNavigator(t, workspace, th.Links.Attend, "ann") // a scripted attendee, elsewhere
	em.waitEval("(lspshare-summary)", elisp("driving · 1 following"))
	em.waitFor("(test-mode-line)", " driving · 1 following")

	since := att.Since()
	p := mine.Pos(t, "main.go", "Hello(")
	em.eval(fmt.Sprintf("(test-definition %s %d %d)", elisp(mine.Path("main.go")), p.Line+1, p.Character))
	em.waitEval("(test-place)", place(t, mine, "greet/greet.go", "Hello(name"))
	var shown struct {
		URI       string
		Selection struct {
			Start struct{ Line, Character uint32 }
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := att.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "window/showDocument" && json.Unmarshal(m.Params, &shown) == nil &&
			shown.URI == att.Sandbox.URI("greet/greet.go")
	}); err != nil {
		t.Fatalf("the attendee was not shown greet/greet.go: %v", err)
	}
	if want := att.Sandbox.Pos(t, "greet/greet.go", "Hello(name"); shown.Selection.Start.Line != want.Line || shown.Selection.Start.Character != want.Character {
		t.Errorf("the attendee was shown %+v, want %d:%d", shown.Selection.Start, want.Line, want.Character)
	}

	// The navigator's cursor, where a command left it, reaches the attendee.
	since = att.Since()
	p = mine.Pos(t, "greet/greet.go", "prefix()")
	em.eval(fmt.Sprintf("(progn (test-goto %s %d %d) (test-command))", elisp(mine.Path("greet/greet.go")), p.Line+1, p.Character))
	var cursor struct {
		URI   string
		Range struct {
			Start struct{ Line, Character uint32 }
		}
	}
	if _, err := att.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "$/lspshare/cursor" && json.Unmarshal(m.Params, &cursor) == nil &&
			cursor.URI == att.Sandbox.URI("greet/greet.go") && cursor.Range.Start.Line == p.Line
	}); err != nil {
		t.Fatalf("the attendee was not shown the navigator's cursor at line %d: %v", p.Line, err)
	}
	if cursor.Range.Start.Character != p.Character {
		t.Errorf("the navigator's cursor reached the attendee at %+v, want %d:%d", cursor.Range.Start, p.Line, p.Character)
	}
}
