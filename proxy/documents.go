package proxy

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/lspshare/lspshare/location"
	"go.lsp.dev/protocol"
)

// Document is an open document as the editor last described it.
type Document struct {
	URI        string
	LanguageID string
	Version    int32
	Text       []byte
}

// documents tracks the editor's open documents, applying every change, so
// the proxy always knows their current text (to replay them to a restarted
// server, and to convert positions).
type documents struct {
	mu       sync.Mutex // guards byURI, the Documents in it, and encoding
	byURI    map[string]*Document
	encoding string // negotiated position encoding: "utf-8", "utf-16" or "utf-32"
}

func newDocuments() *documents {
	return &documents{byURI: make(map[string]*Document), encoding: "utf-16"}
}

func (d *documents) setEncoding(enc string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if enc != "" {
		d.encoding = enc
	}
}

func (d *documents) didOpen(params json.RawMessage) error {
	var p protocol.DidOpenTextDocumentParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("didOpen: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byURI[string(p.TextDocument.URI)] = &Document{
		URI:        string(p.TextDocument.URI),
		LanguageID: string(p.TextDocument.LanguageID),
		Version:    p.TextDocument.Version,
		Text:       []byte(p.TextDocument.Text),
	}
	return nil
}

func (d *documents) didClose(params json.RawMessage) error {
	var p protocol.DidCloseTextDocumentParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("didClose: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byURI, string(p.TextDocument.URI))
	return nil
}

// didChangeParams is decoded by hand: protocol v0.12.0 types the range of a
// change as a value, so a full-text change (no range) would look like an edit
// of the empty range at 0:0.
type didChangeParams struct {
	TextDocument struct {
		URI     string `json:"uri"`
		Version int32  `json:"version"`
	} `json:"textDocument"`
	ContentChanges []struct {
		Range *protocol.Range `json:"range"`
		Text  string          `json:"text"`
	} `json:"contentChanges"`
}

func (d *documents) didChange(params json.RawMessage) error {
	var p didChangeParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("didChange: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	doc, ok := d.byURI[p.TextDocument.URI]
	if !ok {
		return fmt.Errorf("didChange: %s is not open", p.TextDocument.URI)
	}
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			doc.Text = []byte(c.Text)
			continue
		}
		start := offset(doc.Text, c.Range.Start, d.encoding)
		end := max(offset(doc.Text, c.Range.End, d.encoding), start)
		text := make([]byte, 0, len(doc.Text)-(end-start)+len(c.Text))
		text = append(text, doc.Text[:start]...)
		text = append(text, c.Text...)
		doc.Text = append(text, doc.Text[end:]...)
	}
	doc.Version = p.TextDocument.Version
	return nil
}

// Get returns a copy of the open document at uri.
func (d *documents) get(uri string) (Document, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	doc, ok := d.byURI[uri]
	if !ok {
		return Document{}, false
	}
	c := *doc
	c.Text = append([]byte(nil), doc.Text...)
	return c, true
}

// all returns copies of every open document.
func (d *documents) all() []Document {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Document, 0, len(d.byURI))
	for _, doc := range d.byURI {
		c := *doc
		c.Text = append([]byte(nil), doc.Text...)
		out = append(out, c)
	}
	return out
}

// offset returns the byte offset of pos in text, counting characters in
// the given encoding. Positions past the end of a line or of the text clamp
// to it, as LSP asks.
func offset(text []byte, pos protocol.Position, encoding string) int {
	return location.Offset(text, location.Position{Line: pos.Line, Character: pos.Character}, location.Encoding(encoding))
}
