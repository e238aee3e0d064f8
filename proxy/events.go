package proxy

import (
	"encoding/json"
	"fmt"

	"go.lsp.dev/protocol"
)

// EventKind says what an editor did.
type EventKind int

const (
	// Jump is an answered definition-like request: the editor went to a target.
	Jump EventKind = iota + 1
	// Cursor is a position the editor's cursor is known to be at.
	Cursor
	// Open is a document the editor opened.
	Open
)

func (k EventKind) String() string {
	switch k {
	case Jump:
		return "jump"
	case Cursor:
		return "cursor"
	case Open:
		return "open"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a navigation of the editor, as seen by the proxy.
type Event struct {
	Kind EventKind
	// Method is the LSP method the event came from.
	Method string
	// From is where the editor was: the request's position for a jump or a
	// cursor, the document for an open.
	From protocol.Location
	// To holds a jump's targets, first the one editors go to.
	To []protocol.Location
	// Exact is set when From comes from a plugin's $/lspshare/cursor rather
	// than from a position-carrying request.
	Exact bool
}

// jumpMethods are the requests whose answers move the editor.
var jumpMethods = map[string]bool{
	"textDocument/definition":     true,
	"textDocument/declaration":    true,
	"textDocument/typeDefinition": true,
	"textDocument/implementation": true,
}

// cursorMethods are requests editors send at the cursor's position.
var cursorMethods = map[string]bool{
	"textDocument/documentHighlight": true,
	"textDocument/hover":             true,
}

// CursorMethod is the notification plugins send with the editor's exact
// cursor and the proxy sends with other participants' cursors.
const CursorMethod = "$/lspshare/cursor"

// positionOf reads the textDocument and position of a
// TextDocumentPositionParams request.
func positionOf(params json.RawMessage) (protocol.Location, error) {
	var p protocol.TextDocumentPositionParams
	if err := json.Unmarshal(params, &p); err != nil {
		return protocol.Location{}, fmt.Errorf("position params: %w", err)
	}
	if p.TextDocument.URI == "" {
		return protocol.Location{}, fmt.Errorf("position params: no textDocument.uri")
	}
	return protocol.Location{URI: p.TextDocument.URI, Range: protocol.Range{Start: p.Position, End: p.Position}}, nil
}

// CursorParams is the payload of $/lspshare/cursor. Editors send a range or a
// position; the proxy sends a range and the participant's name.
type CursorParams struct {
	URI      string             `json:"uri"`
	Range    *protocol.Range    `json:"range,omitempty"`
	Position *protocol.Position `json:"position,omitempty"`
	Name     string             `json:"name,omitempty"`
	Wheel    bool               `json:"wheel,omitempty"`
}

func cursorOf(params json.RawMessage) (protocol.Location, error) {
	var p CursorParams
	if err := json.Unmarshal(params, &p); err != nil {
		return protocol.Location{}, fmt.Errorf("%s: %w", CursorMethod, err)
	}
	if p.URI == "" {
		return protocol.Location{}, fmt.Errorf("%s: no uri", CursorMethod)
	}
	loc := protocol.Location{URI: protocol.DocumentURI(p.URI)}
	switch {
	case p.Range != nil:
		loc.Range = *p.Range
	case p.Position != nil:
		loc.Range = protocol.Range{Start: *p.Position, End: *p.Position}
	default:
		return protocol.Location{}, fmt.Errorf("%s: neither range nor position", CursorMethod)
	}
	return loc, nil
}

// targetsOf reads the answer of a definition-like request, which LSP allows
// to be null, a Location, a Location[] or a LocationLink[].
func targetsOf(result json.RawMessage) ([]protocol.Location, error) {
	if isNullJSON(result) {
		return nil, nil
	}
	var items []json.RawMessage
	if len(result) > 0 && result[0] == '[' {
		if err := json.Unmarshal(result, &items); err != nil {
			return nil, fmt.Errorf("locations: %w", err)
		}
	} else {
		items = []json.RawMessage{result}
	}
	var out []protocol.Location
	for _, item := range items {
		var v struct {
			URI                  protocol.DocumentURI `json:"uri"`
			Range                *protocol.Range      `json:"range"`
			TargetURI            protocol.DocumentURI `json:"targetUri"`
			TargetSelectionRange *protocol.Range      `json:"targetSelectionRange"`
		}
		if err := json.Unmarshal(item, &v); err != nil {
			return nil, fmt.Errorf("location: %w", err)
		}
		switch {
		case v.URI != "" && v.Range != nil:
			out = append(out, protocol.Location{URI: v.URI, Range: *v.Range})
		case v.TargetURI != "" && v.TargetSelectionRange != nil:
			out = append(out, protocol.Location{URI: v.TargetURI, Range: *v.TargetSelectionRange})
		default:
			return nil, fmt.Errorf("location: neither Location nor LocationLink: %.100s", item)
		}
	}
	return out, nil
}

func isNullJSON(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
