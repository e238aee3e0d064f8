package participant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/proxy"
	"github.com/lspshare/lspshare/share"
	"github.com/lspshare/lspshare/wire"
)

// Questions between proxies, carried by the hub's ask frames.
const (
	askLSP = wire.AskLSP // params lspQuestion; result: the server's answer
	// files.AskMethod: params files.Question; answered with a wire.Chunk
)

// remoteTimeout bounds a remote request to the navigator: past it, the editor
// gets its local answer (or an error) instead.
const remoteTimeout = 5 * time.Second

// maxAnswering bounds the remote requests this participant answers at once.
const maxAnswering = 8

// lspQuestion is a read-only LSP request, with portable URIs.
type lspQuestion struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// view is what answering from elsewhere needs. Run publishes a fresh view
// whenever one of its parts changes, so the proxy's goroutines read it
// without locks.
type view struct {
	hubConn   *share.Link
	mapper    *location.Mapper
	cache     *files.Cache
	served    *files.Server
	session   string
	repo      wire.Repo // the navigator's
	navigator string
	you       string
}

// publishView refreshes the view from Run's state; publishState does so
// before it tells the editor anything.
func (p *Participant) publishView() {
	v := &view{hubConn: p.hubConn, mapper: p.mapper, cache: p.cache, served: p.served,
		session: p.state.Session, navigator: p.state.Navigator, you: p.state.You, repo: p.navigatorRepo}
	p.view.Store(v)
}

// Available reports whether someone else's server could answer now: this
// participant is in a session and another holds the wheel.
func (p *Participant) Available() bool {
	v := p.view.Load()
	return v != nil && v.canAsk()
}

func (v *view) canAsk() bool {
	return v.hubConn != nil && v.navigator != "" && v.navigator != v.you
}

// Remote reports whether uri is a file brought from another participant,
// which the local server does not know.
func (p *Participant) Remote(uri string) bool {
	v := p.view.Load()
	return v != nil && v.cache != nil && v.cache.Contains(uri)
}

var errNobodyToAsk = errors.New("nobody to ask: no one else holds the wheel")

// Answer asks the navigator's server a read-only request, with URIs
// made portable on the way out and local on the way back (bringing files
// this machine lacks).
func (p *Participant) Answer(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	v := p.view.Load()
	if v == nil || !v.canAsk() {
		return nil, errNobodyToAsk
	}
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	portable, err := rewriteURIs(params, v.portableURI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	q, err := json.Marshal(lspQuestion{Method: method, Params: portable})
	if err != nil {
		return nil, err
	}
	result, err := v.hubConn.Ask(ctx, "", askLSP, q)
	if err != nil {
		return nil, fmt.Errorf("%s from %s: %w", method, v.navigator, err)
	}
	if proxy.EmptyResult(result) {
		return result, nil // the proxy prefers a local answer to an empty one
	}
	local, err := rewriteURIs(result, func(u string) (string, error) { return p.localURI(ctx, v, u) })
	if err != nil {
		return nil, fmt.Errorf("%s from %s: %w", method, v.navigator, err)
	}
	p.answeredRemotely(v.navigator)
	return local, nil
}

// answeredRemotely notes a remote answer for the state and, the first time,
// tells the attendee where answers now come from.
func (p *Participant) answeredRemotely(wheel string) {
	select {
	case p.actions <- func() {
		if p.state.Answers != "remote" {
			p.state.Answers = "remote"
			if p.relay.ServerAvailable() {
				p.state.Answers = "mixed"
			}
			p.publishState()
		}
		p.tell("remote", msgInfo, fmt.Sprintf("your gopls cannot load this workspace: answers now come from %s's", wheel))
	}:
	default: // Run is busy; the state catches up at the next remote answer
	}
}

// portableURI maps a file URI of this machine (a checkout file or a cached
// one) to a portable URI.
func (v *view) portableURI(u string) (string, error) {
	if v.cache != nil {
		if _, l, ok := v.cache.Location(u); ok {
			return location.PortableURI(l), nil
		}
	}
	l, err := v.mapper.ToPortable(u)
	if err != nil {
		return "", err
	}
	return location.PortableURI(l), nil
}

// localURI maps a portable URI to a file of this machine, fetching it into
// the cache from the navigator when it is missing.
func (p *Participant) localURI(ctx context.Context, v *view, u string) (string, error) {
	l, err := location.ParsePortableURI(u)
	if err != nil {
		return "", err
	}
	uri, exists, err := v.mapper.ToLocal(l)
	if err == nil && exists {
		return uri, nil
	}
	return v.fetch(ctx, l)
}

// checkoutURI maps a portable URI of another participant's remote request to a
// file of this machine's trees, which must be there: a request is about
// files the answering server can read.
func (v *view) checkoutURI(u string) (string, error) {
	l, err := location.ParsePortableURI(u)
	if err != nil {
		return "", err
	}
	uri, exists, err := v.mapper.ToLocal(l)
	if err != nil || !exists {
		return "", fmt.Errorf("%s is not in %s's checkout", l, v.you)
	}
	return uri, nil
}

// origin keys the cache by where its files come from: this session's wheel
// holder at their commit and Go version.
func (v *view) origin() files.Origin {
	return files.Origin{Session: v.session, Commit: v.repo.Commit, GoVersion: v.repo.Go}
}

// cached returns the URI of l's file if it was brought here before.
func (v *view) cached(l location.Location) (string, bool) {
	if v.cache == nil || !v.cache.Has(v.origin(), l) {
		return "", false
	}
	path, err := v.cache.Path(v.origin(), l)
	if err != nil {
		return "", false
	}
	return location.PathToURI(path), true
}

// fetch brings the file of l from the navigator into the cache and
// returns its URI there.
func (v *view) fetch(ctx context.Context, l location.Location) (string, error) {
	if v.cache == nil || v.hubConn == nil {
		return "", fmt.Errorf("%s is not on this machine", l.Path)
	}
	l.Range = location.Range{}
	if uri, ok := v.cached(l); ok {
		return uri, nil
	}
	data, err := files.FetchRemote(ctx, l, func(ctx context.Context, method string, params json.RawMessage) ([]byte, int64, error) {
		chunk, err := v.hubConn.AskChunk(ctx, "", method, params)
		return chunk.Data, chunk.Size, err
	})
	if err != nil {
		return "", fmt.Errorf("fetch %s from %s: %w", l, v.navigator, err)
	}
	path, err := v.cache.Store(v.origin(), l, data)
	if err != nil {
		return "", err
	}
	return location.PathToURI(path), nil
}

// rewriteURIs returns raw with the string value of every "uri" and
// "targetUri" key replaced by fn's result. It re-encodes the payload, which
// is fine for the proxy's own messages: numbers keep their text.
func rewriteURIs(raw json.RawMessage, fn func(string) (string, error)) (json.RawMessage, error) {
	if !bytes.Contains(raw, []byte(`"uri"`)) && !bytes.Contains(raw, []byte(`"targetUri"`)) {
		return raw, nil // nothing to rewrite: keep the bytes
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if err := rewrite(v, fn); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func rewrite(v any, fn func(string) (string, error)) error {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "uri" || k == "targetUri") {
				u, err := fn(s)
				if err != nil {
					return err
				}
				v[k] = u
				continue
			}
			if err := rewrite(x, fn); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := rewrite(x, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// answerAsk answers another participant's remote request, on a goroutine of its
// own (at most maxAnswering at once), with the view of the moment.
func (p *Participant) answerAsk(ctx context.Context, f wire.Frame) {
	v := p.view.Load()
	reply := func(result any, err error) {
		a := wire.Frame{Type: wire.TypeAnswer, Ref: f.Ref}
		chunk, isChunk := result.(*wire.Chunk)
		switch {
		case err != nil:
			a.Error = err.Error()
		case isChunk: // file bytes go as they are, in a binary message
			a.Chunk = chunk
		default:
			if a.Result, err = json.Marshal(result); err != nil {
				a.Error = err.Error()
			}
		}
		v.hubConn.Send(a)
	}
	select {
	case p.answering <- struct{}{}:
	default:
		reply(nil, errors.New("busy: too many requests at once"))
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.answering }()
		deadline := time.Duration(f.DeadlineMS) * time.Millisecond
		if deadline <= 0 || deadline > remoteTimeout {
			deadline = remoteTimeout
		}
		ctx, cancel := context.WithTimeout(ctx, deadline)
		defer cancel()
		switch f.Method {
		case askLSP:
			reply(p.answerLSP(ctx, v, f.Params))
		case files.AskMethod:
			reply(p.answerFile(ctx, v, f.By, f.Params))
		default:
			reply(nil, fmt.Errorf("unknown request %.40q", f.Method))
		}
	}()
}

func (p *Participant) answerLSP(ctx context.Context, v *view, params json.RawMessage) (any, error) {
	var q lspQuestion
	if err := json.Unmarshal(params, &q); err != nil {
		return nil, fmt.Errorf("bad question: %w", err)
	}
	if !proxy.IsReadOnly(q.Method) {
		return nil, fmt.Errorf("%.60q is not a read-only request", q.Method)
	}
	local, err := rewriteURIs(q.Params, v.checkoutURI)
	if err != nil {
		return nil, err
	}
	// Errors from here on may name this machine's files (gopls's messages,
	// the mapper's): they go to the log, and the asker gets a summary, as
	// absolute paths never leave a machine.
	result, err := p.relay.ServerCall(ctx, q.Method, local)
	if err != nil {
		p.log.Info("remote request not answered", "method", q.Method, "err", err)
		return nil, fmt.Errorf("%s's gopls could not answer %s", v.you, q.Method)
	}
	portable, err := rewriteURIs(result, v.portableURI)
	if err != nil {
		p.log.Info("answer not shared", "method", q.Method, "err", err)
		return nil, fmt.Errorf("%s's answer to %s points outside the files it can share", v.you, q.Method)
	}
	return portable, nil
}

func (p *Participant) answerFile(ctx context.Context, v *view, asker string, params json.RawMessage) (any, error) {
	if v.served == nil {
		return nil, errors.New("this participant serves no files")
	}
	data, size, err := v.served.Answer(ctx, asker, params)
	if err != nil {
		return nil, err
	}
	return &wire.Chunk{Size: size, Data: data}, nil
}
