package proxy

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	"github.com/lspshare/lspshare/frame"
)

// PublishDiagnostics is the server's notification of a document's
// diagnostics, which the proxy merges with diagnostics of its own.
const PublishDiagnostics = "textDocument/publishDiagnostics"

// diagnostics merges the server's diagnostics with the participant's extra
// ones (notes) per URI. Its lock is held while a merged set is written to
// the editor, so the editor's last publish for a URI is always the newest
// of both.
type diagnostics struct {
	mu     sync.Mutex
	server map[string][]byte            // URI → the server's latest publish (body): one per file the server knows of
	extra  map[string][]json.RawMessage // URI → extra diagnostics, when any
}

// SetExtraDiagnostics sets the diagnostics the proxy adds to the server's
// for uri (none: nil), and publishes the union for uri at once when the
// editor may be sent messages. Each element must be an LSP Diagnostic.
func (p *Proxy) SetExtraDiagnostics(uri string, diags []json.RawMessage) {
	d := &p.diags
	d.mu.Lock()
	defer d.mu.Unlock()
	had := len(d.extra[uri]) > 0
	if d.extra == nil {
		d.extra = make(map[string][]json.RawMessage)
	}
	if len(diags) == 0 {
		delete(d.extra, uri)
	} else {
		d.extra[uri] = slices.Clone(diags)
	}
	if (!had && len(diags) == 0) || !p.Editor().Initialized {
		return // nothing to take back, or too early: the server's next publish carries them
	}
	server := d.server[uri]
	if len(diags) == 0 && server != nil {
		p.writeEditor(server) // the server's own, as it sent them
		return
	}
	p.writeEditor(mergedDiagnostics(uri, server, diags))
}

// serverDiagnostics forwards the server's publish (body, msg), merged with
// the extra diagnostics of its URI when there are any, and keeps it to
// merge with later ones. Without extra diagnostics the body passes as it is.
func (p *Proxy) serverDiagnostics(body []byte, msg frame.Message) {
	uri, ok := frame.String(frame.Member(msg.Params, "uri"))
	if !ok {
		p.writeEditor(body)
		return
	}
	d := &p.diags
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.server == nil {
		d.server = make(map[string][]byte)
	}
	d.server[uri] = body
	extra := d.extra[uri]
	if len(extra) == 0 {
		p.writeEditor(body)
		return
	}
	p.writeEditor(mergedDiagnostics(uri, body, extra))
}

// mergedDiagnostics returns a publishDiagnostics notification for uri whose
// diagnostics are the server's (from its publish, server, which may be
// nil), copied as they are, followed by extra. The uri and version are the
// server's when it published.
func mergedDiagnostics(uri string, server []byte, extra []json.RawMessage) []byte {
	params := frame.Member(server, "params")
	rawURI := frame.Member(params, "uri")
	if _, ok := frame.String(rawURI); !ok {
		rawURI = strconv.AppendQuote(nil, uri)
	}
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0","method":"` + PublishDiagnostics + `","params":{"uri":`)
	b.Write(rawURI)
	if v := frame.Member(params, "version"); isJSONNumber(v) {
		b.WriteString(`,"version":`)
		b.Write(v)
	}
	b.WriteString(`,"diagnostics":[`)
	n := 0
	for e := range frame.Elements(frame.Member(params, "diagnostics")) {
		n = appendElement(&b, n, e)
	}
	for _, e := range extra {
		n = appendElement(&b, n, e)
	}
	b.WriteString("]}}")
	return b.Bytes()
}

// appendElement writes the n-th element of an array and returns n+1.
func appendElement(b *bytes.Buffer, n int, e []byte) int {
	if n > 0 {
		b.WriteByte(',')
	}
	b.Write(e)
	return n + 1
}

// isJSONNumber reports whether raw is a JSON number, so that nothing but
// one is copied into the merged message's version.
func isJSONNumber(raw []byte) bool {
	var n json.Number
	return len(raw) > 0 && raw[0] != '"' && json.Unmarshal(raw, &n) == nil
}
