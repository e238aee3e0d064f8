package participant_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHandAndSummon: an attendee's raised hand reaches the navigator's
// state with where the attendee is, in the navigator's own files; summon
// brings a paused attendee to the navigator and follows again; an attend
// link cannot summon.
func TestHandAndSummon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	nav, att := newSession(t, ctx)

	// att pauses with a jump of its own, to greet.go; then raises a hand.
	since, navSince := att.Since(), nav.Since()
	att.jump(t, ctx, "Hello(")
	att.awaitState(t, ctx, since, func(s state) bool { return s.Paused })
	if _, err := att.command(t, ctx, "lspshare.hand"); err != nil {
		t.Fatalf("hand: %v", err)
	}
	st := nav.awaitState(t, ctx, navSince, func(s state) bool { return s.Hands == 1 })
	for _, p := range st.Participants {
		if p.Name != "att" {
			continue
		}
		if p.Hand == "" || p.Place == nil || string(p.Place.URI) != nav.sb.URI("greet/greet.go") {
			t.Errorf("att in the navigator's state: hand %q, place %+v; want a hand and nav's own greet/greet.go", p.Hand, p.Place)
		}
	}
	if _, err := att.command(t, ctx, "lspshare.summon"); err == nil || !strings.Contains(err.Error(), "attend link") {
		t.Errorf("summon with an attend link: %v", err)
	}

	// The navigator moves on, then summons: the paused attendee is shown
	// the navigator's place (the first showDocument since its own jump)
	// and follows again.
	since = att.Since()
	nav.jump(t, ctx, "Answer()")
	if _, err := nav.command(t, ctx, "lspshare.summon"); err != nil {
		t.Fatalf("summon: %v", err)
	}
	if uri, _ := att.firstShow(t, ctx, since); !strings.HasSuffix(uri, "/example.com/dep@v1.0.0/dep.go") {
		t.Errorf("first showDocument after the summon: %s, want dep.go", uri)
	}
	att.awaitState(t, ctx, since, func(s state) bool { return s.Following && !s.Paused })

	// The navigator lowers the hand.
	navSince = nav.Since()
	if _, err := nav.command(t, ctx, "lspshare.hand", "att"); err != nil {
		t.Fatalf("lower att's hand: %v", err)
	}
	nav.awaitState(t, ctx, navSince, func(s state) bool { return s.Hands == 0 })
}
