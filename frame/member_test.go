package frame

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzMember checks Member and Elements against encoding/json on JSON
// input, and that they return on any input.
func FuzzMember(f *testing.F) {
	for _, seed := range []string{
		`{"textDocument":{"uri":"file:///a.go"},"position":{"line":1,"character":2}}`,
		`{"URI":1,"uri":2}`, `{"uri":"\u0041"}`, `[{"uri":1},{"targetUri":"x"},[],3]`, `[`, `{"a":[}`, ` [ 1 , 2 ] `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Member(data, "uri")
		var elems [][]byte
		for e := range Elements(data) {
			elems = append(elems, e)
		}
		if !json.Valid(data) {
			return
		}
		var obj struct {
			URI json.RawMessage `json:"uri"`
		}
		if json.Unmarshal(data, &obj) == nil && !bytes.Equal(got, obj.URI) {
			t.Fatalf("Member(%s, uri) = %s, encoding/json: %s", data, got, obj.URI)
		}
		var arr []json.RawMessage
		if json.Unmarshal(data, &arr) == nil {
			if len(arr) != len(elems) {
				t.Fatalf("Elements(%s) = %q, encoding/json: %q", data, elems, arr)
			}
			for i := range arr {
				if !bytes.Equal(arr[i], elems[i]) {
					t.Fatalf("Elements(%s) = %q, encoding/json: %q", data, elems, arr)
				}
			}
		}
	})
}
