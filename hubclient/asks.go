package hubclient

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// defaultAskTTL is the deadline of a remote request whose context has none.
const defaultAskTTL = 30 * time.Second

// Asks is a connection's remote requests awaiting their answers, by ref.
// A Conn keeps one, and so does a proxy that reaches the hub through
// another's connection (package share): only how frames travel differs.
// The zero value is closed: it takes no request until SetOpen(true).
type Asks struct {
	mu      sync.Mutex
	open    bool
	pending map[string]chan wire.Frame
	lastRef uint64
}

// SetOpen says whether answers can come. Closing fails every request still
// waiting: whoever would have answered them is out of reach.
func (a *Asks) SetOpen(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.open = on
	if on {
		return
	}
	for ref, ch := range a.pending {
		ch <- wire.Frame{Type: wire.TypeAnswer, Ref: ref, Error: "the connection to the hub broke before the answer came"}
		delete(a.pending, ref)
	}
}

// Answer gives f to the request waiting for its ref, if one is.
func (a *Asks) Answer(f wire.Frame) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ch := a.pending[f.Ref]; ch != nil {
		ch <- f // capacity 1, one answer per ref
		delete(a.pending, f.Ref)
	}
}

// Ask sends a remote request to the participant named to (the navigator if
// empty) with send and waits for its answer frame, as it came, until ctx
// ends. The request's deadline is ctx's (30s if none). An answer's error is
// a *wire.AnswerError.
func (a *Asks) Ask(ctx context.Context, send func(wire.Frame), to, method string, params json.RawMessage) (wire.Frame, error) {
	if err := ctx.Err(); err != nil { // the asker stopped waiting: ask nobody
		return wire.Frame{}, fmt.Errorf("ask %s: %w", method, err)
	}
	ttl := defaultAskTTL
	if dl, ok := ctx.Deadline(); ok {
		ttl = time.Until(dl)
	}
	if ttl < time.Millisecond {
		return wire.Frame{}, context.DeadlineExceeded
	}
	ctx, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()
	ref, answer, err := a.start()
	if err != nil {
		return wire.Frame{}, err
	}
	defer a.forget(ref)
	send(wire.Frame{Type: wire.TypeAsk, Ref: ref, Name: to, Method: method, Params: params, DeadlineMS: ttl.Milliseconds()})
	select {
	case f := <-answer:
		if f.Error != "" {
			return wire.Frame{}, &wire.AnswerError{Message: f.Error}
		}
		return f, nil
	case <-ctx.Done():
		return wire.Frame{}, fmt.Errorf("ask %s: %w", method, ctx.Err())
	}
}

// Result is Ask for a request answered with a JSON result; a file chunk
// for an answer is an error.
func (a *Asks) Result(ctx context.Context, send func(wire.Frame), to, method string, params json.RawMessage) (json.RawMessage, error) {
	f, err := a.Ask(ctx, send, to, method, params)
	if err == nil && f.Chunk != nil {
		err = fmt.Errorf("ask %s: answered with a file chunk", method)
	}
	return f.Result, err
}

// Chunk is Ask for a request answered with a file chunk, which comes as a
// binary message, its bytes untouched on the way.
func (a *Asks) Chunk(ctx context.Context, send func(wire.Frame), to, method string, params json.RawMessage) (wire.Chunk, error) {
	f, err := a.Ask(ctx, send, to, method, params)
	if err != nil {
		return wire.Chunk{}, err
	}
	if f.Chunk == nil {
		return wire.Chunk{}, fmt.Errorf("ask %s: answered without a file chunk", method)
	}
	return *f.Chunk, nil
}

func (a *Asks) start() (string, chan wire.Frame, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.open {
		return "", nil, ErrNotConnected
	}
	if a.pending == nil {
		a.pending = map[string]chan wire.Frame{}
	}
	a.lastRef++
	ref := "a" + strconv.FormatUint(a.lastRef, 10)
	answer := make(chan wire.Frame, 1)
	a.pending[ref] = answer
	return ref, answer, nil
}

func (a *Asks) forget(ref string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.pending, ref)
}
