package store_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	. "github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// numbered is a jump with the sender's number num.
func numbered(num uint64) wire.Frame {
	return wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", int(num)), Symbol: fmt.Sprint("F", num), Num: num}
}

// acksUntil reads p's frames up to one that satisfies stop and returns the
// numbers of the acks among them.
func acksUntil(p *hubtest.Peer, stop func(wire.Frame) bool, what string) []uint64 {
	var acks []uint64
	p.Await(func(f wire.Frame) bool {
		if f.Type == wire.TypeAck {
			acks = append(acks, f.Num)
		}
		return stop(f)
	}, what)
	return acks
}

// located asks the hub where ann is: its answer comes after every frame
// the hub queued for p before, so it marks "so far".
func located(p *hubtest.Peer) func(wire.Frame) bool {
	p.Send(wire.Frame{Type: wire.TypeLocate, Ref: "mark", Name: "ann"})
	return hubtest.IsType(wire.TypeLocated)
}

// The hub acknowledges a numbered move once it is on disk, not before (it
// fans it out before); a move sent again is dropped by its number and
// acknowledged again; a move of someone without the wheel is acknowledged
// at once; and a restarted hub knows the numbers it has, from the disk.
func TestHubAcknowledgesStoredMoves(t *testing.T) {
	dir := t.TempDir()
	st := hubtest.OpenBolt(t, dir)
	th := hubtest.StartHub(t, hub.Config{Store: st}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	Flush(st)
	release := HoldDisk(t, st)
	for num := uint64(101); num <= 103; num++ {
		bob.Send(numbered(num))
	}
	ann.Await(hubtest.IsNav(3), "jump 3 while the disk is held")
	if acks := acksUntil(bob, located(bob), "located"); len(acks) != 0 {
		t.Fatalf("acks %v before the moves were on disk", acks)
	}
	release()
	acks := acksUntil(bob, func(f wire.Frame) bool { return f.Type == wire.TypeAck && f.Num == 103 }, "ack 103")
	for i := 1; i < len(acks); i++ {
		if acks[i] <= acks[i-1] {
			t.Errorf("acks out of order: %v", acks)
		}
	}

	// Sent again (a lost ack): dropped, acknowledged again.
	bob.Send(numbered(102))
	bob.Send(numbered(103))
	if acks := acksUntil(bob, located(bob), "located"); len(acks) != 2 || acks[0] != 103 || acks[1] != 103 {
		t.Errorf("acks of moves sent again: %v, want [103 103]", acks)
	}
	bob.Send(numbered(104))
	if f := ann.Await(hubtest.IsType(wire.TypeNav), "the next jump"); f.Seq != 4 || f.Symbol != "F104" {
		t.Errorf("after moves sent again ann got %+v, want seq 4, F104", f)
	}
	acksUntil(bob, func(f wire.Frame) bool { return f.Type == wire.TypeAck && f.Num == 104 }, "ack 104")

	// Not the navigator: nothing to store, acknowledged at once.
	ann.Send(numbered(7))
	acksUntil(ann, func(f wire.Frame) bool { return f.Type == wire.TypeAck && f.Num == 7 }, "ack 7 to ann")

	// A restarted hub welcomes bob with the newest number it has, and
	// drops that move sent again.
	drive := hubtest.Key(t, th.Links.Drive)
	th.Stop()
	st.Close()
	st = hubtest.OpenBolt(t, dir)
	th = hubtest.StartHub(t, hub.Config{Store: st}, "", nil)
	bob = hubtest.ConnectPeer(t, th, drive, wire.Frame{Type: wire.TypeHello, ID: "id-bob", Name: "bob"}, nil)
	if w := bob.Await(hubtest.IsType(wire.TypeWelcome), "welcome"); w.Num != 104 || w.Seq != 4 {
		t.Errorf("welcome after restart: num %d seq %d, want 104, 4", w.Num, w.Seq)
	}
	bob.Send(numbered(104))
	bob.Send(numbered(105))
	acksUntil(bob, func(f wire.Frame) bool { return f.Type == wire.TypeAck && f.Num == 105 }, "ack 105")
	Flush(st)
	trail, err := st.Trail("demo", 0, 100)
	if err != nil || len(trail) != 5 || trail[4].Symbol != "F105" || trail[3].Symbol != "F104" {
		t.Errorf("trail: %+v, %v", trail, err)
	}
}

// A numbered move the store refuses (its disk is behind) ends the sender's
// connection, so that no later move is taken and acknowledged before it:
// the proxy sends it and the rest again after reconnecting, and once the
// disk has caught up every move is in the trail, once, in order.
func TestRefusedMoveComesAgain(t *testing.T) {
	st := hubtest.OpenBolt(t, t.TempDir())
	*MaxUnwritten(st) = 64 << 10
	th := hubtest.StartHub(t, hub.Config{Store: st}, "", nil)
	bob, _ := hubtest.RunConn(t, hubclient.Config{Link: th.Links.Drive, Name: "bob", MinBackoff: 20 * time.Millisecond})
	hubtest.AwaitEvent(t, bob, hubtest.IsType(wire.TypeConnected), "bob connected")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	Flush(st)
	release := HoldDisk(t, st)
	pad := strings.Repeat("x", 10000)
	const moves = 10 // 100 KB: more than the store holds while its disk is held
	for i := range moves {
		bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: json.RawMessage(`{"pad":"` + pad + `"}`), Symbol: fmt.Sprint("B", i)})
	}
	f := hubtest.AwaitEvent(t, bob, hubtest.IsType(wire.TypeError), "a refused move")
	if !strings.Contains(f.Message, "nobody saw it") {
		t.Errorf("refusal: %q", f.Message)
	}
	hubtest.AwaitEvent(t, bob, hubtest.IsType(wire.TypeDisconnected), "the connection ended")
	release()
	for i := range moves {
		f := ann.Await(hubtest.IsType(wire.TypeNav), "a move")
		if f.Seq != uint64(i+1) || f.Symbol != fmt.Sprint("B", i) {
			t.Fatalf("ann got seq %d %s, want seq %d B%d", f.Seq, f.Symbol, i+1, i)
		}
	}
	Flush(st)
	trail, err := st.Trail("demo", 0, 100)
	if err != nil || len(trail) != moves {
		t.Fatalf("trail of %d (%v), want %d", len(trail), err, moves)
	}
}
