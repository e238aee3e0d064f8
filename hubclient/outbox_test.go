package hubclient

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lspshare/lspshare/wire"
)

func at(line int) json.RawMessage { return json.RawMessage(fmt.Sprintf(`{"line":%d}`, line)) }

func jump(line int) wire.Frame {
	return wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: at(line)}
}

// lines lists the lines of the moves among frames, and the other frames'
// types.
func lines(frames []wire.Frame) string {
	var out string
	for _, f := range frames {
		if f.Type == wire.TypeNav {
			out += string(f.To) + " "
		} else {
			out += f.Type + " "
		}
	}
	return out
}

// unacked returns how many numbered moves wait for acknowledgement.
func (o *outbox) unacked() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent) + len(o.frames) - o.others
}

func TestOutboxKeepsWhatMatters(t *testing.T) {
	o := newOutbox(false)
	cursor := func(line int) wire.Frame { return wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: at(line)} }
	// Offline: every move is kept, numbered, in order; a cursor only when
	// newer than the last move; answers are dropped; the follow state goes
	// with the hello.
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
	o.resume(0)
	got := o.take()
	if lines(got) != `{"line":1} drive {"line":2} {"line":4} ` || got[2].Num != got[0].Num+1 || got[3].Num != 0 {
		t.Errorf("offline outbox gave %s %+v", lines(got), got)
	}

	// Online: everything in order; other frames bounded.
	o.setOnline(true)
	o.push(jump(5))
	o.push(wire.Frame{Type: wire.TypeFollow, Following: false})
	if got := o.take(); len(got) != 2 || got[1].Type != wire.TypeFollow || got[1].Following {
		t.Errorf("online outbox gave %+v", got)
	}
	for i := range backlogSize {
		if lost := o.push(wire.Frame{Type: wire.TypeDrive}); lost != "" {
			t.Fatalf("push %d: %s", i, lost)
		}
	}
	if o.push(wire.Frame{Type: wire.TypeDrive}) == "" {
		t.Error("push beyond the backlog accepted")
	}
	if lost := o.push(jump(6)); lost != "" {
		t.Errorf("a move refused with a full backlog: %s", lost)
	}
}

// Moves wait for their acknowledgement: after a reconnect those not
// acknowledged go again first, in order, less those the welcome says the hub
// has; at most maxUnacked wait, the oldest dropped first.
func TestOutboxResendsUnacknowledged(t *testing.T) {
	o := newOutbox(false)
	o.setOnline(true)
	for i := 1; i <= 5; i++ {
		o.push(jump(i))
	}
	sent := o.take()
	o.ack(sent[1].Num) // 1 and 2 are stored
	o.push(jump(6))
	o.push(wire.Frame{Type: wire.TypeDrive})
	// The connection breaks; the hub had 3 on disk when the ack was lost.
	o.setOnline(false)
	o.push(jump(7))
	o.resume(sent[2].Num)
	if got := lines(o.take()); got != `{"line":4} {"line":5} {"line":6} drive {"line":7} ` {
		t.Errorf("after a reconnect: %s", got)
	}
	if o.unacked() != 4 {
		t.Errorf("%d unacknowledged, want 4", o.unacked())
	}

	for i := range maxUnacked {
		o.push(jump(100 + i))
	}
	if n := o.unacked(); n != maxUnacked {
		t.Errorf("%d moves kept, want at most %d", n, maxUnacked)
	}
	o.resume(0)
	if got := o.take(); string(got[0].To) != string(at(100)) || string(got[len(got)-1].To) != string(at(100+maxUnacked-1)) {
		t.Errorf("kept moves from %s to %s, want the newest %d", got[0].To, got[len(got)-1].To, maxUnacked)
	}
}

// A hub that knows higher numbers than this client ever gave (an earlier
// client with the same id) gets the moves numbered again above its own.
func TestOutboxNumbersAboveTheHub(t *testing.T) {
	o := newOutbox(false)
	o.push(jump(1))
	o.push(jump(2))
	ahead := o.lastNum + 1000
	o.resume(ahead)
	got := o.take()
	if len(got) != 2 || got[0].Num != ahead+1 || got[1].Num != ahead+2 {
		t.Errorf("moves numbered %d, %d; want %d, %d", got[0].Num, got[1].Num, ahead+1, ahead+2)
	}
}

// Reconnects are quick for the first attempts in a row, then back off,
// doubling up to MaxBackoff; each wait is jittered around its base.
func TestRetryWait(t *testing.T) {
	const quickRetries = 16
	c := &Conn{cfg: Config{MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, QuickRetries: quickRetries}}
	for failures, base := range map[int]time.Duration{
		0: 100 * time.Millisecond, quickRetries - 1: 100 * time.Millisecond, quickRetries: 100 * time.Millisecond,
		quickRetries + 1: 200 * time.Millisecond, quickRetries + 3: 800 * time.Millisecond, quickRetries + 20: 2 * time.Second,
	} {
		for range 50 {
			if w := c.retryWait(failures); w < base/2 || w > base*3/2 {
				t.Fatalf("after %d failures: wait %v, want %v to %v", failures, w, base/2, base*3/2)
			}
		}
	}
}
