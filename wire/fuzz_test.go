package wire

import (
	"bytes"
	"testing"
)

// FuzzDecodeFrame checks that decoding never panics and that what decodes
// encodes again, stably.
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","id":"x","name":"ann","repo":{"commit":"abc","dirty":true},"following":true,"after":7}`,
		`{"type":"nav","kind":"jump","to":{"space":"module","module":"m@v1","path":"a.go","range":{"start":{"line":1,"character":2},"end":{"line":1,"character":3}}},"from":{},"symbol":"F"}`,
		`{"type":"state","session":"demo","wheel":"bob","participants":[{"name":"bob","role":"drive","following":false,"connected":true}]}`,
		`{"type":"ask","ref":"1","name":"bob","method":"textDocument/hover","params":{"a":[1,2]},"deadline_ms":5000}`,
		`{"type":"answer","ref":"1","result":null,"error":"gone"}`,
		`{"type":"error","message":"\u00e9\ud800"}`,
		`{"type":"nav","seq":18446744073709551615}`,
		`{"type":"nav","seq":-1}`,
		`{"type":1}`, `[]`, `null`, `{"type":"x"}`, "{\"type\":\"hello\",\"name\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeFrame(data)
		if err != nil {
			return
		}
		b, err := Encode(fr)
		if err != nil {
			t.Fatalf("decoded frame does not encode: %v", err)
		}
		fr2, err := DecodeFrame(b)
		if err != nil {
			t.Fatalf("encoded frame %s does not decode: %v", b, err)
		}
		b2, err := Encode(fr2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("round trip unstable: %s then %s (%v)", b, b2, err)
		}
	})
}

// FuzzEncode: a frame decoded from the wire encodes to a frame that decodes
// to the same, result included.
func FuzzEncode(f *testing.F) {
	f.Add(`{"type":"answer","ref":"a1","result":{"data":"aGk=","size":2}}`)
	f.Add(`{"type":"answer","ref":"a2","result":[1, 2 ,3]}`)
	f.Add(`{"type":"answer","ref":"a3","error":"no"}`)
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := DecodeFrame([]byte(s))
		if err != nil {
			return
		}
		b, err := Encode(fr)
		if err != nil {
			t.Fatalf("encode %+v: %v", fr, err)
		}
		back, err := DecodeFrame(b)
		if err != nil {
			t.Fatalf("Encode(%q) = %q, which does not decode: %v", s, b, err)
		}
		if !bytes.Equal(back.Result, fr.Result) || back.Ref != fr.Ref || back.Type != fr.Type {
			t.Fatalf("round trip of %q: %+v, want %+v", s, back, fr)
		}
	})
}
