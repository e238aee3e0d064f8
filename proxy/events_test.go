package proxy

import (
	"encoding/json"
	"fmt"
	"testing"

	"go.lsp.dev/protocol"
)

// FuzzPositionOf checks positionOf, which looks into raw JSON, against
// decoding with encoding/json.
func FuzzPositionOf(f *testing.F) {
	for _, seed := range []string{
		`{"textDocument":{"uri":"file:///a.go"},"position":{"line":1,"character":2}}`,
		`{"textDocument":{"uri":"file:///a.go","languageId":"go","version":1,"text":"package a\n"}}`,
		`{"textDocument":{"uri":"file:///\u00e9.go"},"position":null}`,
		`{"textDocument":{"uri":""},"position":{"line":-1}}`,
		`{"position":{"line":4294967296,"character":0}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		got, err := positionOf(params)
		if !json.Valid(params) {
			return
		}
		var p protocol.TextDocumentPositionParams
		refErr := json.Unmarshal(params, &p)
		if refErr != nil || p.TextDocument.URI == "" {
			return // encoding/json refuses more; either answer is fine then
		}
		want := protocol.Location{URI: p.TextDocument.URI, Range: protocol.Range{Start: p.Position, End: p.Position}}
		if err != nil || got != want {
			t.Fatalf("positionOf(%s) = %+v, %v; encoding/json: %+v", params, got, err, want)
		}
	})
}

// FuzzTargetsOf checks targetsOf against decoding with encoding/json.
func FuzzTargetsOf(f *testing.F) {
	rng := `{"start":{"line":1,"character":2},"end":{"line":3,"character":4}}`
	for _, seed := range []string{
		`null`, `[]`,
		`{"uri":"file:///a.go","range":` + rng + `}`,
		`[{"uri":"file:///a.go","range":` + rng + `},{"uri":"file:///b.go","range":` + rng + `}]`,
		`[{"targetUri":"file:///a.go","targetRange":` + rng + `,"targetSelectionRange":` + rng + `}]`,
		`[{"uri":"file:///a.go"}]`, `[1]`, `{"uri":"x","range":{"start":{}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, result []byte) {
		got, err := targetsOf(result)
		if !json.Valid(result) {
			return
		}
		want, refErr := referenceTargetsOf(result)
		if refErr != nil {
			return // encoding/json refuses more; either answer is fine then
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("targetsOf(%s) = %+v, %v; encoding/json: %+v", result, got, err, want)
		}
	})
}

// referenceTargetsOf is targetsOf written with encoding/json.
func referenceTargetsOf(result json.RawMessage) ([]protocol.Location, error) {
	if isNullJSON(result) {
		return nil, nil
	}
	var items []json.RawMessage
	if result[0] == '[' {
		if err := json.Unmarshal(result, &items); err != nil {
			return nil, err
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
			return nil, err
		}
		switch {
		case v.URI != "" && v.Range != nil:
			out = append(out, protocol.Location{URI: v.URI, Range: *v.Range})
		case v.TargetURI != "" && v.TargetSelectionRange != nil:
			out = append(out, protocol.Location{URI: v.TargetURI, Range: *v.TargetSelectionRange})
		default:
			return nil, fmt.Errorf("neither Location nor LocationLink")
		}
	}
	return out, nil
}
