package participant

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/proxy"
	"github.com/lspshare/lspshare/wire"
)

// farLines is how far (in lines, or another file) an attendee's own cursor
// must be from the navigator's before it counts as navigating alone.
const farLines = 30

// settleTime is how long after moving the editor for the wheel its cursor
// reports are not taken as the attendee's own navigation: they may describe
// where it was before the move.
const settleTime = time.Second

// editorMoved shares a move of this editor with the session.
func (p *Participant) editorMoved(e proxy.Event) {
	if p.hubConn == nil || p.mapper == nil {
		return
	}
	from, err := p.portable(e.From)
	if err != nil {
		p.log.Debug("move not shared", "uri", e.From.URI, "err", err)
		return
	}
	switch e.Kind {
	case proxy.Jump:
		to, err := p.portable(e.To[0])
		if err != nil {
			p.log.Debug("jump not shared", "uri", e.To[0].URI, "err", err)
			return
		}
		p.navigatedAlone(nil)
		p.lastURI = string(e.To[0].URI)
		p.dropCursor()
		p.hubConn.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump,
			From: from, To: to, Symbol: p.symbolAt(e.From)})
	case proxy.Open:
		if p.sameFile(string(e.From.URI), p.lastURI) {
			// The editor opening the file it just jumped to (or was shown):
			// sharing it would move followers to the top of that file.
			return
		}
		p.lastURI = string(e.From.URI)
		p.dropCursor()
		p.hubConn.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindOpen, To: from})
	case proxy.Cursor:
		if e.Exact {
			p.navigatedAlone(&e.From)
		}
		if !p.sameFile(string(e.From.URI), p.lastURI) {
			// Another document under the cursor: a switch, which followers see at once.
			p.lastURI = string(e.From.URI)
			p.dropCursor()
			p.hubConn.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindOpen, To: from})
			return
		}
		p.cursor = &wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: from}
		if wait := cursorInterval - time.Since(p.cursorSent); wait > 0 {
			p.cursorTimer.Reset(wait)
			return
		}
		p.flushCursor()
	}
}

// dropCursor forgets a cursor update held back by the coalescing: a jump or
// a switch supersedes it, and sent after one it would put this editor back
// where it was, for everyone, until the next cursor update.
func (p *Participant) dropCursor() {
	p.cursor = nil
	p.cursorTimer.Stop()
}

func (p *Participant) flushCursor() {
	if p.cursor == nil || p.hubConn == nil {
		return
	}
	p.hubConn.Send(*p.cursor)
	p.cursor = nil
	p.cursorSent = time.Now()
}

// navigatedAlone pauses following when an attendee moves on their own: a
// jump (at == nil), or an exact cursor far from the navigator.
func (p *Participant) navigatedAlone(at *protocol.Location) {
	if !p.state.Following || p.state.Navigator == "" || p.state.Navigator == p.state.You {
		return
	}
	if at != nil && (time.Since(p.shownAt) < settleTime || !p.farFromWheel(*at)) {
		return
	}
	p.setFollowing(false)
	p.state.Paused = true
	p.publishState()
	p.tell("", msgInfo, fmt.Sprintf("you navigated on your own, so following %s is paused. Run %s to catch up.", p.state.Navigator, p.editorInfo.Command("follow")))
}

func (p *Participant) farFromWheel(at protocol.Location) bool {
	if p.navigatorAt == nil {
		return false
	}
	uri, r, ok := p.local(p.navigatorAt.To)
	if !ok || !p.sameFile(uri, string(at.URI)) {
		return true
	}
	d := int64(at.Range.Start.Line) - int64(r.Start.Line)
	return d > farLines || d < -farLines
}

// sameFile compares URIs as this machine's files: the editor may spell a
// file otherwise than lspshare does (VS Code on Windows: "c%3A").
func (p *Participant) sameFile(a, b string) bool { return p.mapper.Rules().SameFile(a, b) }

func (p *Participant) setFollowing(on bool) {
	p.state.Following = on
	p.followChosen = true
	if p.hubConn != nil {
		p.hubConn.SetFollowing(on)
	}
}

// portable maps a location of this editor to the wire, in UTF-16.
func (p *Participant) portable(l protocol.Location) (json.RawMessage, error) {
	loc, err := p.mapper.ToPortable(string(l.URI))
	if err != nil {
		return nil, err
	}
	loc.Range = p.convert(string(l.URI), fromProtocol(l.Range), p.editorEncoding(), location.UTF16)
	return json.Marshal(loc)
}

// local maps a wire location to this machine's file, in the editor's
// encoding. ok is false when it cannot be read or the file is missing.
func (p *Participant) local(raw json.RawMessage) (uri string, r protocol.Range, ok bool) {
	var loc location.Location
	if err := json.Unmarshal(raw, &loc); err != nil || loc.Validate() != nil || p.mapper == nil {
		return "", r, false
	}
	uri, exists, err := p.mapper.ToLocal(loc)
	if err != nil || !exists {
		if uri, ok = p.view.Load().cached(loc); !ok { // brought here before?
			return "", r, false
		}
	}
	return uri, toProtocol(p.convert(uri, loc.Range, location.UTF16, p.editorEncoding())), true
}

func describe(l location.Location) string {
	switch l.Space {
	case location.Module:
		return "module " + l.Module
	case location.GOROOT:
		return "the Go distribution"
	}
	return "the workspace"
}

// convert changes the encoding of r's positions, reading the file only when
// the encodings differ (rare: gopls speaks UTF-16 unless asked otherwise).
func (p *Participant) convert(uri string, r location.Range, from, to location.Encoding) location.Range {
	if from == to || from == "" || to == "" {
		return r
	}
	var text []byte
	if doc, ok := p.relay.Document(uri); ok {
		text = doc.Text
	} else if path, err := location.URIToPath(uri); err == nil {
		text, _ = os.ReadFile(path)
	}
	return location.ConvertRange(text, r, from, to)
}

// editorEncoding is the position encoding the editor and its server agreed.
func (p *Participant) editorEncoding() location.Encoding {
	if enc := p.relay.Editor().PositionEncoding; enc != "" {
		return location.Encoding(enc)
	}
	return location.UTF16
}

func fromProtocol(r protocol.Range) location.Range {
	return location.Range{
		Start: location.Position{Line: r.Start.Line, Character: r.Start.Character},
		End:   location.Position{Line: r.End.Line, Character: r.End.Character},
	}
}

func toProtocol(r location.Range) protocol.Range {
	return protocol.Range{
		Start: protocol.Position{Line: r.Start.Line, Character: r.Start.Character},
		End:   protocol.Position{Line: r.End.Line, Character: r.End.Character},
	}
}

// symbolAt returns the identifier at l in its open document, for the trail.
func (p *Participant) symbolAt(l protocol.Location) string {
	doc, ok := p.relay.Document(string(l.URI))
	if !ok {
		return ""
	}
	text := doc.Text
	at := location.Offset(text, fromProtocol(l.Range).Start, p.editorEncoding())
	start, end := at, at
	for start > 0 {
		r, size := utf8.DecodeLastRune(text[:start])
		if !isIdent(r) {
			break
		}
		start -= size
	}
	for end < len(text) {
		r, size := utf8.DecodeRune(text[end:])
		if !isIdent(r) {
			break
		}
		end += size
	}
	return string(text[start:end])
}

func isIdent(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// hubFrame applies a frame from the hub (or the hub connection's news
// about itself).
func (p *Participant) hubFrame(ctx context.Context, f wire.Frame) {
	if h := hubHandlers[f.Type]; h != nil {
		h(p, ctx, f)
	}
}

// hubHandlers act, on Run's goroutine, on each type of frame the hub
// connection delivers: those the hub sends (wire.Types) but for welcome and
// answer, which the connection itself consumes, its own news, and the
// follow choices of this person's other proxies (share).
var hubHandlers = map[string]func(p *Participant, ctx context.Context, f wire.Frame){
	wire.TypeDisconnected: func(p *Participant, _ context.Context, f wire.Frame) { p.disconnected(f) },
	wire.TypeRefused:      func(p *Participant, _ context.Context, f wire.Frame) { p.refused(f) },
	wire.TypeConnected:    func(p *Participant, _ context.Context, f wire.Frame) { p.connected(f) },
	wire.TypeFollow:       func(p *Participant, _ context.Context, f wire.Frame) { p.followedElsewhere(f) },
	wire.TypeState:        func(p *Participant, _ context.Context, f wire.Frame) { p.hubState(f) },
	wire.TypeNav:          (*Participant).navigatorMoved,
	wire.TypeLocated:      func(p *Participant, _ context.Context, f wire.Frame) { p.located(f) },
	wire.TypeAsk:          (*Participant).answerAsk,
	wire.TypeError:        func(p *Participant, _ context.Context, f wire.Frame) { p.tell("", msgWarning, f.Message) },
	wire.TypeSummon:       (*Participant).summoned,
	wire.TypeNote:         func(p *Participant, ctx context.Context, f wire.Frame) { p.noteFrame(ctx, f) },
}

// summoned brings this editor to the navigator's place and follows again,
// whether it was following, paused or not following at all.
func (p *Participant) summoned(ctx context.Context, f wire.Frame) {
	p.setFollowing(true)
	p.state.Paused = false
	p.publishState()
	if !f.Elsewhere {
		p.tell("", msgInfo, fmt.Sprintf("%s brought everyone to where they are; you follow them again", f.By))
	}
	p.navigatorMoved(ctx, wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, By: f.By, To: f.To, Elsewhere: f.Elsewhere})
}

// followedElsewhere takes the follow choice made in another of this
// person's editors: following is the person's, not one editor's.
func (p *Participant) followedElsewhere(f wire.Frame) {
	p.state.Following = f.Following
	p.followChosen = true
	if f.Following {
		p.state.Paused = false
	}
	p.publishState()
}

func (p *Participant) disconnected(f wire.Frame) {
	p.state.Reconnecting = p.state.Connected || p.state.Reconnecting
	p.state.Connected = false
	if f.Error != "" { // a TLS failure: the user must hear why
		p.state.Error = f.Error
	}
	p.publishState()
}

func (p *Participant) refused(f wire.Frame) {
	p.state.Connected, p.state.Reconnecting, p.state.Error = false, false, f.Message // no retry follows
	p.publishState()
	p.tell("refused:"+f.Message, msgError, "the hub refused to let you join: "+f.Message)
}

// connected applies the hub's welcome.
func (p *Participant) connected(f wire.Frame) {
	p.state.You, p.state.Role, p.state.Session = f.Name, f.Role, f.Session
	p.state.Connected, p.state.Reconnecting, p.state.Error = true, false, ""
	if !p.followChosen {
		// Attendees follow by default; a choice of their own outlives
		// reconnects.
		p.state.Following = f.Role == wire.RoleAttend
		p.hubConn.SetFollowing(p.state.Following)
	}
	p.publishState()
}

// located hands the hub's answer to "where is NAME?" to its asker.
func (p *Participant) located(f wire.Frame) {
	if ch, ok := p.locates[f.Ref]; ok {
		delete(p.locates, f.Ref)
		ch <- f
	}
}

func (p *Participant) hubState(f wire.Frame) {
	before := p.state.Mismatch
	p.state.applyHubState(f, p.repo)
	p.navigatorRepo = wire.Repo{}
	for i, m := range f.Participants {
		if m.Name == f.Navigator && m.Repo != nil {
			p.navigatorRepo = *m.Repo
		}
		if uri, r, ok := p.local(m.Place); ok {
			p.state.Participants[i].Place = &protocol.Location{URI: protocol.DocumentURI(uri), Range: r}
		}
	}
	p.publishState()
	if m := p.state.Mismatch; m != nil && (before == nil || *before != *m) {
		p.tell("mismatch:"+m.Navigator, msgWarning, fmt.Sprintf(
			"your checkout is at commit %s but %s reads commit %s: lines may not match", short(m.Yours), p.state.Navigator, short(m.Navigator)))
	}
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// navigatorMoved shows the navigator's move: their cursor to everyone, and
// their jumps and switches to a following editor.
func (p *Participant) navigatorMoved(ctx context.Context, f wire.Frame) {
	if f.By == p.state.You {
		return
	}
	// Whatever its kind, the newest frame is where the navigator is now,
	// which follow and jump go to: frames come in the order the holder made
	// them (the hub never lets a cursor overtake a move queued before it).
	p.navigatorAt = &f
	if f.Kind != wire.KindCursor {
		p.moves++
	}
	uri, r, ok := p.local(f.To)
	switch {
	case ok:
		p.showWheel(f, uri, r)
	case f.Kind != wire.KindCursor && !f.Elsewhere:
		p.bring(ctx, f)
	}
}

// showWheel shows the navigator's move at uri and r.
func (p *Participant) showWheel(f wire.Frame, uri string, r protocol.Range) {
	if err := p.relay.Notify(proxy.CursorMethod, proxy.CursorParams{URI: uri, Range: &r, Name: f.By, Wheel: true}); err != nil {
		p.log.Debug("cursor not sent", "err", err)
	}
	if f.Kind != wire.KindCursor && !f.Elsewhere && p.state.Following {
		p.show(uri, r) // by this one of the person's editors alone
	}
}

// bring fetches the file of the navigator's move f, which this machine
// lacks, and shows the move when the file has come, unless the navigator
// has moved on meanwhile.
func (p *Participant) bring(ctx context.Context, f wire.Frame) {
	var loc location.Location
	if err := json.Unmarshal(f.To, &loc); err != nil || loc.Validate() != nil {
		return
	}
	move := p.moves
	p.fetchThen(ctx, loc, func(uri string, err error) {
		if err != nil {
			p.tell("missing:"+loc.String(), msgWarning, fmt.Sprintf("%s is not in your checkout (%s) and could not be fetched: %v", describe(loc), loc.Path, err))
			return
		}
		if move == p.moves {
			r := toProtocol(p.convert(uri, loc.Range, location.UTF16, p.editorEncoding()))
			p.showWheel(f, uri, r)
		}
	})
}

// fetchThen fetches the file of loc from the navigator, off Run's
// goroutine, then runs done on it with the file's URI here. A file brought
// gets the diagnostics of the notes pinned to it.
func (p *Participant) fetchThen(ctx context.Context, loc location.Location, done func(uri string, err error)) {
	v := p.view.Load()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		fctx, cancel := context.WithTimeout(ctx, 4*remoteTimeout)
		defer cancel()
		uri, err := v.fetch(fctx, loc)
		select {
		case p.actions <- func() {
			if err == nil {
				p.notesMoved(uri)
			}
			done(uri, err)
		}:
		case <-ctx.Done():
		}
	}()
}

// showRequest is a place to open in the editor.
type showRequest struct {
	uri string
	r   protocol.Range
}

// show asks the editor to open uri at r. Only the newest request waits: a
// burst of moves (a replay after reconnecting) ends where the wheel is now.
func (p *Participant) show(uri string, r protocol.Range) {
	p.shownAt = time.Now()
	p.lastURI = uri // the editor's didOpen of it is not a move of its own
	req := showRequest{uri, r}
	for {
		select {
		case p.shows <- req:
			return
		default:
			select {
			case <-p.shows:
			default:
			}
		}
	}
}

// showLoop sends the editor the places show asks for, one at a time.
func (p *Participant) showLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-p.shows:
			p.showDocument(ctx, req)
		}
	}
}

func (p *Participant) showDocument(ctx context.Context, req showRequest) {
	if !p.relay.Editor().ShowDocument {
		return // the editor would not answer; plugins advertise support
	}
	ctx, cancel := context.WithTimeout(ctx, showTimeout)
	defer cancel()
	_, err := p.relay.Call(ctx, "window/showDocument", map[string]any{
		"uri": req.uri, "takeFocus": true, "selection": req.r,
	})
	if err != nil {
		p.log.Warn("editor did not show the document", "uri", req.uri, "err", err)
	}
}
