package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// A hub on a BoltStore stopped mid-session and started again on the same
// data keeps the session, its keys, the trail, the participants and the
// wheel; proxies reconnect and carry on.
func TestHubRestartOnDisk(t *testing.T) {
	dir := t.TempDir()
	st1, err := OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	hub1 := startHub(t, HubConfig{Store: st1}, "", nil)
	addr := strings.TrimPrefix(hub1.URL, "http://")
	drive, attend := key(t, hub1.Links.Drive), key(t, hub1.Links.Attend)
	bob := join(t, hub1, drive, "bob")
	ann, _ := runClient(t, ClientConfig{Link: hub1.Links.Attend, ID: "ann-id", Name: "ann", MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	awaitEvent(t, ann, isType(TypeConnected), "connected")
	bob.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("a.go", 1), Symbol: "A"})
	awaitEvent(t, ann, isNav(1), "jump 1")

	hub1.stop()
	bob.awaitClosed()
	awaitEvent(t, ann, isType(TypeDisconnected), "disconnected")
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	hub2 := startHub(t, HubConfig{Store: st2}, addr, nil)
	// The participants are listed, disconnected, and bob still holds the
	// wheel: an attendee joining now sees that.
	cat := join(t, hub2, attend, "cat")
	cat.await(stateWhere(func(f Frame) bool {
		b, ok := participant(f, "bob")
		return f.Wheel == "bob" && ok && !b.Connected && b.Role == RoleDrive
	}), "bob listed with the wheel")

	// bob comes back (same id) with the wheel and moves on; ann reconnects
	// by herself and gets the jump she missed.
	bob2 := join(t, hub2, drive, "bob")
	if bob2.name != "bob" {
		t.Fatalf("bob came back as %q", bob2.name)
	}
	bob2.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("b.go", 2), Symbol: "B"})
	cat.await(isNav(2), "jump 2")
	awaitEvent(t, ann, isType(TypeConnected), "reconnected")
	f := awaitEvent(t, ann, isNav(2), "jump 2 after reconnecting")
	if f.Symbol != "B" {
		t.Errorf("jump 2: %+v", f)
	}

	trail, err := hub2.Trail("demo")
	if err != nil || len(trail) != 2 || trail[0].Symbol != "A" || trail[1].Symbol != "B" || trail[1].By != "bob" {
		t.Fatalf("trail after restart: %+v, %v", trail, err)
	}
}

func TestWatchSeesStateMovesAndTrail(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	bob.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("a.go", 1), Symbol: "A"})
	bob.send(Frame{Type: TypeNav, Kind: KindCursor, To: loc("a.go", 3)})
	bob.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
	bob.await(isType(TypeLocated), "located")

	w, err := th.Watch("demo", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func(match func(Frame) bool, what string) Frame {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		for {
			b, err := w.Next(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			f, err := DecodeFrame(b)
			if err != nil {
				t.Fatal(err)
			}
			if match(f) {
				return f
			}
		}
	}
	if f := next(isType(TypeState), "state"); f.Wheel != "bob" {
		t.Errorf("first state: %+v", f)
	}
	if f := next(isType(TypeNav), "replayed jump"); f.Seq != 1 || !f.Replay || f.Symbol != "A" {
		t.Errorf("replayed: %+v", f)
	}
	if f := next(isType(TypeNav), "current place"); f.Kind != KindCursor || f.By != "bob" || string(f.To) != string(loc("a.go", 3)) {
		t.Errorf("current place: %+v", f)
	}
	// The watch is counted as a viewer, not as a participant.
	bob.await(stateWhere(func(f Frame) bool { return f.Viewers == 1 && len(f.Participants) == 1 }), "one viewer")
	bob.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("b.go", 2), Symbol: "B"})
	if f := next(isType(TypeNav), "jump 2"); f.Seq != 2 || f.Replay || f.Symbol != "B" {
		t.Errorf("live jump: %+v", f)
	}
	w.Close()
	bob.await(stateWhere(func(f Frame) bool { return f.Viewers == 0 }), "no viewer")
	if _, err := w.Next(context.Background()); !errors.Is(err, ErrWatchEnded) {
		t.Errorf("Next after Close: %v", err)
	}
}

// A watch whose reader does not keep up ends instead of holding frames
// without bound.
func TestWatchOverflowEnds(t *testing.T) {
	th := startHub(t, HubConfig{FrameRate: 1e6, FrameBurst: 1e6}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	w, err := th.Watch("demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range watchQueue + 1 {
		bob.send(jump("a.go", i))
	}
	bob.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
	bob.await(isType(TypeLocated), "located")
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := w.Next(ctx); !errors.Is(err, ErrWatchEnded) {
		t.Fatalf("Next after overflow: %v, want ErrWatchEnded", err)
	}
	wantDrops(t, th, DropViewerBehind, 1)
}

func TestAskWheel(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := th.AskWheel(ctx, "demo", "file", nil); err == nil || !strings.Contains(err.Error(), "nobody holds the wheel") {
		t.Fatalf("ask without a wheel holder: %v", err)
	}
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	type result struct {
		raw json.RawMessage
		err error
	}
	done := make(chan result, 1)
	go func() {
		raw, err := th.AskWheel(ctx, "demo", "file", json.RawMessage(`{"q":1}`))
		done <- result{raw, err}
	}()
	q := bob.await(isType(TypeAsk), "the hub's question")
	if q.By != HubAsker || q.Method != "file" || string(q.Params) != `{"q":1}` {
		t.Errorf("question: %+v", q)
	}
	bob.send(Frame{Type: TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`{"a":2}`)})
	if r := <-done; r.err != nil || string(r.raw) != `{"a":2}` {
		t.Fatalf("answer: %s, %v", r.raw, r.err)
	}

	// An error answer, and the holder leaving before answering.
	go func() {
		_, err := th.AskWheel(ctx, "demo", "file", nil)
		done <- result{err: err}
	}()
	q = bob.await(isType(TypeAsk), "second question")
	bob.send(Frame{Type: TypeAnswer, Ref: q.Ref, Error: "refused"})
	if r := <-done; r.err == nil || r.err.Error() != "refused" {
		t.Fatalf("error answer: %v", r.err)
	}
	go func() {
		_, err := th.AskWheel(ctx, "demo", "file", nil)
		done <- result{err: err}
	}()
	bob.await(isType(TypeAsk), "third question")
	bob.close()
	if r := <-done; r.err == nil || !strings.Contains(r.err.Error(), "before answering") {
		t.Fatalf("holder gone: %v", r.err)
	}
}

// Fan-out does not wait for the disk: with bbolt's writer lock held (what a
// slow fsync does to the store's writer), jumps still reach the followers,
// a newcomer gets them replayed, and the trail lists them; they reach the
// disk once it is free.
func TestHubFanOutDoesNotWaitForDisk(t *testing.T) {
	dir := t.TempDir()
	st := openBolt(t, dir)
	th := startHub(t, HubConfig{Store: st}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	ann := join(t, th, key(t, th.Links.Attend), "ann")
	st.flush() // their joins
	commits := st.commits.Load()
	hold, err := st.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback() // before the store's Close, which waits for it
	for i := 1; i <= 3; i++ {
		bob.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("a.go", i), Symbol: fmt.Sprint("F", i)})
	}
	ann.await(isNav(3), "jump 3 while the disk is held")
	cat := join(t, th, key(t, th.Links.Attend), "cat")
	if f := cat.await(isNav(3), "jump 3 replayed"); !f.Replay || f.Symbol != "F3" {
		t.Errorf("replayed: %+v", f)
	}
	if trail, err := th.Trail("demo"); len(trail) != 3 || err != nil {
		t.Errorf("trail while the disk is held: %+v, %v", trail, err)
	}
	if n := st.commits.Load(); n != commits {
		t.Fatalf("%d commits while the disk was held", n-commits)
	}
	hold.Rollback()
	th.stop()
	st.Close()
	trail, err := openBolt(t, dir).Trail("demo", 0, 10)
	if err != nil || len(trail) != 3 || trail[2].Symbol != "F3" {
		t.Fatalf("trail after restart: %+v, %v", trail, err)
	}
}

// A move the store refuses, because too much is waiting for the disk, is
// neither numbered nor fanned out, and its sender is told; once the disk
// catches up, numbering goes on without a gap.
func TestHubRefusesMovesWhenDiskBehind(t *testing.T) {
	st := openBolt(t, t.TempDir())
	st.maxUnwritten = 64 << 10
	th := startHub(t, HubConfig{Store: st}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	ann := join(t, th, key(t, th.Links.Attend), "ann")
	hold, err := st.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	big := json.RawMessage(`{"pad":"` + strings.Repeat("x", 10000) + `"}`)
	var refused Frame
	sent := 0
	for refused.Type == "" {
		if sent++; sent > st.maxUnwritten/len(big)+1 {
			t.Fatalf("%d large moves taken with the disk held", sent)
		}
		bob.send(Frame{Type: TypeNav, Kind: KindJump, To: big})
		bob.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
		f := bob.await(func(f Frame) bool { return f.Type == TypeError || f.Type == TypeLocated }, "error or located")
		if f.Type == TypeError {
			refused = f
		}
	}
	if !strings.Contains(refused.Message, "nobody saw it") {
		t.Errorf("refusal: %q", refused.Message)
	}
	hold.Rollback()
	bob.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("a.go", 1), Symbol: "after"})
	f := ann.await(func(f Frame) bool { return f.Type == TypeNav && f.Symbol == "after" }, "the move after the disk caught up")
	if f.Seq != uint64(sent) {
		t.Errorf("move after the refusal has seq %d, want %d (the refused one got none)", f.Seq, sent)
	}
}

// Jumps sent back to back while followers watch all reach the disk, in
// order, by the time the store is closed.
func TestHubStoresEveryJumpInOrder(t *testing.T) {
	dir := t.TempDir()
	st := openBolt(t, dir)
	th := startHub(t, HubConfig{Store: st, FrameRate: 1e6, FrameBurst: 1e6, SendQueue: 1024}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	ann := join(t, th, key(t, th.Links.Attend), "ann")
	const jumps = 500
	for i := 1; i <= jumps; i++ {
		bob.send(Frame{Type: TypeNav, Kind: KindJump, To: loc("a.go", i), Symbol: fmt.Sprint("F", i)})
	}
	ann.await(isNav(jumps), "the last jump")
	th.stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d jumps in %d commits", jumps, st.commits.Load())
	st = openBolt(t, dir)
	trail, err := st.Trail("demo", 0, math.MaxInt)
	if err != nil || len(trail) != jumps {
		t.Fatalf("trail of %d entries (%v), want %d", len(trail), err, jumps)
	}
	for i, e := range trail {
		if e.Seq != uint64(i+1) || e.Symbol != fmt.Sprint("F", i+1) || e.By != "bob" {
			t.Fatalf("trail entry %d: %+v", i, e)
		}
	}
	if m, err := st.Members("demo"); len(m) != 2 || err != nil {
		t.Errorf("members: %+v, %v", m, err)
	}
}
