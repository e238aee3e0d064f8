package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/frame"
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
// TextDocumentPositionParams request. It looks into the raw params instead
// of decoding them: it runs on every definition, hover and didOpen, whose
// params hold a whole file.
func positionOf(params json.RawMessage) (protocol.Location, error) {
	uri, _ := frame.String(frame.Member(frame.Member(params, "textDocument"), "uri"))
	if uri == "" {
		return protocol.Location{}, errors.New("position params: no textDocument.uri")
	}
	pos, err := positionValue(frame.Member(params, "position"))
	if err != nil {
		return protocol.Location{}, fmt.Errorf("position params: %w", err)
	}
	return protocol.Location{URI: protocol.DocumentURI(uri), Range: protocol.Range{Start: pos, End: pos}}, nil
}

// positionValue reads a raw Position; an absent or null one is 0:0, as
// encoding/json leaves it.
func positionValue(raw []byte) (protocol.Position, error) {
	if isNullJSON(raw) {
		return protocol.Position{}, nil
	}
	if raw[0] != '{' {
		return protocol.Position{}, fmt.Errorf("position %.100q is not an object", raw)
	}
	line, err1 := uint32Value(frame.Member(raw, "line"))
	char, err2 := uint32Value(frame.Member(raw, "character"))
	if err := errors.Join(err1, err2); err != nil {
		return protocol.Position{}, fmt.Errorf("position %.100s: %w", raw, err)
	}
	return protocol.Position{Line: line, Character: char}, nil
}

// rangeValue reads a raw Range.
func rangeValue(raw []byte) (protocol.Range, error) {
	start, err1 := positionValue(frame.Member(raw, "start"))
	end, err2 := positionValue(frame.Member(raw, "end"))
	if err := errors.Join(err1, err2); err != nil {
		return protocol.Range{}, fmt.Errorf("range: %w", err)
	}
	return protocol.Range{Start: start, End: end}, nil
}

// uint32Value reads a raw JSON number; an absent one is 0.
func uint32Value(raw []byte) (uint32, error) {
	if raw == nil {
		return 0, nil
	}
	n, err := strconv.ParseUint(string(raw), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%.30s is not a uint32", raw)
	}
	return uint32(n), nil
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
	items := frame.Elements(result)
	if result[0] != '[' {
		items = func(yield func([]byte) bool) { yield(result) }
	}
	var out []protocol.Location
	for item := range items {
		loc, err := targetOf(item)
		if err != nil {
			return nil, err
		}
		out = append(out, loc)
	}
	return out, nil
}

// targetOf reads a Location or a LocationLink, whose target is its
// targetSelectionRange.
func targetOf(item []byte) (protocol.Location, error) {
	for _, form := range [][2]string{{"uri", "range"}, {"targetUri", "targetSelectionRange"}} {
		uri, _ := frame.String(frame.Member(item, form[0]))
		raw := frame.Member(item, form[1])
		if uri == "" || isNullJSON(raw) {
			continue
		}
		rng, err := rangeValue(raw)
		if err != nil {
			return protocol.Location{}, fmt.Errorf("location: %w", err)
		}
		return protocol.Location{URI: protocol.DocumentURI(uri), Range: rng}, nil
	}
	return protocol.Location{}, fmt.Errorf("location: neither Location nor LocationLink: %.100s", item)
}

func isNullJSON(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
