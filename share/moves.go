package share

import (
	"sync"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// maxUnacked bounds the moves a proxy keeps until the hub acknowledges
// them, as a hub connection's outbox does.
const maxUnacked = 1024

// moves are one proxy's numbered jumps and opens that the hub has not
// acknowledged yet. The proxy numbers them itself, so that when the holder
// of the hub connection dies with some unacknowledged, they go again, with
// the same numbers, through the next holder, and the hub drops those it
// has. Numbers follow the clock, in microseconds: the person's proxies,
// numbering apart, mostly number in the order the person moved, and a
// proxy started again numbers above the one before.
type moves struct {
	mu      sync.Mutex
	list    []wire.Frame // oldest first
	lastNum uint64
}

// add numbers f and keeps it. lost says the oldest was dropped to make
// room.
func (ms *moves) add(f wire.Frame) (numbered wire.Frame, lost bool) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.lastNum = max(uint64(time.Now().UnixMicro()), ms.lastNum+1)
	f.Num = ms.lastNum
	ms.list = append(ms.list, f)
	if len(ms.list) > maxUnacked {
		ms.list, lost = ms.list[1:], true
	}
	return f, lost
}

// ack forgets the moves numbered up to num: the hub has them.
func (ms *moves) ack(num uint64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.list = wire.Unacked(ms.list, num)
}

// pending is a copy of the moves kept, oldest first.
func (ms *moves) pending() []wire.Frame {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]wire.Frame(nil), ms.list...)
}

// above makes the next numbers higher than num, the newest the hub
// acknowledged of this participant: a number not above it would be taken
// for one the hub has (a clock set back, an earlier proxy's numbers).
func (ms *moves) above(num uint64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.lastNum = max(ms.lastNum, num)
}
