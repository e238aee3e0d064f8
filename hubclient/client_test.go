package hubclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	. "github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

func TestClientFollowsAndReconnectsAfterHubRestart(t *testing.T) {
	store := store.NewMemStore()
	hub1 := hubtest.StartHub(t, hub.Config{Store: store}, "", nil)
	addr := strings.TrimPrefix(hub1.URL, "http://")
	drive := hubtest.Key(t, hub1.Links.Drive)
	bob := hubtest.Join(t, hub1, drive, "bob")

	ann, _ := hubtest.RunConn(t, Config{Link: hub1.Links.Attend, ID: "ann-id", Name: "ann", Repo: wire.Repo{Commit: "abc"}, MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if f := hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeConnected), "connected"); f.Name != "ann" || f.Role != wire.RoleAttend || f.Session != "demo" {
		t.Fatalf("connected: %+v", f)
	}
	ann.SetFollowing(true)
	bob.Send(hubtest.Jump("a.go", 1))
	hubtest.AwaitEvent(t, ann, hubtest.IsNav(1), "jump 1")

	// The hub goes away. A new one on a private address gets the session
	// from the store, and bob makes two jumps there that ann misses.
	hub1.Stop()
	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeDisconnected), "disconnected")
	hub2 := hubtest.StartHub(t, hub.Config{Store: store}, "", nil)
	bob2 := hubtest.Join(t, hub2, drive, "bob")
	bob2.Send(hubtest.Jump("b.go", 2))
	bob2.Send(hubtest.Jump("c.go", 3))
	bob2.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	bob2.Await(hubtest.IsType(wire.TypeLocated), "located") // both jumps are in the trail

	// The same hub comes back at the old address: ann reconnects, gets the
	// missed jumps replayed, and is listed as following again.
	t.Cleanup(hubtest.Serve(hub2.Hub, hubtest.Listen(t, addr)))
	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeConnected), "reconnected")
	for seq := uint64(2); seq <= 3; seq++ {
		f := hubtest.AwaitEvent(t, ann, hubtest.IsNav(seq), "replayed jump")
		if !f.Replay || f.By != "bob" {
			t.Errorf("jump %d: %+v, want a replay by bob", seq, f)
		}
	}
	bob2.Await(hubtest.StateWhere(func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "ann")
		return ok && p.Connected && p.Following && p.Repo != nil && p.Repo.Commit == "abc"
	}), "ann following again")
}

func TestClientRefusedByWrongKey(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	c, errc := hubtest.RunConn(t, Config{Link: th.URL + "/s/demo?key=wrong", Name: "mallory"})
	f := hubtest.AwaitEvent(t, c, hubtest.IsType(wire.TypeRefused), "refused")
	if f.Message != "wrong key for session demo" {
		t.Errorf("refused: %q", f.Message)
	}
	var refused *RefusedError
	if err := <-errc; !errors.As(err, &refused) || refused.Status != 403 {
		t.Errorf("Run: %v, want a 403 refusal", err)
	}
}

func TestClientSendsMovesAndAnswers(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	bob, _ := hubtest.RunConn(t, Config{Link: th.Links.Drive, Name: "bob"})
	hubtest.AwaitEvent(t, bob, hubtest.IsType(wire.TypeConnected), "connected")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")

	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", 1)})
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", 2)})
	bob.Send(hubtest.Jump("a.go", 3))
	ann.Await(hubtest.IsNav(1), "jump")
	// A cursor older than a jump never comes after it.
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", 4)})
	if f := ann.Await(hubtest.IsType(wire.TypeNav), "cursor"); f.Kind != wire.KindCursor || string(f.To) != string(hubtest.Loc("a.go", 4)) {
		t.Fatalf("nav after the jump: %s %s, want the cursor at line 4", f.Kind, f.To)
	}

	// ann asks bob; bob's proxy answers from its Events.
	ann.Send(wire.Frame{Type: wire.TypeAsk, Ref: "q", Method: "fetch", Params: json.RawMessage(`{"path":"a.go"}`), DeadlineMS: 5000})
	q := hubtest.AwaitEvent(t, bob, hubtest.IsType(wire.TypeAsk), "question")
	if q.By != "ann" || q.Method != "fetch" {
		t.Fatalf("question: %+v", q)
	}
	bob.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`"package a"`)})
	if a := ann.Await(hubtest.IsType(wire.TypeAnswer), "answer"); a.Ref != "q" || string(a.Result) != `"package a"` {
		t.Fatalf("answer: %+v", a)
	}

	// bob asks ann, who answers with an error.
	res := make(chan error, 1)
	go func() {
		_, err := bob.Ask(context.Background(), "ann", "hover", nil)
		res <- err
	}()
	q = ann.Await(hubtest.IsType(wire.TypeAsk), "question")
	ann.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Error: "no gopls here"})
	var ae *wire.AnswerError
	if err := <-res; !errors.As(err, &ae) || ae.Message != "no gopls here" {
		t.Fatalf("Ask: %v", err)
	}
}

func TestClientAskWhileDisconnected(t *testing.T) {
	c, err := New(Config{Link: "http://127.0.0.1:1/s/demo?key=k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ask(context.Background(), "", "m", nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Ask: %v, want ErrNotConnected", err)
	}
}
