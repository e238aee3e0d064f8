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

// AskNavigator asks the named session's navigator a remote request on the hub's own
// behalf (the web viewer needs files) and waits for the answer until ctx
// ends. It fails at once when nobody connected holds the wheel.
func (h *Hub) AskNavigator(ctx context.Context, name, method string, params json.RawMessage) (json.RawMessage, error) {
	s, err := h.session(name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("no session %s", name)
	}
	deadline := defaultAskDeadline
	if dl, ok := ctx.Deadline(); ok {
		deadline = time.Until(dl)
	}
	if deadline < time.Millisecond {
		return nil, context.DeadlineExceeded
	}
	reply := make(chan wire.Frame, 1)
	ref, err := s.askWheel(reply, wire.Frame{Method: method, Params: params, DeadlineMS: deadline.Milliseconds()})
	if err != nil {
		return nil, err
	}
	select {
	case f := <-reply:
		if f.Error != "" {
			return nil, &wire.AnswerError{Message: f.Error}
		}
		return f.Result, nil
	case <-ctx.Done():
		s.dropAsk(ref)
		return nil, fmt.Errorf("ask %s: %w", method, ctx.Err())
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
