package hub

import (
	"testing"

	"github.com/lspshare/lspshare/wire"
)

// Every type a participant may send has a handler, and nothing else has.
func TestHandlersMatchTheWire(t *testing.T) {
	for typ, from := range wire.Types {
		sent := from&wire.FromParticipant != 0 && typ != wire.TypeHello // hello is the join
		if _, ok := handlers[typ]; ok != sent {
			t.Errorf("frame type %s: handler %v, but participants send it: %v", typ, ok, sent)
		}
	}
	for typ := range handlers {
		if _, ok := wire.Types[typ]; !ok {
			t.Errorf("handler for %s, which wire.Types does not list", typ)
		}
	}
}
