package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lspshare/lspshare/frame"
)

// A crashed server is started again at most restartLimit times within
// restartWindow; after that the proxy gives up on it and says so.
const (
	restartLimit  = 3
	restartWindow = 5 * time.Minute
)

// errRestarting answers requests while a crashed server starts again.
var errRestarting = errors.New("the language server crashed and is starting again")

// superviseServer relays the server s until it exits. When it crashes (it
// exits though the editor did not ask it to), requests it owed the editor
// are answered with an error, and a new server is started and brought up to
// date: the editor's initialize, then every open document with its latest
// text. It returns when a server ends for good.
func (p *Proxy) superviseServer(ctx context.Context, s *server) {
	var crashes []time.Time
	for {
		relayed := make(chan struct{})
		go func() {
			defer close(relayed)
			p.relayServer(frame.NewReader(s.stdout, p.cfg.MaxMessage))
		}()
		if len(crashes) > 0 {
			if err := p.replay(ctx, s); err != nil {
				p.log.Error("restarted language server not brought up to date", "err", err)
			}
		}
		<-relayed
		<-s.done
		if p.exiting.Load() || ctx.Err() != nil {
			return // the server followed the editor's exit, or the proxy stops
		}
		crashes = append(recent(crashes, time.Now()), time.Now())
		p.serverCrashed(s.err)
		if len(crashes) > restartLimit {
			p.giveUp(fmt.Errorf("the language server crashed %d times in %v (last: %v)", len(crashes), restartWindow, s.err))
			return
		}
		p.log.Error("language server crashed; starting it again", "err", s.err)
		p.notifyEditor("window/showMessage", map[string]any{"type": 2,
			"message": fmt.Sprintf("lspshare: the language server crashed (%v); starting it again", s.err)})
		next, err := startServer(ctx, p.cfg.Server, p.cfg.ServerStderr)
		if err != nil {
			p.giveUp(fmt.Errorf("the language server crashed and could not start again: %w", err))
			return
		}
		s = next
	}
}

// recent returns the crash times within restartWindow of now.
func recent(times []time.Time, now time.Time) []time.Time {
	var out []time.Time
	for _, t := range times {
		if now.Sub(t) < restartWindow {
			out = append(out, t)
		}
	}
	return out
}

// serverCrashed answers the editor's requests that the crashed server owed,
// and forgets what belonged to it.
func (p *Proxy) serverCrashed(exit error) {
	p.mu.Lock()
	p.whyNoServer = errRestarting
	p.server, p.toServer = nil, nil
	owed := p.inflight
	p.inflight = make(map[string]json.RawMessage)
	clear(p.watched)
	clear(p.serverCalls)
	p.mu.Unlock()
	for _, id := range owed {
		p.writeEditor(frame.Response(id, nil, &frame.Error{Code: frame.CodeRequestFailed,
			Message: fmt.Sprintf("lspshare: the language server crashed (%v) before answering; try again", exit)}))
	}
}

// giveUp leaves the editor with the proxy's own answers.
func (p *Proxy) giveUp(why error) {
	p.mu.Lock()
	p.whyNoServer = why
	p.mu.Unlock()
	p.log.Error("language server given up", "err", why)
	p.notifyEditor("window/showMessage", map[string]any{"type": 1,
		"message": "lspshare: " + why.Error() + "; Go features stop until the editor restarts lspshare"})
}

// replayTimeout bounds the restarted server's answer to initialize.
const replayTimeout = 30 * time.Second

// replay brings a restarted server to where the crashed one was, holding
// the editor's messages meanwhile (the gate): the editor's initialize and
// initialized, and every open document as it is now. Only then does the
// server take the editor's messages and the proxy's own requests.
func (p *Proxy) replay(ctx context.Context, s *server) error {
	p.editorGate.Lock()
	defer p.editorGate.Unlock()
	toSrv := frame.NewWriter(s.stdin)
	p.mu.Lock()
	params := p.initParams
	p.server, p.toServer = s, toSrv
	p.mu.Unlock()
	ready := func() {
		p.mu.Lock()
		p.whyNoServer = nil
		p.mu.Unlock()
	}
	if params == nil {
		ready() // the editor had not initialized: it will
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, replayTimeout)
	defer cancel()
	if _, err := p.call(ctx, toSrv, "initialize", params); err != nil {
		return fmt.Errorf("replay initialize: %w", err)
	}
	notes := []struct {
		method string
		params any
	}{{"initialized", struct{}{}}}
	for _, d := range p.docs.all() {
		notes = append(notes, struct {
			method string
			params any
		}{"textDocument/didOpen", map[string]any{"textDocument": map[string]any{
			"uri": d.URI, "languageId": d.LanguageID, "version": d.Version, "text": string(d.Text)}}})
	}
	for _, n := range notes {
		body, err := frame.Notification(n.method, n.params)
		if err == nil {
			err = toSrv.Write(body)
		}
		if err != nil {
			return fmt.Errorf("replay %s: %w", n.method, err)
		}
	}
	ready()
	p.log.Info("language server started again", "documents", len(notes)-1)
	return nil
}

// stopServer ends the running server: its input closes, and it is
// signalled if it lingers past grace.
func (p *Proxy) stopServer(grace time.Duration) {
	p.mu.Lock()
	s := p.server
	p.mu.Unlock()
	if s != nil {
		s.stop(grace)
	}
}
