package participant

import (
	"testing"

	"github.com/lspshare/lspshare/wire"
)

// consumed are the frames the hub connection keeps for itself: the welcome
// (it becomes the connected news), answers (Ask returns them) and acks
// (it forgets what they acknowledge).
var consumed = map[string]bool{wire.TypeWelcome: true, wire.TypeAnswer: true, wire.TypeAck: true}

// Every frame the hub connection delivers has a handler, and nothing else
// has.
func TestHubHandlersMatchTheWire(t *testing.T) {
	for typ, from := range wire.Types {
		delivered := from&(wire.FromHub|wire.Local) != 0 && !consumed[typ]
		if _, ok := hubHandlers[typ]; ok != delivered {
			t.Errorf("frame type %s: handler %v, but delivered: %v", typ, ok, delivered)
		}
	}
	for typ := range hubHandlers {
		if _, ok := wire.Types[typ]; !ok {
			t.Errorf("handler for %s, which wire.Types does not list", typ)
		}
	}
}
