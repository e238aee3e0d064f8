package lsptest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Message is one JSON-RPC message the client received: a response, a
// notification, or a request of the server.
type Message struct {
	Raw    []byte          // the body exactly as it arrived
	ID     json.RawMessage // nil for notifications
	Method string          // empty for responses
	Params json.RawMessage
	Result json.RawMessage // as sent; "null" stays "null", absent stays nil
	Error  *RPCError
	Seq    int // position in the client's log of received messages (see Since)
}

// IsResponse reports whether m answers a request.
func (m Message) IsResponse() bool { return m.Method == "" }

// RPCError is a JSON-RPC error object, received or to be sent.
type RPCError struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// JSON-RPC and LSP error codes.
const (
	CodeParseError       = -32700
	CodeInvalidRequest   = -32600
	CodeMethodNotFound   = -32601
	CodeInternalError    = -32603
	CodeRequestCancelled = -32800
	CodeRequestFailed    = -32803
)

// Handler answers one request of the server. It runs on its own goroutine,
// so it may block (for example until a test releases it) and may use the
// client. An error that is an *RPCError keeps its code; others are sent as
// CodeInternalError.
type Handler func(ctx context.Context, params json.RawMessage) (any, error)

// ErrNoAnswer, returned by a Handler, leaves the request unanswered, as
// editors such as vim-lsp do with requests they do not know.
var ErrNoAnswer = errors.New("lsptest: leave the request unanswered")

// Editor plays the editor's side of an LSP connection: it calls the server,
// answers the server's requests with Handlers, and logs every message it
// receives so that tests can wait for the ones they expect.
type Editor struct {
	t        testing.TB
	out      io.WriteCloser
	in       *bufio.Reader
	handlers map[string]Handler

	ctx    context.Context // ends at Close, for handlers
	cancel context.CancelFunc
	work   sync.WaitGroup // handler goroutines
	done   chan struct{}  // closed when the read loop ends

	writeMu sync.Mutex // one message at a time to the server

	mu      sync.Mutex // guards the fields below
	nextID  int64
	pending map[string]chan Message // by the id's JSON text
	log     []Message               // everything but answers to Call
	grew    chan struct{}           // closed and replaced whenever log grows
	readErr error                   // why the read loop ended
}

// Connect starts a client that reads the server's messages from in and
// writes its own to out. The client is closed when the test ends.
//
// handlers override or extend DefaultHandlers; a nil Handler removes the
// default, so that the request gets MethodNotFound.
func Connect(t testing.TB, in io.Reader, out io.WriteCloser, handlers map[string]Handler) *Editor {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Editor{
		t:        t,
		out:      out,
		in:       bufio.NewReaderSize(in, 64<<10),
		handlers: DefaultHandlers(),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		pending:  make(map[string]chan Message),
		grew:     make(chan struct{}),
	}
	for method, h := range handlers {
		if h == nil {
			delete(c.handlers, method)
		} else {
			c.handlers[method] = h
		}
	}
	go c.readLoop()
	t.Cleanup(c.Close)
	return c
}

// DefaultHandlers answers the server's requests as a quiet, capable editor
// does: empty settings for every workspace/configuration item, null for
// capability registration and progress creation, success for showDocument.
// Every request, answered or not, is in the client's log.
func DefaultHandlers() map[string]Handler {
	null := func(context.Context, json.RawMessage) (any, error) { return nil, nil }
	return map[string]Handler{
		"workspace/configuration":        ConfigurationHandler(map[string]any{}),
		"client/registerCapability":      null,
		"client/unregisterCapability":    null,
		"window/workDoneProgress/create": null,
		"window/showDocument": func(context.Context, json.RawMessage) (any, error) {
			return map[string]bool{"success": true}, nil
		},
	}
}

// ConfigurationHandler answers workspace/configuration with settings for
// every item asked.
func ConfigurationHandler(settings any) Handler {
	return func(_ context.Context, params json.RawMessage) (any, error) {
		var p struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, &RPCError{Code: CodeInvalidRequest, Message: err.Error()}
		}
		out := make([]any, len(p.Items))
		for i := range out {
			out[i] = settings
		}
		return out, nil
	}
}

// Close stops the client: its output is closed (a server reading it sees the
// end of its input), running handlers are cancelled and waited for.
// It does not wait for the server to close its side.
func (c *Editor) Close() {
	c.cancel()
	c.writeMu.Lock()
	c.out.Close()
	c.writeMu.Unlock()
	c.work.Wait()
}

// Err returns why the server's stream ended (io.EOF for a clean end), or nil
// while it is open.
func (c *Editor) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readErr
}

// Pending is a request sent and not yet waited for.
type Pending struct {
	c      *Editor
	ID     json.RawMessage
	Method string
	answer chan Message
}

// Send sends a request and returns without waiting for its answer.
// params may be any value json.Marshal accepts, or json.RawMessage.
func (c *Editor) Send(method string, params any) (*Pending, error) {
	c.mu.Lock()
	c.nextID++
	id := json.RawMessage(strconv.FormatInt(c.nextID, 10))
	ch := make(chan Message, 1)
	c.pending[string(id)] = ch
	c.mu.Unlock()
	body, err := encode(id, method, params)
	if err == nil {
		err = c.WriteBody(body)
	}
	if err != nil {
		c.forget(id)
		return nil, fmt.Errorf("send %s: %w", method, err)
	}
	return &Pending{c: c, ID: id, Method: method, answer: ch}, nil
}

// Wait returns the answer to the request, or an error when ctx ends or the
// server's stream ends first.
func (p *Pending) Wait(ctx context.Context) (Message, error) {
	select {
	case m := <-p.answer:
		return m, nil
	case <-ctx.Done():
		select {
		case m := <-p.answer: // an answer that came in time wins over the deadline
			return m, nil
		default:
		}
		p.c.forget(p.ID)
		return Message{}, fmt.Errorf("%s (id %s): no answer: %w", p.Method, p.ID, ctx.Err())
	case <-p.c.done:
		select {
		case m := <-p.answer:
			return m, nil
		default:
		}
		return Message{}, fmt.Errorf("%s (id %s): no answer: stream ended: %v", p.Method, p.ID, p.c.Err())
	}
}

// Cancel sends $/cancelRequest for the request. Its answer is still to be
// waited for: LSP servers answer cancelled requests.
func (p *Pending) Cancel() error {
	return p.c.Notify("$/cancelRequest", map[string]json.RawMessage{"id": p.ID})
}

// Call sends a request and waits for its result. A JSON-RPC error answer is
// returned as an *RPCError. When ctx ends first, Call sends $/cancelRequest,
// as editors do, and returns ctx's error.
func (c *Editor) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	p, err := c.Send(method, params)
	if err != nil {
		return nil, err
	}
	m, err := p.Wait(ctx)
	if err != nil {
		if ctx.Err() != nil {
			p.Cancel() // best effort; the stream may be gone
		}
		return nil, err
	}
	if m.Error != nil {
		return nil, m.Error
	}
	return m.Result, nil
}

// Notify sends a notification.
func (c *Editor) Notify(method string, params any) error {
	body, err := encode(nil, method, params)
	if err == nil {
		err = c.WriteBody(body)
	}
	if err != nil {
		return fmt.Errorf("notify %s: %w", method, err)
	}
	return nil
}

// WriteBody sends body as one message, framed with a Content-Length header
// and nothing else.
func (c *Editor) WriteBody(body []byte) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return c.WriteRaw(b.Bytes())
}

// WriteRaw writes bytes to the server as they are, for tests of malformed
// input. Messages the client sends itself are never split by it.
func (c *Editor) WriteRaw(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.out.Write(b)
	return err
}

func (c *Editor) forget(id json.RawMessage) {
	c.mu.Lock()
	delete(c.pending, string(id))
	c.mu.Unlock()
}

// encode builds a request (id set) or notification. It writes params raw
// when they are a json.RawMessage, so tests control their exact bytes.
func encode(id json.RawMessage, method string, params any) ([]byte, error) {
	raw, ok := params.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(params); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0",`)
	if id != nil {
		b.WriteString(`"id":`)
		b.Write(id)
		b.WriteByte(',')
	}
	b.WriteString(`"method":`)
	m, _ := json.Marshal(method)
	b.Write(m)
	if string(raw) != "null" {
		b.WriteString(`,"params":`)
		b.Write(raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// readLoop reads the server's messages until its stream ends or breaks the
// framing rules.
func (c *Editor) readLoop() {
	defer close(c.done)
	for {
		body, err := readFrame(c.in)
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
		m, err := decode(body)
		if err != nil {
			if c.ctx.Err() == nil { // the test may be over after Close
				c.t.Errorf("lsptest: server sent an invalid message: %v: %.200s", err, body)
			}
			continue
		}
		c.receive(m)
	}
}

func (c *Editor) receive(m Message) {
	c.mu.Lock()
	if m.IsResponse() {
		if ch, ok := c.pending[string(m.ID)]; ok {
			delete(c.pending, string(m.ID))
			c.mu.Unlock()
			ch <- m
			return
		}
	}
	m.Seq = len(c.log)
	c.log = append(c.log, m)
	close(c.grew)
	c.grew = make(chan struct{})
	c.mu.Unlock()
	if m.Method != "" && m.ID != nil {
		c.work.Add(1)
		go c.answer(m)
	}
}

// answer runs the handler of a server request and sends its answer.
func (c *Editor) answer(m Message) {
	defer c.work.Done()
	h, ok := c.handlers[m.Method]
	var result any
	var err error = &RPCError{Code: CodeMethodNotFound, Message: "method not found: " + m.Method}
	if ok {
		result, err = h(c.ctx, m.Params)
	}
	if err == ErrNoAnswer {
		return
	}
	body, merr := response(m.ID, result, err)
	if merr != nil {
		c.t.Errorf("lsptest: answer to %s: %v", m.Method, merr)
		return
	}
	if werr := c.WriteBody(body); werr != nil && c.ctx.Err() == nil {
		c.t.Logf("lsptest: answer to %s: %v", m.Method, werr)
	}
}

func response(id json.RawMessage, result any, err error) ([]byte, error) {
	type resp struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  any             `json:"result,omitempty"`
		Error   *RPCError       `json:"error,omitempty"`
	}
	r := resp{JSONRPC: "2.0", ID: id}
	switch e := err.(type) {
	case nil:
		r.Result = result
		if result == nil {
			r.Result = json.RawMessage("null")
		}
	case *RPCError:
		r.Error = e
	default:
		r.Error = &RPCError{Code: CodeInternalError, Message: err.Error()}
	}
	return json.Marshal(r)
}

// Since returns the position in the log that the next received message will
// have. Pass it to Await to wait only for messages that come after now.
func (c *Editor) Since() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.log)
}

// Received returns the messages received from position since on:
// notifications, server requests, and answers to requests the client did not
// send with Send or Call (for example written with WriteBody).
func (c *Editor) Received(since int) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if since > len(c.log) {
		return nil
	}
	return append([]Message(nil), c.log[since:]...)
}

// Match selects a received message.
type Match func(Message) bool

// Await returns the first message at position since or later that match
// accepts, waiting for it until ctx ends or the server's stream ends.
func (c *Editor) Await(ctx context.Context, since int, match Match) (Message, error) {
	for {
		c.mu.Lock()
		for i := max(since, 0); i < len(c.log); i++ {
			if match(c.log[i]) {
				m := c.log[i]
				c.mu.Unlock()
				return m, nil
			}
		}
		since = len(c.log)
		grew := c.grew
		c.mu.Unlock()
		select {
		case <-grew:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("awaited message did not come: %w", ctx.Err())
		case <-c.done:
			// The log may have grown just before the end.
			if c.Since() == since {
				return Message{}, fmt.Errorf("awaited message did not come: stream ended: %v", c.Err())
			}
		}
	}
}

// Method matches notifications and server requests of the method.
func Method(method string) Match {
	return func(m Message) bool { return m.Method == method }
}

// ResponseTo matches the answer to the request whose id has the JSON text id
// (`7`, `"abc"`, `null`).
func ResponseTo(id string) Match {
	return func(m Message) bool { return m.IsResponse() && string(m.ID) == id }
}

// Diagnostics matches textDocument/publishDiagnostics for uri. With version
// >= 0 only diagnostics of that document version match.
func Diagnostics(uri string, version int) Match {
	return func(m Message) bool {
		if m.Method != "textDocument/publishDiagnostics" {
			return false
		}
		var p struct {
			URI     string `json:"uri"`
			Version *int   `json:"version"`
		}
		if json.Unmarshal(m.Params, &p) != nil || p.URI != uri {
			return false
		}
		return version < 0 || (p.Version != nil && *p.Version == version)
	}
}

// ShowMessage matches window/showMessage notifications whose text contains
// substr.
func ShowMessage(substr string) Match {
	return func(m Message) bool {
		if m.Method != "window/showMessage" {
			return false
		}
		var p struct {
			Message string `json:"message"`
		}
		return json.Unmarshal(m.Params, &p) == nil && strings.Contains(p.Message, substr)
	}
}

// readFrame reads one message as LSP frames it, strictly: header lines of
// the form "Name: value" ended by CRLF, a Content-Length, an empty line,
// and exactly that many bytes. It is independent of package frame so that
// each checks the other.
func readFrame(r *bufio.Reader) ([]byte, error) {
	length := -1
	for first := true; ; first = false {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && first && line == "" {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("read header: %w", noEOF(err))
		}
		if !strings.HasSuffix(line, "\r\n") {
			return nil, fmt.Errorf("header line %q does not end in CRLF", line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("malformed header line %q", line)
		}
		switch {
		case strings.EqualFold(name, "Content-Length"):
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || length >= 0 {
				return nil, fmt.Errorf("bad or repeated Content-Length %q", value)
			}
			length = n
		case strings.EqualFold(name, "Content-Type"):
		default:
			return nil, fmt.Errorf("unknown header %q", line)
		}
	}
	if length < 0 {
		return nil, errors.New("header without Content-Length")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read body of %d bytes: %w", length, noEOF(err))
	}
	return body, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// decode reads a message's envelope, keeping null values as they came.
func decode(body []byte) (Message, error) {
	var e struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
		Result  json.RawMessage `json:"result"`
		Error   *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return Message{}, err
	}
	if e.JSONRPC != "2.0" {
		return Message{}, fmt.Errorf(`"jsonrpc" is %q, not "2.0"`, e.JSONRPC)
	}
	m := Message{Raw: body, ID: e.ID, Method: e.Method, Params: e.Params, Result: e.Result, Error: e.Error}
	if m.Method == "" && (m.ID == nil || (m.Result == nil) == (m.Error == nil)) {
		return Message{}, errors.New("neither a request nor a response with exactly one of result and error")
	}
	return m, nil
}
