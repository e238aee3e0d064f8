package participant_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// TestAcrossTheInternet: the navigator and an attendee without a language
// server reach the hub over links of 50 ms each way. The attendee's editor
// follows the navigator's jump, and its definition request is answered by
// the navigator's gopls through the hub.
func TestAcrossTheInternet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	_, links, base := startHub(t)
	through := func(link string) string {
		cab := newCable(t, strings.TrimPrefix(base, "http://"))
		cab.SetLatency(50 * time.Millisecond)
		return strings.Replace(link, base, "http://"+cab.Addr(), 1)
	}
	nav := startEditor(t, ctx, "nav", through(links.Drive))
	att := startAttendee(t, ctx, lsptest.NewDemo(t), "att", through(links.Attend), "none")
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && s.Followers == 1 })
	for _, e := range []*editor{nav, att} {
		if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(t, "main.go")); err != nil {
			t.Fatal(err)
		}
	}
	att.awaitShow(t, ctx, 0, "/main.go")

	since := att.Since()
	nav.jump(t, ctx, "Hello(")
	if sd := att.awaitShow(t, ctx, since, "/greet/greet.go"); sd.URI != att.sb.URI("greet/greet.go") {
		t.Errorf("followed to %s", sd.URI)
	}

	raw, err := att.Call(ctx, "textDocument/definition", att.sb.At(t, "main.go", "Answer()"))
	if err != nil {
		t.Fatalf("attendee's definition: %v", err)
	}
	var locs []lspLocation
	if err := json.Unmarshal(raw, &locs); err != nil || len(locs) != 1 {
		t.Fatalf("attendee's definition %s (%v), want the navigator's answer", raw, err)
	}
	navRaw, err := nav.Call(ctx, "textDocument/definition", nav.sb.At(t, "main.go", "Answer()"))
	if err != nil {
		t.Fatal(err)
	}
	var navLocs []lspLocation
	if err := json.Unmarshal(navRaw, &navLocs); err != nil || len(navLocs) != 1 {
		t.Fatalf("navigator's definition %s (%v)", navRaw, err)
	}
	sameFile(t, nav, att, navLocs[0].URI, locs[0].URI)
}
