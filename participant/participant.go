// Package participant is one person's side of a reading session. It joins
// the proxy's view of the editor to the session hub: the editor's moves go to
// the hub, and the navigator's moves come back as the editor's own files,
// opened for a following attendee.
//
// All session state is owned by the goroutine of Run; the proxy's relay only
// hands it events through a bounded channel, so the relay never waits on the
// network.
package participant

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/goenv"
	"github.com/lspshare/lspshare/share"
	"github.com/lspshare/lspshare/wire"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/proxy"
)

// Config configures a Participant.
type Config struct {
	// Link is the join link; empty means not joined until lspshare.join.
	Link string
	// Name is this participant's name in the session.
	Name   string
	Logger *slog.Logger
}

// Participant is one editor's membership in a session.
type Participant struct {
	cfg   Config
	log   *slog.Logger
	relay *proxy.Proxy // set by Attach, before Run
	id    string

	view      atomic.Pointer[view] // for the proxy's goroutines; see publishView
	answering chan struct{}        // a slot per remote request being answered
	wg        sync.WaitGroup       // goroutines answering and fetching

	events  chan proxy.Event      // from the relay; dropped when full
	inits   chan proxy.EditorInfo // the editor's initialize
	actions chan func()           // from command goroutines
	shows   chan showRequest      // newest place to show; capacity one

	// Owned by Run's goroutine.
	hubConn       *share.Link // shared with this person's other proxies
	stopHubConn   context.CancelFunc
	hubConnDone   chan struct{}
	editorInfo    proxy.EditorInfo // what the editor said in initialize
	initialized   bool             // the editor has its initialize answer
	mapper        *location.Mapper
	workspace     share.Workspace // what mapper maps, for the person's other proxies
	cache         *files.Cache
	served        *files.Server
	navigatorRepo wire.Repo
	moves         int // the navigator's jumps and opens so far, to drop stale fetches
	repo          *wire.Repo
	state         State
	stateTold     int // times publishState told the editor the state
	stateAnswered int // stateTold when a command last answered with the state
	followChosen  bool
	navigatorAt   *wire.Frame // the navigator's newest move
	lastURI       string      // of this editor's newest cursor
	cursor        *wire.Frame // coalesced cursor not yet sent
	cursorSent    time.Time
	cursorTimer   *time.Timer
	shownAt       time.Time // when this editor was last moved for the wheel
	toldOnce      map[string]bool
	locates       map[string]chan wire.Frame
	nextRef       int
	notes         noteBoard
}

// eventQueue bounds the events waiting for Run; a burst beyond it loses
// events, never stalls the relay.
const eventQueue = 256

// cursorInterval coalesces cursor updates to at most 20 a second.
const cursorInterval = 50 * time.Millisecond

// showTimeout bounds a window/showDocument request: editors that do not know
// it may never answer.
const showTimeout = 5 * time.Second

// New returns a Participant. Pass its OnEvent and OnInitialize to the
// proxy's Config, then Attach the proxy.
func New(cfg Config) *Participant {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Participant{
		cfg:     cfg,
		log:     log,
		id:      newID(),
		events:  make(chan proxy.Event, eventQueue),
		inits:   make(chan proxy.EditorInfo, 1),
		actions: make(chan func()),
		shows:   make(chan showRequest, 1),

		answering: make(chan struct{}, maxAnswering),
		state:     State{Answers: "local", You: cfg.Name},
		toldOnce:  make(map[string]bool),
		locates:   make(map[string]chan wire.Frame),
		notes:     newNoteBoard(),
	}
}

// OnEvent takes a navigation event from the proxy's relay without blocking.
// Outside a session it drops the event at once: waking Run for nothing
// would cost the relay a thread switch per request.
func (p *Participant) OnEvent(e proxy.Event) {
	if v := p.view.Load(); v == nil || v.hubConn == nil {
		return
	}
	select {
	case p.events <- e:
	default:
		p.log.Debug("navigation event dropped: queue full", "kind", e.Kind)
	}
}

// OnInitialize takes what the editor said in initialize, from the proxy's
// relay, once the editor has the answer; the session starts then.
func (p *Participant) OnInitialize(c proxy.EditorInfo) {
	select {
	case p.inits <- c:
	default:
	}
}

// Attach registers the participant's commands with the proxy.
func (p *Participant) Attach(px *proxy.Proxy) {
	p.relay = px
	for name, cmd := range commands {
		px.HandleCommand(name, func(ctx context.Context, args []json.RawMessage) (any, error) { return cmd(p, ctx, args) })
	}
}

// Run serves the session until ctx ends.
func (p *Participant) Run(ctx context.Context) error {
	defer p.wg.Wait()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.showLoop(ctx)
	}()
	defer p.leave()
	p.publishView()

	p.cursorTimer = time.NewTimer(time.Hour)
	p.cursorTimer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-p.inits:
			p.initialize(ctx, c)
		case e := <-p.events:
			p.editorMoved(e)
		case f := <-p.hubEvents():
			p.hubFrame(ctx, f)
		case fn := <-p.actions:
			fn()
		case <-p.cursorTimer.C:
			p.flushCursor()
		case <-p.notes.timer.C:
			p.publishNotes()
		}
	}
}

// do runs fn on Run's goroutine and returns when it has run.
func (p *Participant) do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case p.actions <- func() { fn(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Participant) hubEvents() <-chan wire.Frame {
	if p.hubConn == nil {
		return nil
	}
	return p.hubConn.Events()
}

// initialize learns the editor's workspace, maps it, and joins the session
// of the configured link.
func (p *Participant) initialize(ctx context.Context, c proxy.EditorInfo) {
	p.editorInfo = c
	p.initialized = true
	if p.cfg.Link == "" {
		return // nothing to map or serve until the editor joins a session
	}
	if err := p.join(ctx, p.cfg.Link); err != nil {
		p.log.Error("not joined", "err", err)
		p.state.Error = err.Error()
		p.publishState()
		p.tell("", msgError, err.Error())
	}
}

// mapWorkspace learns the editor's workspace (its root, Go's folders, the
// checkout's identity) and prepares to serve and cache files, once: before
// the first join, since it runs go and git.
func (p *Participant) mapWorkspace() error {
	if p.mapper != nil {
		return nil
	}
	root, _ := os.Getwd()
	if len(p.editorInfo.Roots) > 0 {
		if path, err := location.URIToPath(p.editorInfo.Roots[0]); err == nil {
			root = path
		}
	}
	root = location.FindRoot(root)
	modcache, goroot, goVersion := goEnv()
	p.workspace = share.Workspace{Root: root, GOMODCACHE: modcache, GOROOT: goroot}
	m, err := location.NewMapper(location.MapperConfig{Root: root, GOMODCACHE: modcache, GOROOT: goroot})
	if err != nil {
		return fmt.Errorf("workspace %s not mapped: %w", root, err)
	}
	p.mapper = m
	p.repo = repoIdentity(root)
	p.repo.Go = goVersion
	if p.cache, err = files.NewCache(""); err != nil {
		p.log.Warn("files from others cannot be cached", "err", err)
	}
	if p.served, err = files.NewServer(files.ServerConfig{Root: root, GOMODCACHE: modcache, GOROOT: goroot, Logger: p.log}, m); err != nil {
		p.log.Warn("this workspace's files will not be served", "err", err)
	}
	return nil
}

// goEnv returns GOMODCACHE, GOROOT and the Go version, or empty strings
// where Go is missing: an attendee without Go can still follow.
func goEnv() (modcache, goroot, version string) {
	vars, err := goenv.Read("GOMODCACHE", "GOROOT", "GOVERSION")
	if err != nil {
		return "", "", ""
	}
	return vars["GOMODCACHE"], vars["GOROOT"], vars["GOVERSION"]
}

// repoIdentity reads the checkout's commit, dirty flag and remote; empty
// fields where root is not a git work tree.
func repoIdentity(root string) *wire.Repo {
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	r := &wire.Repo{Commit: git("rev-parse", "HEAD")}
	if r.Commit == "" {
		return r
	}
	r.Dirty = git("status", "--porcelain", "--untracked-files=no") != ""
	r.Remote = withoutCredentials(git("remote", "get-url", "origin"))
	return r
}

// withoutCredentials removes the user information of a URL remote
// (https://user:token@host/…): the remote is shown to every participant.
func withoutCredentials(remote string) string {
	u, err := url.Parse(remote)
	if err != nil || u.User == nil || u.Scheme == "" {
		return remote // scp-like "git@host:path" names a user, not a secret
	}
	u.User = nil
	return u.String()
}

// join connects to the session of link, leaving any other.
func (p *Participant) join(ctx context.Context, link string) error {
	p.leave()
	hub, name, _, err := wire.ParseLink(link)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if err := p.mapWorkspace(); err != nil {
		return fmt.Errorf("join %s: %w", name, err)
	}
	c, err := share.New(share.Config{
		Hub:       hubclient.Config{Link: link, ID: p.id, Name: p.cfg.Name, Repo: derefRepo(p.repo), Logger: p.log},
		Workspace: p.workspace,
	})
	if err != nil {
		return fmt.Errorf("join %s: %w", name, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := c.Run(cctx); err != nil && !errors.Is(err, context.Canceled) {
			p.log.Warn("hub connection stopped", "err", err)
		}
	}()
	p.hubConn, p.stopHubConn, p.hubConnDone = c, cancel, done
	p.state = State{Session: name, Hub: hub, You: p.cfg.Name, Answers: p.state.Answers}
	p.followChosen = false
	p.publishState()
	return nil
}

func derefRepo(r *wire.Repo) wire.Repo {
	if r == nil {
		return wire.Repo{}
	}
	return *r
}

// leave disconnects from the session, if any, and waits for the client.
func (p *Participant) leave() {
	if p.hubConn == nil {
		return
	}
	p.stopHubConn()
	<-p.hubConnDone
	p.hubConn, p.navigatorAt, p.cursor = nil, nil, nil
	p.forgetNotes()
	p.state = State{You: p.cfg.Name, Answers: p.state.Answers}
	p.publishView()
}

// publishState tells the editor the session's state, after publishing the
// view that goes with it: an editor told that someone holds the wheel may
// ask at once, and the relay must not answer from an older view in which
// nobody does.
func (p *Participant) publishState() {
	p.publishView()
	if p.relay == nil {
		return
	}
	p.stateTold++
	if err := p.relay.Notify(StateMethod, p.state); err != nil {
		p.log.Debug("state not sent", "err", err)
	}
}

// OnAnswered tells the editor the state again if it changed since a command
// took the state it answers with: the editor may have had the newer state
// first, then the answer's older one. Pass it as proxy.Config.OnAnswered.
func (p *Participant) OnAnswered(ctx context.Context) {
	p.do(ctx, func() {
		if p.stateTold != p.stateAnswered {
			p.publishState()
		}
		p.stateAnswered = p.stateTold
	})
}

// tell shows a message in the editor; with a non-empty key, only once.
func (p *Participant) tell(key string, typ int, text string) {
	if key != "" {
		if p.toldOnce[key] {
			return
		}
		p.toldOnce[key] = true
	}
	if p.relay == nil {
		return
	}
	if err := p.relay.Notify("window/showMessage", map[string]any{"type": typ, "message": "lspshare: " + text}); err != nil {
		p.log.Debug("message not sent", "err", err)
	}
}

// LSP MessageType values.
const (
	msgError   = 1
	msgWarning = 2
	msgInfo    = 3
)

func newID() string { return rand.Text() }
