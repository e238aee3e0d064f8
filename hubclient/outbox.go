package hubclient

import (
	"sync"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// maxUnacked bounds the numbered moves a client keeps until the hub
// acknowledges them: minutes of a busy navigator away from the hub, some
// 300 KB.
const maxUnacked = 1024

// outbox holds what the client has yet to send, and the numbered moves sent
// but not acknowledged.
type outbox struct {
	mu          sync.Mutex
	frames      []wire.Frame // to send, oldest first
	others      int          // frames that are not numbered moves, at most backlogSize
	sent        []wire.Frame // numbered moves written, not acknowledged, oldest first
	lastNum     uint64       // the newest move's number
	cursor      *wire.Frame  // newest cursor move, sent after frames
	following   bool
	followDirty bool // following changed since the hub was last told
	online      bool
	callers     bool          // the caller numbers the moves (Config.CallerNumbers)
	wake        chan struct{} // capacity 1
}

func newOutbox(callers bool) *outbox {
	o := &outbox{wake: make(chan struct{}, 1), callers: callers}
	if !callers {
		// Numbers start at the clock, in microseconds, so that a client
		// made again with the same id (a proxy joining the session again)
		// numbers above the one before it, whose numbers the hub remembers.
		o.lastNum = uint64(time.Now().UnixMicro())
	}
	return o
}

// push adds f. It returns why something was dropped, or "".
func (o *outbox) push(f wire.Frame) (lost string) {
	o.mu.Lock()
	defer o.poke()
	defer o.mu.Unlock()
	switch {
	case f.Type == wire.TypeNav && f.Kind == wire.KindCursor:
		o.cursor = &f
		return ""
	case f.Type == wire.TypeFollow:
		o.following, o.followDirty = f.Following, true
		return ""
	case !o.online && f.Type == wire.TypeAnswer:
		return ""
	case wire.Numbered(f):
		o.cursor = nil // older than this move
		if o.callers && f.Num > o.lastNum {
			o.lastNum = f.Num
		} else {
			o.lastNum++
			f.Num = o.lastNum
		}
		o.frames = append(o.frames, f)
		return o.bound()
	case o.others >= backlogSize:
		return "backlog full"
	}
	o.others++
	o.frames = append(o.frames, f)
	return ""
}

// bound drops the oldest numbered move when more than maxUnacked wait.
func (o *outbox) bound() (lost string) {
	if len(o.sent)+len(o.frames)-o.others <= maxUnacked {
		return ""
	}
	if len(o.sent) > 0 {
		o.sent = o.sent[1:]
		return "too many moves unacknowledged: the oldest is lost"
	}
	for i, f := range o.frames {
		if wire.Numbered(f) {
			o.frames = append(o.frames[:i], o.frames[i+1:]...)
			break
		}
	}
	return "too many moves unacknowledged: the oldest is lost"
}

func (o *outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// take empties the outbox, in sending order; the numbered moves among
// what it returns wait for their acknowledgement.
func (o *outbox) take() []wire.Frame {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.frames
	o.frames, o.others = nil, 0
	for _, f := range out {
		if wire.Numbered(f) {
			o.sent = append(o.sent, f)
		}
	}
	if o.followDirty {
		out = append(out, wire.Frame{Type: wire.TypeFollow, Following: o.following})
		o.followDirty = false
	}
	if o.cursor != nil {
		out = append(out, *o.cursor)
		o.cursor = nil
	}
	return out
}

// ack forgets the moves numbered up to num: the hub has them.
func (o *outbox) ack(num uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = wire.Unacked(o.sent, num)
}

// resume readies a new connection whose welcome says the hub has this
// participant's moves up to acked: the moves sent but not acknowledged go
// out again first, in order, less those the hub has. A hub that knows a
// number this client never gave had the participant from an earlier client
// with its id and a clock ahead of this one's: the moves are numbered again
// above it, unless the caller numbers them (its numbers are the ones the
// hub may have).
func (o *outbox) resume(acked uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	all := append(o.sent, o.frames...)
	o.sent, o.frames, o.others = nil, all[:0], 0
	renumber := !o.callers && acked >= o.lastNum
	if renumber {
		o.lastNum = acked
	}
	for _, f := range all {
		switch {
		case !wire.Numbered(f):
			o.others++
		case renumber:
			o.lastNum++
			f.Num = o.lastNum
		case f.Num <= acked:
			continue
		}
		o.frames = append(o.frames, f)
	}
	if len(o.frames) > 0 {
		o.poke()
	}
}

// hello completes a hello with the follow state, which it then carries.
func (o *outbox) hello(f wire.Frame) wire.Frame {
	o.mu.Lock()
	defer o.mu.Unlock()
	f.Following = o.following
	o.followDirty = false
	return f
}

func (o *outbox) setOnline(on bool) {
	o.mu.Lock()
	o.online = on
	o.mu.Unlock()
}
