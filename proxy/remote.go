package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/lspshare/lspshare/frame"
)

// A RemoteAnswerer answers read-only requests that the local server cannot: when
// there is no server, when it answers with an error or nothing, and for
// documents it does not have.
type RemoteAnswerer interface {
	// Available reports whether anyone could answer now. It is asked on the
	// relay's goroutine for every read-only request, so it must be cheap.
	Available() bool
	// Remote reports whether requests about the document uri skip the local
	// server: files brought from elsewhere that it does not know.
	Remote(uri string) bool
	// Answer answers a request from elsewhere, or returns an error when it
	// cannot. An empty answer (see EmptyResult) loses to a local one.
	Answer(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error)
}

// remoteTimeout bounds a remote answer when the RemoteAnswerer sets no deadline of its own.
const remoteTimeout = 10 * time.Second

// readOnlyMethods are the requests that may be answered from elsewhere: they
// read code and change nothing. The jumps (jumpMethods) are among them.
var readOnlyMethods = withJumps(map[string]bool{
	"textDocument/references":        true,
	"textDocument/hover":             true,
	"textDocument/documentHighlight": true,
	"textDocument/documentSymbol":    true,
	"textDocument/foldingRange":      true,
	"textDocument/signatureHelp":     true,
	"workspace/symbol":               true,
})

func withJumps(methods map[string]bool) map[string]bool {
	for m := range jumpMethods {
		methods[m] = true
	}
	return methods
}

// IsReadOnly reports whether method is one that may be answered remotely.
func IsReadOnly(method string) bool { return readOnlyMethods[method] }

// documentOf reads params.textDocument.uri, or "" when there is none.
func documentOf(params json.RawMessage) string {
	uri, _ := frame.String(frame.Member(frame.Member(params, "textDocument"), "uri"))
	return uri
}

// remoteDocument reports whether requests about the document of params go
// straight to the RemoteAnswerer.
func (p *Proxy) remoteDocument(params json.RawMessage) bool {
	if !p.remoteAnswers() {
		return false
	}
	uri := documentOf(params)
	return uri != "" && p.cfg.Remote.Remote(uri)
}

// answerRemotely answers msg from elsewhere on a goroutine of its own. local is the
// server's answer, sent when the answerRemotely fails; without one the answerRemotely's
// error is.
func (p *Proxy) answerRemotely(msg frame.Message, w watched, local []byte) {
	p.work.Add(1)
	go func() {
		defer p.work.Done()
		ctx, cancel := context.WithTimeout(p.ctx, remoteTimeout)
		defer cancel()
		result, err := p.cfg.Remote.Answer(ctx, msg.Method, msg.Params)
		if err == nil && local != nil && EmptyResult(result) {
			err = errors.New("empty there too")
		}
		switch {
		case err == nil:
			if jumpMethods[msg.Method] {
				p.observeJump(w, result)
			}
			p.writeEditor(frame.Response(msg.ID, result, nil))
		case local != nil:
			p.log.Debug("no remote answer, local answer sent", "method", msg.Method, "err", err)
			p.writeEditor(local)
		default:
			p.writeEditor(frame.Response(msg.ID, nil, &frame.Error{
				Code: frame.CodeRequestFailed, Message: "lspshare: " + err.Error(),
			}))
		}
	}()
}

// remoteAnswers reports whether read-only requests may be answered from
// elsewhere now.
func (p *Proxy) remoteAnswers() bool {
	return p.cfg.Remote != nil && p.cfg.Remote.Available()
}

// EmptyResult reports whether an answer says nothing: null, [] or {}.
func EmptyResult(result json.RawMessage) bool {
	s := string(result)
	return s == "" || s == "null" || s == "[]" || s == "{}"
}
