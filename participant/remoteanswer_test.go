package participant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/location"
)

// setEnv returns env with k set to v.
func setEnv(env []string, k, v string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, k+"=") {
			out = append(out, kv)
		}
	}
	return append(out, k+"="+v)
}

// brokenDemo is the demo workspace as an attendee without a working Go
// setup has it: no go.sum, an empty module cache, no proxy to fill it.
func brokenDemo(t testing.TB) *lsptest.Sandbox {
	sb := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: lsptest.DemoFiles})
	env := setEnv(sb.Env(), "GOPROXY", "off")
	env = setEnv(env, "GOFLAGS", "-mod=mod -modcacherw")
	sb.SetEnv(env)
	return sb
}

type lspLocation struct {
	URI   string          `json:"uri"`
	Range json.RawMessage `json:"range"`
}

// sameFile checks that the attendee's uri names the navigator's file: the
// same place in its own checkout or GOROOT, or a cached copy with the same
// bytes.
func sameFile(t *testing.T, nav, att *editor, navURI, attURI string) {
	t.Helper()
	navPath, err := location.URIToPath(navURI)
	if err != nil {
		t.Fatal(err)
	}
	attPath, err := location.URIToPath(attURI)
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(nav.sb.Workdir, navPath); err == nil && !strings.HasPrefix(rel, "..") {
		if want := filepath.Join(att.sb.Workdir, rel); attPath != want && !strings.HasPrefix(attPath, att.sb.Home) {
			t.Errorf("workspace file %s, want %s or a cached copy", attPath, want)
		}
	}
	want, err := os.ReadFile(navPath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(attPath)
	if err != nil {
		t.Fatalf("attendee's file: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the navigator's %s", attPath, navPath)
	}
}

// remoteScenario asks the same questions of the navigator and of an
// attendee that cannot answer them itself, and compares.
func remoteScenario(t *testing.T, server string, attSandbox func(testing.TB) *lsptest.Sandbox) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	nav := startEditor(t, ctx, "nav", links.Drive)
	att := startAttendee(t, ctx, attSandbox(t), "att", links.Attend, server)
	att.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && s.Connected })
	for _, e := range []*editor{nav, att} {
		if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(t, "main.go")); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []string{"show(msg)", "Hello(", "Println(msg", "Answer()"} {
		t.Run("definition "+at, func(t *testing.T) {
			navRaw, err := nav.Call(ctx, "textDocument/definition", nav.sb.At(t, "main.go", at))
			if err != nil {
				t.Fatal(err)
			}
			attRaw, err := att.Call(ctx, "textDocument/definition", att.sb.At(t, "main.go", at))
			if err != nil {
				t.Fatalf("attendee: %v", err)
			}
			var navLocs, attLocs []lspLocation
			if err := json.Unmarshal(navRaw, &navLocs); err != nil || len(navLocs) != 1 {
				t.Fatalf("navigator's answer %s (%v)", navRaw, err)
			}
			if err := json.Unmarshal(attRaw, &attLocs); err != nil || len(attLocs) != 1 {
				t.Fatalf("attendee's answer %s (%v)", attRaw, err)
			}
			if !sameJSON(navLocs[0].Range, attLocs[0].Range) {
				t.Errorf("range %s, want %s", attLocs[0].Range, navLocs[0].Range)
			}
			sameFile(t, nav, att, navLocs[0].URI, attLocs[0].URI)
		})
		t.Run("hover "+at, func(t *testing.T) {
			navRaw, err := nav.Call(ctx, "textDocument/hover", nav.sb.At(t, "main.go", at))
			if err != nil {
				t.Fatal(err)
			}
			attRaw, err := att.Call(ctx, "textDocument/hover", att.sb.At(t, "main.go", at))
			if err != nil {
				t.Fatalf("attendee: %v", err)
			}
			if !sameJSON(navRaw, attRaw) {
				t.Errorf("hover:\n got %s\nwant %s", attRaw, navRaw)
			}
		})
	}
	st := att.awaitState(t, ctx, 0, func(s state) bool { return s.Answers != "local" })
	if _, err := att.Await(ctx, 0, lsptest.ShowMessage("answers now come from nav's")); err != nil {
		t.Errorf("no message about remote answers (state %+v): %v", st, err)
	}
}

// sameJSON reports whether a and b hold the same JSON value, whatever the
// order of their keys.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// TestRemoteAnswerBrokenSetup: an attendee whose gopls cannot load the workspace
// (no go.sum, empty module cache, GOPROXY=off) gets the navigator's answers.
func TestRemoteAnswerBrokenSetup(t *testing.T) {
	remoteScenario(t, lsptest.Gopls(t), brokenDemo)
}

// TestRemoteAnswerNoServer: an attendee without gopls at all.
func TestRemoteAnswerNoServer(t *testing.T) {
	remoteScenario(t, "none", brokenDemo)
}

// TestNoCheckout: an attendee whose workspace is an empty folder follows
// five jumps; every file shown is a cached copy of the navigator's, and its
// editor's questions about those files are answered by the navigator's
// gopls, not by its own (which does not know them).
func TestNoCheckout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	nav := startEditor(t, ctx, "nav", links.Drive)
	empty := lsptest.NewSandbox(t, lsptest.SandboxConfig{})
	if err := os.MkdirAll(empty.Workdir, 0o755); err != nil {
		t.Fatal(err)
	}
	att := startAttendee(t, ctx, empty, "att", links.Attend, lsptest.Gopls(t)) // its gopls knows none of the files
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Followers == 1 })
	if err := nav.Notify("textDocument/didOpen", nav.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	att.awaitShow(t, ctx, 0, "/main.go")
	for _, at := range []string{"Hello(", "show(msg)", "Println(msg", "Answer()", "greet.Hello"} {
		since := att.Since()
		raw, err := nav.Call(ctx, "textDocument/definition", nav.sb.At(t, "main.go", at))
		if err != nil {
			t.Fatal(err)
		}
		var locs []lspLocation
		if err := json.Unmarshal(raw, &locs); err != nil || len(locs) == 0 {
			t.Fatalf("definition %s: %s", at, raw)
		}
		sd := att.awaitShow(t, ctx, since, filepath.Base(locs[0].URI))
		if !strings.HasPrefix(sd.URI, lsptest.FileURI(empty.Home)) && !strings.Contains(locs[0].URI, "/src/") {
			t.Errorf("%s: shown %s, want a cached copy", at, sd.URI)
		}
		sameFile(t, nav, att, locs[0].URI, sd.URI)
		if !sameJSON(sd.Selection, locs[0].Range) {
			t.Errorf("%s: selection %s, want %s", at, sd.Selection, locs[0].Range)
		}
	}

	// The attendee's editor asks about a file it was brought: the
	// navigator's gopls answers, as for the navigator's own copy.
	cached := att.awaitShow(t, ctx, 0, "/main.go")
	pos := nav.sb.Pos(t, "main.go", "Hello(")
	navHover, err := nav.Call(ctx, "textDocument/hover", map[string]any{
		"textDocument": map[string]string{"uri": nav.sb.URI("main.go")}, "position": pos})
	if err != nil {
		t.Fatal(err)
	}
	attHover, err := att.Call(ctx, "textDocument/hover", map[string]any{
		"textDocument": map[string]string{"uri": cached.URI}, "position": pos})
	if err != nil {
		t.Fatalf("hover in the cached %s: %v", cached.URI, err)
	}
	if !sameJSON(navHover, attHover) {
		t.Errorf("hover in the cached file:\n got %s\nwant %s", attHover, navHover)
	}
}

// TestHolderGoneMidQuestion: the navigator disconnects while answering;
// the attendee's editor still gets an answer before its deadline.
func TestHolderGoneMidQuestion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	holder := startHolder(t, ctx, links.Drive)

	att := startAttendee(t, ctx, brokenDemo(t), "att", links.Attend, "none")
	att.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "holder" && s.Connected })
	if err := att.Notify("textDocument/didOpen", att.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	got := askDefinition(t, ctx, att)
	awaitQuestion(t, holder, got)
	holder.leave() // gone without answering
	a := <-got
	if a.err != nil {
		t.Fatalf("no answer after the holder left: %v", a.err)
	}
	if a.m.Error == nil {
		t.Errorf("answer without a holder: %s", a.m.Raw)
	}
}
