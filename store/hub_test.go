package store_test

// The hub with a real bbolt store: what the store's writer promises the hub
// (fan-out never waits for the disk; a disk that is behind refuses at once;
// every jump reaches the disk in order). These tests hold the store's insides
// (export_test.go), so they live here rather than in package hub.

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	. "github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// Fan-out does not wait for the disk: with bbolt's writer lock held (what a
// slow fsync does to the store's writer), jumps still reach the followers,
// a newcomer gets them replayed, and the trail lists them; they reach the
// disk once it is free.
func TestHubFanOutDoesNotWaitForDisk(t *testing.T) {
	dir := t.TempDir()
	st := hubtest.OpenBolt(t, dir)
	th := hubtest.StartHub(t, hub.Config{Store: st}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	Flush(st) // their joins
	commits := Commits(st).Load()
	release := HoldDisk(t, st)
	for i := 1; i <= 3; i++ {
		bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", i), Symbol: fmt.Sprint("F", i)})
	}
	ann.Await(hubtest.IsNav(3), "jump 3 while the disk is held")
	cat := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "cat")
	if f := cat.Await(hubtest.IsNav(3), "jump 3 replayed"); !f.Replay || f.Symbol != "F3" {
		t.Errorf("replayed: %+v", f)
	}
	if trail, err := th.Trail("demo"); len(trail) != 3 || err != nil {
		t.Errorf("trail while the disk is held: %+v, %v", trail, err)
	}
	if n := Commits(st).Load(); n != commits {
		t.Fatalf("%d commits while the disk was held", n-commits)
	}
	release()
	th.Stop()
	st.Close()
	trail, err := hubtest.OpenBolt(t, dir).Trail("demo", 0, 10)
	if err != nil || len(trail) != 3 || trail[2].Symbol != "F3" {
		t.Fatalf("trail after restart: %+v, %v", trail, err)
	}
}

// A move the store refuses, because too much is waiting for the disk, is
// neither numbered nor fanned out, and its sender is told; once the disk
// catches up, numbering goes on without a gap.
func TestHubRefusesMovesWhenDiskBehind(t *testing.T) {
	st := hubtest.OpenBolt(t, t.TempDir())
	*MaxUnwritten(st) = 64 << 10
	th := hubtest.StartHub(t, hub.Config{Store: st}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	release := HoldDisk(t, st)
	big := json.RawMessage(`{"pad":"` + strings.Repeat("x", 10000) + `"}`)
	var refused wire.Frame
	sent := 0
	for refused.Type == "" {
		if sent++; sent > *MaxUnwritten(st)/len(big)+1 {
			t.Fatalf("%d large moves taken with the disk held", sent)
		}
		bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: big})
		bob.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
		f := bob.Await(func(f wire.Frame) bool { return f.Type == wire.TypeError || f.Type == wire.TypeLocated }, "error or located")
		if f.Type == wire.TypeError {
			refused = f
		}
	}
	if !strings.Contains(refused.Message, "nobody saw it") {
		t.Errorf("refusal: %q", refused.Message)
	}
	release()
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", 1), Symbol: "after"})
	f := ann.Await(func(f wire.Frame) bool { return f.Type == wire.TypeNav && f.Symbol == "after" }, "the move after the disk caught up")
	if f.Seq != uint64(sent) {
		t.Errorf("move after the refusal has seq %d, want %d (the refused one got none)", f.Seq, sent)
	}
}

// Jumps sent back to back while followers watch all reach the disk, in
// order, by the time the store is closed.
func TestHubStoresEveryJumpInOrder(t *testing.T) {
	dir := t.TempDir()
	st := hubtest.OpenBolt(t, dir)
	th := hubtest.StartHub(t, hub.Config{Store: st, FrameRate: 1e6, FrameBurst: 1e6, SendQueue: 1024}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	const jumps = 500
	for i := 1; i <= jumps; i++ {
		bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", i), Symbol: fmt.Sprint("F", i)})
	}
	ann.Await(hubtest.IsNav(jumps), "the last jump")
	th.Stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d jumps in %d commits", jumps, Commits(st).Load())
	st = hubtest.OpenBolt(t, dir)
	trail, err := st.Trail("demo", 0, math.MaxInt)
	if err != nil || len(trail) != jumps {
		t.Fatalf("trail of %d entries (%v), want %d", len(trail), err, jumps)
	}
	for i, e := range trail {
		if e.Seq != uint64(i+1) || e.Symbol != fmt.Sprint("F", i+1) || e.By != "bob" {
			t.Fatalf("trail entry %d: %+v", i, e)
		}
	}
	if m, err := st.Participants("demo"); len(m) != 2 || err != nil {
		t.Errorf("members: %+v, %v", m, err)
	}
}
