// Package proxy relays the Language Server Protocol between an editor and a
// language server, byte for byte, and observes where the editor goes.
//
// A Proxy forwards every message unchanged, except those it has a reason to
// touch: it adds its own commands to the server's initialize result and
// answers them, consumes the $/lspshare/cursor notification, and sends its
// own requests and notifications to the editor. What it observes (jumps to
// definitions, cursor positions, opened documents) it reports as Events.
// It knows nothing of sessions or networks.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/frame"
)

// Config configures a Proxy.
type Config struct {
	// Server is the language server's command line. Empty means none: the
	// proxy then answers the editor itself (see Fallback).
	Server []string
	// ServerStderr receives the server's stderr (default: discarded).
	ServerStderr io.Writer
	// Logger receives the proxy's log (default: discarded).
	Logger *slog.Logger
	// MaxMessage bounds the size of one message (default frame.DefaultMaxSize).
	MaxMessage int
	// OnEvent receives navigation events. It is called on the relay's
	// goroutine and must not block.
	OnEvent func(Event)
	// OnInitialize receives what the editor said of itself in initialize,
	// once the editor has the answer: from then on the proxy may send the
	// editor requests and notifications of its own (LSP forbids them
	// before). It is called on the relay's goroutine and must not block.
	OnInitialize func(EditorInfo)
	// OnAnswered is called on a Command's goroutine once its answer has
	// been written to the editor: an answer holds what the command saw, and
	// what changed since was maybe told the editor before it, to be
	// overwritten by the answer; OnAnswered may tell it again.
	OnAnswered func(context.Context)
	// Remote, if set, answers read-only requests the server cannot.
	Remote RemoteAnswerer
}

// Command is a workspace/executeCommand handler of the proxy's own. It runs
// on its own goroutine; the editor gets its result or error as the answer.
type Command func(ctx context.Context, args []json.RawMessage) (any, error)

// callTimeout bounds requests the proxy sends to the editor when the caller's
// context has no deadline: some editors never answer requests they do not
// know.
const callTimeout = 30 * time.Second

// idPrefix marks the ids of the proxy's own requests, which the editor and
// the server never use.
const idPrefix = "lspshare:"

// Proxy is one editor's relay to its language server.
type Proxy struct {
	cfg      Config
	log      *slog.Logger
	docs     *documents
	commands map[string]Command
	diags    diagnostics

	in     io.Reader
	editor *frame.Writer

	// editorGate lets one editor message through at a time (read lock), or a
	// restarted server be brought up to date (write lock), so that a change
	// is either in the documents replayed to it or sent after them, or Run
	// end the relay between two messages (stopEditor).
	editorGate sync.RWMutex
	stopped    bool // guarded by editorGate: Run ends, so editor messages are no longer handled

	exiting atomic.Bool // the editor sent exit or closed its stream, or Run ends

	ctx    context.Context // Run's context, for command goroutines; set before the relay starts
	work   sync.WaitGroup  // command and remote-answer goroutines; waited for by Run
	nextID atomic.Int64

	mu          sync.Mutex // guards the fields below
	server      *server    // the running server; nil when there is none
	toServer    *frame.Writer
	whyNoServer error // why no server answers now (nil when one does)
	initParams  json.RawMessage
	editorInfo  EditorInfo
	watched     map[string]watched            // editor requests whose answers the proxy reads
	inflight    map[string]json.RawMessage    // ids of editor requests the server has yet to answer
	serverCalls map[string]struct{}           // server requests the editor has yet to answer
	calls       map[string]chan frame.Message // the proxy's own requests (to either side)
}

// EditorInfo is what the editor said of itself in initialize.
type EditorInfo struct {
	Name string
	// ShowDocument reports window.showDocument.support.
	ShowDocument bool
	// PositionEncodings are the encodings the client offered, in order.
	PositionEncodings []string
	// PositionEncoding is the one the server chose ("utf-16" by default).
	PositionEncoding string
	// Roots are the workspace folders (or the root URI) as file URIs.
	Roots []string
	// Initialized is set once the server has answered initialize.
	Initialized bool
}

// watched is an editor request the proxy reads the answer of.
type watched struct {
	method string
	from   protocol.Location
	req    frame.Message // kept for a remote answer
}

// maxServerCalls bounds how many unanswered server requests are remembered.
const maxServerCalls = 4096

// New returns a Proxy between the editor's stream (in, out) and the
// configured server. Register commands with HandleCommand before Run.
func New(cfg Config, in io.Reader, out io.Writer) *Proxy {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ServerStderr == nil {
		cfg.ServerStderr = io.Discard
	}
	return &Proxy{
		cfg:         cfg,
		log:         log,
		in:          in,
		editor:      frame.NewWriter(out),
		docs:        newDocuments(),
		commands:    make(map[string]Command),
		watched:     make(map[string]watched),
		inflight:    make(map[string]json.RawMessage),
		serverCalls: make(map[string]struct{}),
		calls:       make(map[string]chan frame.Message),
	}
}

// HandleCommand makes the proxy answer workspace/executeCommand for name and
// advertise it in the initialize result.
func (p *Proxy) HandleCommand(name string, cmd Command) {
	p.commands[name] = cmd
}

// Editor returns what the editor said of itself.
func (p *Proxy) Editor() EditorInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.editorInfo
	c.Roots = slices.Clone(c.Roots)
	return c
}

// ServerAvailable reports whether a language server is running.
func (p *Proxy) ServerAvailable() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.whyNoServer == nil && p.toServer != nil
}

// Document returns the current text of an open document.
func (p *Proxy) Document(uri string) (Document, bool) { return p.docs.get(uri) }

// Run relays between the editor and the language server until the editor
// exits or closes its input, or ctx ends. A server that crashes is started
// again (see superviseServer). Before Run returns, the server is stopped and
// the relay of the editor's messages has ended: a message under way is
// handled to the end, none after it is, and what it started (commands,
// remote answers) has finished. When ctx ends, in is closed if it is an io.Closer,
// which ends the read under way; a read that closing cannot end (a blocking
// file) stays pending, and what it brings is dropped.
func (p *Proxy) Run(ctx context.Context) error {
	defer p.work.Wait() // after the relays, below, can start no more commands
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.ctx = ctx

	supervised := make(chan struct{})
	if len(p.cfg.Server) == 0 {
		p.whyNoServer = ErrNoServer
		close(supervised)
	} else if s, err := startServer(ctx, p.cfg.Server, p.cfg.ServerStderr); err != nil {
		p.whyNoServer = err
		p.log.Error("language server not started", "err", err)
		close(supervised)
	} else {
		// Started here, not in the supervisor, so that the editor's first
		// message finds it.
		p.server, p.toServer = s, frame.NewWriter(s.stdin)
		go func() {
			defer close(supervised)
			p.superviseServer(ctx, s)
		}()
	}
	defer func() {
		p.exiting.Store(true) // the server's exit from here on is no crash
		p.stopServer(2 * time.Second)
		cancel() // ends a replay, which holds the gate
		p.stopEditor()
		<-supervised
	}()

	editorDone := make(chan error, 1)
	go func() { editorDone <- p.relayEditor() }()
	select {
	case err := <-editorDone:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// relayEditor copies the editor's messages to the server until the editor
// sends exit or its stream ends, or stopEditor has been called.
func (p *Proxy) relayEditor() error {
	err := p.relay(frame.NewReader(p.in, p.cfg.MaxMessage), "editor", func(body []byte) bool {
		p.editorGate.RLock()
		defer p.editorGate.RUnlock()
		return !p.stopped && !p.fromEditor(body)
	})
	p.exiting.Store(true)
	return err
}

// stopEditor ends relayEditor's handling of messages: it waits for the
// message under way, if any, and lets no other through. It closes the
// editor's stream, if it can, so that the read under way ends too.
func (p *Proxy) stopEditor() {
	p.editorGate.Lock()
	p.stopped = true
	p.editorGate.Unlock()
	if c, ok := p.in.(io.Closer); ok {
		c.Close()
	}
}

// relayServer copies the server's messages to the editor until the server's
// output ends.
func (p *Proxy) relayServer(r *frame.Reader) {
	err := p.relay(r, "server", func(body []byte) bool {
		p.fromServer(body)
		return true
	})
	if err != nil {
		p.log.Warn("relay from the server ended", "err", err)
	}
}

// relay reads the messages of one side (named for the log) and hands each
// to handle until handle returns false or the stream ends: nil at its end,
// the error otherwise. Messages that cannot be framed are skipped.
func (p *Proxy) relay(r *frame.Reader, side string, handle func(body []byte) bool) error {
	for {
		body, err := r.Read()
		switch {
		case errors.Is(err, frame.ErrTooLarge) || errors.Is(err, frame.ErrNoLength):
			p.log.Warn("bad message from "+side+", skipped", "err", err)
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("read from %s: %w", side, err)
		case !handle(body):
			return nil
		}
	}
}

// fromEditor handles one message of the editor and reports whether it was exit.
func (p *Proxy) fromEditor(body []byte) (exit bool) {
	msg, err := frame.Decode(body)
	if err != nil {
		p.log.Warn("invalid message from editor", "err", err, "head", head(body))
		code := int64(frame.CodeInvalidRequest)
		if !errors.Is(err, frame.ErrInvalid) {
			code = frame.CodeParseError
		}
		p.writeEditor(frame.Response(msg.ID, nil, &frame.Error{Code: code, Message: "lspshare: " + err.Error()}))
		return false
	}
	switch {
	case msg.IsResponse():
		p.editorResponse(msg)
	case msg.IsRequest():
		p.editorRequest(msg)
	default:
		return p.editorNotification(msg)
	}
	return false
}

// answeredOwn hands msg to the proxy's own request it answers, if any.
func (p *Proxy) answeredOwn(msg frame.Message) bool {
	key := msg.Key()
	p.mu.Lock()
	ch, own := p.calls[key]
	delete(p.calls, key)
	p.mu.Unlock()
	if own {
		ch <- msg // buffered; the caller may have stopped waiting
	}
	return own
}

func (p *Proxy) editorResponse(msg frame.Message) {
	if p.answeredOwn(msg) {
		return
	}
	key := msg.Key()
	p.mu.Lock()
	_, known := p.serverCalls[key]
	delete(p.serverCalls, key)
	p.mu.Unlock()
	switch {
	case known:
		p.writeServer(msg)
	default:
		p.log.Warn("editor answered an unknown request, dropped", "id", key)
	}
}

func (p *Proxy) editorRequest(msg frame.Message) {
	switch {
	case msg.Method == "initialize":
		p.recordClient(msg.Params)
		p.watch(msg, watched{method: msg.Method})
	case msg.Method == "workspace/executeCommand":
		if p.runCommand(msg) {
			return
		}
	case cursorMethods[msg.Method]:
		if at, err := positionOf(msg.Params); err == nil {
			p.emit(Event{Kind: Cursor, Method: msg.Method, From: at})
		}
	}
	if jumpMethods[msg.Method] || (readOnlyMethods[msg.Method] && p.remoteAnswers()) {
		w := watched{method: msg.Method, req: msg}
		w.from, _ = positionOf(msg.Params)
		if readOnlyMethods[msg.Method] && p.remoteAnswers() && (!p.ServerAvailable() || p.remoteDocument(msg.Params)) {
			p.answerRemotely(msg, w, nil) // nothing here can answer it
			return
		}
		if p.ServerAvailable() {
			p.watch(msg, w) // only a server's answer ends the watch
		}
	}
	p.writeServer(msg)
}

func (p *Proxy) editorNotification(msg frame.Message) (exit bool) {
	if msg.Method == "exit" {
		p.exiting.Store(true) // before the server can see it and go
	}
	var err error
	switch msg.Method {
	case CursorMethod:
		at, err := cursorOf(msg.Params)
		if err != nil {
			p.log.Warn("bad cursor notification", "err", err)
			return false
		}
		p.emit(Event{Kind: Cursor, Method: msg.Method, From: at, Exact: true})
		return false // the server has no use for it
	case "textDocument/didOpen":
		if err = p.docs.didOpen(msg.Params); err == nil {
			if at, perr := positionOf(msg.Params); perr == nil {
				p.emit(Event{Kind: Open, Method: msg.Method, From: at})
			}
		}
	case "textDocument/didChange":
		err = p.docs.didChange(msg.Params)
	case "textDocument/didClose":
		err = p.docs.didClose(msg.Params)
	}
	if err != nil {
		p.log.Warn("document tracking", "err", err)
	}
	if strings.HasPrefix(msg.Method, "textDocument/") && p.remoteDocument(msg.Params) {
		return false // a file brought from elsewhere: the server does not have it
	}
	p.writeServer(msg)
	return msg.Method == "exit"
}

// watch remembers an editor request so that its answer is read.
func (p *Proxy) watch(msg frame.Message, w watched) {
	p.mu.Lock()
	p.watched[msg.Key()] = w
	p.mu.Unlock()
}

// fromServer handles one message of the server.
func (p *Proxy) fromServer(body []byte) {
	msg, err := frame.Peek(body) // forwarded whatever it holds: no need to check it all
	if err != nil {
		p.log.Warn("invalid message from server, forwarded as is", "err", err, "head", head(body))
		p.writeEditor(body)
		return
	}
	switch {
	case msg.IsResponse():
		if p.answeredOwn(msg) {
			return // the answer to the proxy's own request: not the editor's
		}
		key := msg.Key()
		p.mu.Lock()
		w, ok := p.watched[key]
		delete(p.watched, key)
		delete(p.inflight, key)
		p.mu.Unlock()
		if ok && readOnlyMethods[w.method] && (msg.Error != nil || EmptyResult(msg.Result)) && p.remoteAnswers() {
			p.answerRemotely(w.req, w, msg.Raw)
			return
		}
		if ok {
			body = p.serverAnswer(w, msg)
			if w.method == "initialize" {
				p.writeEditor(body)
				p.initialized()
				return
			}
		}
	case msg.Method == PublishDiagnostics && msg.IsNotification():
		p.serverDiagnostics(body, msg)
		return
	case msg.IsRequest():
		p.mu.Lock()
		if len(p.serverCalls) >= maxServerCalls {
			clear(p.serverCalls) // an editor that never answers; keep the bound
		}
		p.serverCalls[msg.Key()] = struct{}{}
		p.mu.Unlock()
	}
	p.writeEditor(body)
}

// serverAnswer reads the server's answer to a watched request and returns
// the body to forward: unchanged, except initialize's result.
func (p *Proxy) serverAnswer(w watched, msg frame.Message) []byte {
	if msg.Error != nil {
		return msg.Raw
	}
	switch {
	case w.method == "initialize":
		body, err := p.patchInitialize(msg)
		if err != nil {
			p.log.Warn("initialize result not extended", "err", err)
			return msg.Raw
		}
		return body
	case jumpMethods[w.method]:
		p.observeJump(w, msg.Result)
	}
	return msg.Raw
}

// observeJump reports the answer to a definition-like request as a Jump.
func (p *Proxy) observeJump(w watched, result json.RawMessage) {
	targets, err := targetsOf(result)
	if err != nil {
		p.log.Warn("unreadable definition answer", "method", w.method, "err", err)
	} else if len(targets) > 0 && w.from.URI != "" {
		p.emit(Event{Kind: Jump, Method: w.method, From: w.from, To: targets})
	}
}

// initialized tells OnInitialize that the editor has its initialize answer.
func (p *Proxy) initialized() {
	if p.cfg.OnInitialize != nil {
		p.cfg.OnInitialize(p.Editor())
	}
}

func (p *Proxy) emit(e Event) {
	if p.cfg.OnEvent != nil {
		p.cfg.OnEvent(e)
	}
}

// writeServer forwards an editor message to the server, or answers it in the
// server's place when there is none.
func (p *Proxy) writeServer(msg frame.Message) {
	p.mu.Lock()
	noSrv, toSrv := p.whyNoServer, p.toServer
	if noSrv == nil && msg.IsRequest() {
		if len(p.inflight) >= maxServerCalls {
			clear(p.inflight) // a server that never answers; keep the bound
		}
		p.inflight[msg.Key()] = msg.ID
	}
	p.mu.Unlock()
	if noSrv == nil {
		if err := toSrv.Write(msg.Raw); err != nil {
			p.log.Warn("write to server", "err", err)
		}
		return
	}
	if msg.IsRequest() {
		p.answerWithoutServer(msg, noSrv)
	}
}

func (p *Proxy) writeEditor(body []byte) {
	if err := p.editor.Write(body); err != nil {
		p.log.Warn("write to editor", "err", err)
	}
}

// answerWithoutServer answers what a server would, so that an editor whose
// server is missing still initializes, shuts down, and is told why nothing
// works.
func (p *Proxy) answerWithoutServer(msg frame.Message, why error) {
	switch msg.Method {
	case "initialize":
		p.writeEditor(frame.Response(msg.ID, p.ownCapabilities(), nil))
		p.mu.Lock()
		p.editorInfo.Initialized = true
		p.mu.Unlock()
		p.initialized()
		text := fmt.Sprintf("lspshare: %v. Install gopls with `%s`, or name a server with --server.", why, GoplsInstall)
		p.notifyEditor("window/showMessage", map[string]any{"type": 1, "message": text})
	case "shutdown":
		p.writeEditor(frame.Response(msg.ID, nil, nil))
	default:
		p.writeEditor(frame.Response(msg.ID, nil, &frame.Error{
			Code: frame.CodeRequestFailed, Message: fmt.Sprintf("lspshare: %s: %v", msg.Method, why),
		}))
	}
}

// Notify sends a notification to the editor.
func (p *Proxy) Notify(method string, params any) error {
	body, err := frame.Notification(method, params)
	if err != nil {
		return fmt.Errorf("notify %s: %w", method, err)
	}
	return p.editor.Write(body)
}

func (p *Proxy) notifyEditor(method string, params any) {
	if err := p.Notify(method, params); err != nil {
		p.log.Warn("notify editor", "method", method, "err", err)
	}
}

// ServerCall sends a request of the proxy's own to the language server and
// waits for its answer or ctx's end. The answer does not reach the editor.
func (p *Proxy) ServerCall(ctx context.Context, method string, params any) (json.RawMessage, error) {
	p.mu.Lock()
	noSrv, toSrv := p.whyNoServer, p.toServer
	p.mu.Unlock()
	if noSrv != nil || toSrv == nil {
		return nil, fmt.Errorf("%s: %w", method, ErrNoServer)
	}
	return p.call(ctx, toSrv, method, params)
}

// Call sends a request to the editor and waits for its answer, ctx's end, or
// callTimeout if ctx has no deadline.
func (p *Proxy) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	return p.call(ctx, p.editor, method, params)
}

// call sends a request with an id of the proxy's own to one side and waits
// for the answer, which the relay hands over through p.calls.
func (p *Proxy) call(ctx context.Context, to *frame.Writer, method string, params any) (json.RawMessage, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	id := json.RawMessage(strconv.Quote(idPrefix + strconv.FormatInt(p.nextID.Add(1), 10)))
	body, err := frame.Request(id, method, params)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", method, err)
	}
	ch := make(chan frame.Message, 1)
	key := string(id)
	p.mu.Lock()
	p.calls[key] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.calls, key)
		p.mu.Unlock()
	}()
	if err := to.Write(body); err != nil {
		return nil, fmt.Errorf("call %s: %w", method, err)
	}
	select {
	case msg := <-ch:
		if msg.Error != nil {
			return nil, fmt.Errorf("call %s: %w", method, msg.Error)
		}
		return msg.Result, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("call %s: no answer: %w", method, ctx.Err())
	}
}

func head(b []byte) string {
	const n = 120
	if len(b) > n {
		b = b[:n]
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}
