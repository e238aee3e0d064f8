package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// A hub on a BoltStore stopped mid-session and started again on the same
// data keeps the session, its keys, the trail, the participants and the
// wheel; proxies reconnect and carry on.
func TestHubRestartOnDisk(t *testing.T) {
	dir := t.TempDir()
	st1, err := store.OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	hub1 := hubtest.StartHub(t, Config{Store: st1}, "", nil)
	addr := strings.TrimPrefix(hub1.URL, "http://")
	drive, attend := hubtest.Key(t, hub1.Links.Drive), hubtest.Key(t, hub1.Links.Attend)
	bob := hubtest.Join(t, hub1, drive, "bob")
	ann, _ := hubtest.RunConn(t, hubclient.Config{Link: hub1.Links.Attend, ID: "ann-id", Name: "ann", MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeConnected), "connected")
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", 1), Symbol: "A"})
	hubtest.AwaitEvent(t, ann, hubtest.IsNav(1), "jump 1")

	hub1.Stop()
	bob.AwaitClosed()
	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeDisconnected), "disconnected")
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	hub2 := hubtest.StartHub(t, Config{Store: st2}, addr, nil)
	// The participants are listed, disconnected, and bob still holds the
	// wheel: an attendee joining now sees that.
	cat := hubtest.Join(t, hub2, attend, "cat")
	cat.Await(hubtest.StateWhere(func(f wire.Frame) bool {
		b, ok := hubtest.ParticipantIn(f, "bob")
		return f.Navigator == "bob" && ok && !b.Connected && b.Role == wire.RoleDrive
	}), "bob listed with the wheel")

	// bob comes back (same id) with the wheel and moves on; ann reconnects
	// by herself and gets the jump she missed.
	bob2 := hubtest.Join(t, hub2, drive, "bob")
	if bob2.Name != "bob" {
		t.Fatalf("bob came back as %q", bob2.Name)
	}
	bob2.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("b.go", 2), Symbol: "B"})
	cat.Await(hubtest.IsNav(2), "jump 2")
	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeConnected), "reconnected")
	f := hubtest.AwaitEvent(t, ann, hubtest.IsNav(2), "jump 2 after reconnecting")
	if f.Symbol != "B" {
		t.Errorf("jump 2: %+v", f)
	}

	trail, err := hub2.Trail("demo")
	if err != nil || len(trail) != 2 || trail[0].Symbol != "A" || trail[1].Symbol != "B" || trail[1].By != "bob" {
		t.Fatalf("trail after restart: %+v, %v", trail, err)
	}
}

func TestWatchSeesStateMovesAndTrail(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", 1), Symbol: "A"})
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", 3)})
	bob.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	bob.Await(hubtest.IsType(wire.TypeLocated), "located")

	w, err := th.Watch("demo", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func(match func(wire.Frame) bool, what string) wire.Frame {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), hubtest.WaitFor)
		defer cancel()
		for {
			b, err := w.Next(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			f, err := wire.DecodeFrame(b)
			if err != nil {
				t.Fatal(err)
			}
			if match(f) {
				return f
			}
		}
	}
	if f := next(hubtest.IsType(wire.TypeState), "state"); f.Navigator != "bob" {
		t.Errorf("first state: %+v", f)
	}
	if f := next(hubtest.IsType(wire.TypeNav), "replayed jump"); f.Seq != 1 || !f.Replay || f.Symbol != "A" {
		t.Errorf("replayed: %+v", f)
	}
	if f := next(hubtest.IsType(wire.TypeNav), "current place"); f.Kind != wire.KindCursor || f.By != "bob" || string(f.To) != string(hubtest.Loc("a.go", 3)) {
		t.Errorf("current place: %+v", f)
	}
	// The watch is counted as a viewer, not as a participant.
	bob.Await(hubtest.StateWhere(func(f wire.Frame) bool { return f.Viewers == 1 && len(f.Participants) == 1 }), "one viewer")
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("b.go", 2), Symbol: "B"})
	if f := next(hubtest.IsType(wire.TypeNav), "jump 2"); f.Seq != 2 || f.Replay || f.Symbol != "B" {
		t.Errorf("live jump: %+v", f)
	}
	w.Close()
	bob.Await(hubtest.StateWhere(func(f wire.Frame) bool { return f.Viewers == 0 }), "no viewer")
	if _, err := w.Next(context.Background()); !errors.Is(err, ErrWatchEnded) {
		t.Errorf("Next after Close: %v", err)
	}
}

// A watch whose reader does not keep up ends instead of holding frames
// without bound.
func TestWatchOverflowEnds(t *testing.T) {
	th := hubtest.StartHub(t, Config{FrameRate: 1e6, FrameBurst: 1e6}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	w, err := th.Watch("demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range WatchQueue + 1 {
		bob.Send(hubtest.Jump("a.go", i))
	}
	bob.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	bob.Await(hubtest.IsType(wire.TypeLocated), "located")
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.WaitFor)
	defer cancel()
	if _, err := w.Next(ctx); !errors.Is(err, ErrWatchEnded) {
		t.Fatalf("Next after overflow: %v, want ErrWatchEnded", err)
	}
	wantDrops(t, th, DropViewerBehind, 1)
}

func TestAskWheel(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.WaitFor)
	defer cancel()
	if _, err := th.AskNavigator(ctx, "demo", "file", nil); err == nil || !strings.Contains(err.Error(), "nobody holds the wheel") {
		t.Fatalf("ask without a navigator: %v", err)
	}
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	type result struct {
		chunk wire.Chunk
		err   error
	}
	done := make(chan result, 1)
	go func() {
		chunk, err := th.AskNavigator(ctx, "demo", "file", json.RawMessage(`{"q":1}`))
		done <- result{chunk, err}
	}()
	q := bob.Await(hubtest.IsType(wire.TypeAsk), "the hub's question")
	if q.By != HubAsker || q.Method != "file" || string(q.Params) != `{"q":1}` {
		t.Errorf("question: %+v", q)
	}
	bob.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Chunk: &wire.Chunk{Size: 7, Data: []byte("package")}})
	if r := <-done; r.err != nil || string(r.chunk.Data) != "package" || r.chunk.Size != 7 {
		t.Fatalf("answer: %+v, %v", r.chunk, r.err)
	}

	// A JSON result is not a file, an error answer is the holder's
	// error, and the holder may leave before answering.
	go func() {
		_, err := th.AskNavigator(ctx, "demo", "file", nil)
		done <- result{err: err}
	}()
	q = bob.Await(hubtest.IsType(wire.TypeAsk), "question answered in JSON")
	bob.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`{"a":2}`)})
	if r := <-done; r.err == nil || !strings.Contains(r.err.Error(), "without a file chunk") {
		t.Fatalf("JSON answer: %v", r.err)
	}
	go func() {
		_, err := th.AskNavigator(ctx, "demo", "file", nil)
		done <- result{err: err}
	}()
	q = bob.Await(hubtest.IsType(wire.TypeAsk), "second question")
	bob.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Error: "refused"})
	if r := <-done; r.err == nil || r.err.Error() != "refused" {
		t.Fatalf("error answer: %v", r.err)
	}
	go func() {
		_, err := th.AskNavigator(ctx, "demo", "file", nil)
		done <- result{err: err}
	}()
	bob.Await(hubtest.IsType(wire.TypeAsk), "third question")
	bob.Close()
	if r := <-done; r.err == nil || !strings.Contains(r.err.Error(), "before answering") {
		t.Fatalf("holder gone: %v", r.err)
	}
}
