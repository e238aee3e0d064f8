package participant_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// TestRemoteAskedOfTheFilesProxy: the navigator runs two proxies, one per
// workspace; an attendee's definition and hover in main.go go to the
// proxy whose workspace holds main.go, whose gopls answers, though the
// other was used last.
func TestRemoteAskedOfTheFilesProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	_, links, _ := startHub(t)
	// ann's machine: a module at the root holding extra/extra.go, and the
	// demo in app/.
	files := "-- go.mod --\nmodule example.com/other\n\ngo 1.22\n-- extra/extra.go --\npackage extra\n" +
		regexp.MustCompile(`(?m)^-- `).ReplaceAllString(lsptest.DemoFiles, "-- app/")
	annSB := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: files, Modules: lsptest.DemoModules})
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir, tidy.Env = annSB.Path("app"), annSB.Env()
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in app: %v\n%s", err, out)
	}
	env := append(annSB.Env(), "XDG_RUNTIME_DIR="+privateTemp(t))
	root := startIn(t, ctx, annSB, annSB.Workdir, "ann", links.Drive, env)
	root.awaitState(t, ctx, 0, func(s state) bool { return s.Connected && s.Wheel == "ann" })
	app := startIn(t, ctx, annSB, annSB.Path("app"), "ann", links.Drive, env)
	app.awaitState(t, ctx, 0, func(s state) bool { return s.Connected && s.You == "ann" })
	att := startAttendee(t, ctx, brokenDemo(t), "att", links.Attend, "none")
	att.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "ann" && s.Connected })

	// What app's gopls answers, asked directly.
	if err := app.Notify("textDocument/didOpen", annSB.OpenParams(t, "app/main.go")); err != nil {
		t.Fatal(err)
	}
	want := map[string]json.RawMessage{}
	for _, method := range []string{"textDocument/definition", "textDocument/hover"} {
		raw, err := app.Call(ctx, method, annSB.At(t, "app/main.go", "Hello("))
		if err != nil {
			t.Fatal(err)
		}
		want[method] = raw
	}
	// Then root is the proxy in use: its open reaches the attendee, which
	// follows.
	attSince := att.Since()
	if err := root.Notify("textDocument/didOpen", annSB.OpenParams(t, "extra/extra.go")); err != nil {
		t.Fatal(err)
	}
	att.awaitShow(t, ctx, attSince, "/extra/extra.go")

	if err := att.Notify("textDocument/didOpen", att.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	raw, err := att.Call(ctx, "textDocument/definition", att.sb.At(t, "main.go", "Hello("))
	if err != nil {
		t.Fatalf("attendee's definition: %v", err)
	}
	var got, wantLocs []lspLocation
	if err := json.Unmarshal(want["textDocument/definition"], &wantLocs); err != nil || len(wantLocs) != 1 {
		t.Fatalf("app's definition %s (%v)", want["textDocument/definition"], err)
	}
	if err := json.Unmarshal(raw, &got); err != nil || len(got) != 1 {
		t.Fatalf("attendee's definition %s (%v), want one location like app's %s", raw, err, want["textDocument/definition"])
	}
	if !sameJSON(got[0].Range, wantLocs[0].Range) || !strings.HasSuffix(got[0].URI, "/greet/greet.go") {
		t.Errorf("attendee's definition %s, want greet/greet.go at %s", raw, wantLocs[0].Range)
	}
	hover, err := att.Call(ctx, "textDocument/hover", att.sb.At(t, "main.go", "Hello("))
	if err != nil {
		t.Fatalf("attendee's hover: %v", err)
	}
	if !sameJSON(hover, want["textDocument/hover"]) {
		t.Errorf("attendee's hover\n%s\nwant app's\n%s", hover, want["textDocument/hover"])
	}
}
