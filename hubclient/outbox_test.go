package hubclient

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lspshare/lspshare/wire"
)

func TestOutboxKeepsWhatMatters(t *testing.T) {
	o := outbox{wake: make(chan struct{}, 1)}
	at := func(line int) json.RawMessage { return json.RawMessage(fmt.Sprintf(`{"line":%d}`, line)) }
	jump := func(line int) wire.Frame { return wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: at(line)} }
	cursor := func(line int) wire.Frame { return wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: at(line)} }
	// Offline: one move survives, the newest; answers are dropped; the
	// follow state goes with the hello.
	o.push(jump(1))
	o.push(wire.Frame{Type: wire.TypeDrive})
	o.push(jump(2))
	o.push(wire.Frame{Type: wire.TypeAnswer, Ref: "x"})
	o.push(cursor(3))
	o.push(cursor(4))
	o.push(wire.Frame{Type: wire.TypeFollow, Following: true})
	if h := o.hello(wire.Frame{Type: wire.TypeHello}); !h.Following {
		t.Error("hello does not carry the follow state")
	}
	got := o.take()
	if len(got) != 3 || got[0].Type != wire.TypeDrive || string(got[1].To) != string(at(2)) || string(got[2].To) != string(at(4)) {
		t.Errorf("offline outbox gave %+v", got)
	}

	// Online: everything in order, bounded.
	o.setOnline(true)
	o.push(jump(5))
	o.push(jump(6))
	o.push(wire.Frame{Type: wire.TypeFollow, Following: false})
	if got := o.take(); len(got) != 3 || got[2].Type != wire.TypeFollow || got[2].Following {
		t.Errorf("online outbox gave %+v", got)
	}
	for i := range backlogSize {
		if !o.push(jump(i)) {
			t.Fatalf("push %d refused", i)
		}
	}
	if o.push(jump(0)) {
		t.Error("push beyond the backlog accepted")
	}
}
