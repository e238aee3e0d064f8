package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// HubAsker is the name the hub's own requests carry as their asker, for
// the answering participant's log.
const HubAsker = "the hub's web viewer"

// AskNavigator asks the named session's navigator a remote request on the
// hub's own behalf and waits for the answer until ctx ends. The hub asks
// only for files (the web viewer needs them), so the answer is a file chunk;
// one without is an error. It fails at once when nobody connected holds the
// wheel.
func (h *Hub) AskNavigator(ctx context.Context, name, method string, params json.RawMessage) (wire.Chunk, error) {
	s, err := h.session(name)
	if err != nil {
		return wire.Chunk{}, err
	}
	if s == nil {
		return wire.Chunk{}, fmt.Errorf("no session %s", name)
	}
	deadline := defaultAskDeadline
	if dl, ok := ctx.Deadline(); ok {
		deadline = time.Until(dl)
	}
	if deadline < time.Millisecond {
		return wire.Chunk{}, context.DeadlineExceeded
	}
	reply := make(chan wire.Frame, 1)
	ref, err := s.askWheel(reply, wire.Frame{Method: method, Params: params, DeadlineMS: deadline.Milliseconds()})
	if err != nil {
		return wire.Chunk{}, err
	}
	select {
	case f := <-reply:
		switch {
		case f.Error != "":
			return wire.Chunk{}, &wire.AnswerError{Message: f.Error}
		case f.Chunk == nil:
			return wire.Chunk{}, fmt.Errorf("ask %s: the navigator answered without a file chunk", method)
		}
		return *f.Chunk, nil
	case <-ctx.Done():
		s.dropAsk(ref)
		return wire.Chunk{}, fmt.Errorf("ask %s: %w", method, ctx.Err())
	}
}

func (s *session) askWheel(reply chan wire.Frame, f wire.Frame) (ref string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.navigator
	switch {
	case s.closed:
		return "", errors.New("the hub is shutting down")
	case t == nil:
		return "", errors.New("nobody holds the wheel")
	case t.conn == nil:
		return "", fmt.Errorf("%s holds the wheel but is not connected", t.name)
	case len(s.asks) >= s.hub.cfg.MaxAsks:
		return "", errors.New("too many requests in flight in this session; try again")
	}
	return s.startAsk(&pendingRequest{reply: reply, target: t}, HubAsker, f), nil
}

// dropAsk forgets a request of the hub's whose asker stopped waiting.
func (s *session) dropAsk(ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.asks[ref]; p != nil && p.asker == nil {
		s.endAsk(ref, p)
	}
}
