package frame

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		body    string
		kind    string // request, notification, response, or the error
		id      string
		invalid bool // the error is ErrInvalid
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"a"}`, "request", "1", false},
		{`{"jsonrpc":"2.0","id":"x","method":"a","params":null}`, "request", `"x"`, false},
		{`{"jsonrpc":"2.0","id":null,"method":"a"}`, "notification", "", false},
		{`{"jsonrpc":"2.0","method":"a"}`, "notification", "", false},
		{`{"jsonrpc":"2.0","id":9007199254740993,"result":null}`, "response", "9007199254740993", false},
		{`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"no"}}`, "response", "2", false},
		{`{"x":1}`, "error", "", true},
		{`[1]`, "error", "", true},
		{`{"id":3,"method":4}`, "error", "3", true},
		{`{"id":5,"method":"a"} trailing`, "error", "5", false},
		{`{"id":6,`, "error", "", false},
		{``, "error", "", false},
	} {
		m, err := Decode([]byte(c.body))
		kind := "error"
		switch {
		case err != nil:
		case m.IsRequest():
			kind = "request"
		case m.IsNotification():
			kind = "notification"
		case m.IsResponse():
			kind = "response"
		}
		if kind != c.kind || m.Key() != c.id || errors.Is(err, ErrInvalid) != c.invalid || string(m.Raw) != c.body {
			t.Errorf("Decode(%s) = %s id %q err %v, want %s id %q invalid %v", c.body, kind, m.Key(), err, c.kind, c.id, c.invalid)
		}
	}
}

// FuzzDecode checks that no body makes Decode panic, that it keeps the body,
// and that the error answer to whatever id it reads is a valid message with
// that id.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/definition","params":{"textDocument":{"uri":"file:///a.go"},"position":{"line":1,"character":2}}}`,
		`{"jsonrpc":"2.0","id":"lspshare:1","result":[{"uri":"file:///a.go","range":{}}]}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32800,"message":"cancelled","data":[1]}}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}`,
		`{"id":{"nested":[1,2]},"method":"a"}`,
		`{"id":7,"method":"a"}{"id":8}`,
		`{"method":null,"id":"\ud800"}`,
		`[]`, `null`, `"x"`, `{`, ``,
		`{"ID":1,"Method":"a","reſult":2}`, `{"method":"a","method":null}`, `{"id":1,"error":{"code":"x"}}`,
		`{"error":{"code":1},"error":null,"id":2}`, `{"\u0069d":3,"method":"\u00e9"}`, ` { "id" : 4 , "result" : "a\\\"b" } `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Decode(body)
		sameAsReference(t, body, m, err)
		if !bytes.Equal(m.Raw, body) {
			t.Fatalf("Raw = %q, want the body", m.Raw)
		}
		if err == nil && !m.IsRequest() && !m.IsNotification() && !m.IsResponse() {
			t.Fatalf("decoded %q as no kind of message", body)
		}
		if m.ID != nil && !json.Valid(m.ID) {
			t.Fatalf("id %q is not JSON", m.ID)
		}
		answer := Response(m.ID, nil, &Error{Code: CodeInvalidRequest, Message: "x"})
		back, err := Decode(answer)
		if err != nil || !back.IsResponse() || back.Error == nil {
			t.Fatalf("error answer %s does not decode: %v", answer, err)
		}
		if m.ID != nil && back.Key() != compact(t, m.ID) {
			t.Fatalf("error answer %s has id %s, want %s", answer, back.Key(), m.ID)
		}
	})
}

func compact(t *testing.T, raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sameAsReference fails unless Decode agrees with decoding the envelope with
// encoding/json, which is what Decode must match, only faster.
func sameAsReference(t *testing.T, body []byte, m Message, err error) {
	t.Helper()
	var e envelope
	refErr := json.Unmarshal(body, &e)
	var syntax *json.SyntaxError
	if errors.As(refErr, &syntax) || (refErr != nil && !json.Valid(body)) {
		if err == nil || errors.Is(err, ErrInvalid) {
			t.Fatalf("Decode(%q): %v; encoding/json: %v", body, err, refErr)
		}
		return
	}
	if isNull(e.ID) {
		e.ID = nil
	}
	invalid := refErr != nil || (e.Method == "" && e.ID == nil && e.Result == nil && e.Error == nil)
	if invalid != errors.Is(err, ErrInvalid) || (!invalid && err != nil) {
		t.Fatalf("Decode(%q): %v; encoding/json: %v, invalid %v", body, err, refErr, invalid)
	}
	if refErr == nil || errors.As(refErr, new(*json.UnmarshalTypeError)) {
		got := fmt.Sprintf("%s|%q|%s|%s|%+v", m.ID, m.Method, m.Params, m.Result, m.Error)
		want := fmt.Sprintf("%s|%q|%s|%s|%+v", e.ID, e.Method, e.Params, e.Result, e.Error)
		if refErr != nil {
			// After a type error encoding/json goes on, but which
			// fields it fills then is its own affair: compare the id.
			got, want = string(m.ID), string(e.ID)
		}
		if got != want {
			t.Fatalf("Decode(%q) = %s; encoding/json: %s", body, got, want)
		}
	}
}

// BenchmarkDecode compares Decode and Peek with decoding the envelope with
// encoding/json (what Decode did first), on a definition request, its
// answer, and a 200 KB completion list.
func BenchmarkDecode(b *testing.B) {
	item := `{"label":"Println","kind":3,"detail":"func(a ...any) (n int, err error)","documentation":{"kind":"markdown","value":"Println formats \"using\" the default formats."},"sortText":"00002","textEdit":{"range":{"start":{"line":11,"character":5},"end":{"line":11,"character":12}},"newText":"Println(${1:})"}}`
	items := bytes.Repeat([]byte(item+","), 200<<10/len(item))
	for _, c := range []struct{ name, body string }{
		{"request", `{"jsonrpc":"2.0","id":12,"method":"textDocument/definition","params":{"textDocument":{"uri":"file:///home/ada/src/app/main.go"},"position":{"line":11,"character":14}}}`},
		{"answer", `{"jsonrpc":"2.0","result":[{"uri":"file:///home/ada/src/app/greet/greet.go","range":{"start":{"line":4,"character":5},"end":{"line":4,"character":10}}}],"id":12}`},
		{"completion", `{"jsonrpc":"2.0","result":{"isIncomplete":true,"items":[` + string(items[:len(items)-1]) + `]},"id":13}`},
	} {
		body := []byte(c.body)
		b.Run(c.name+"/Decode", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Decode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/Peek", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Peek(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var e envelope
				if err := json.Unmarshal(body, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzPeek checks that Peek returns on any body, and agrees with Decode on
// JSON.
func FuzzPeek(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"result":[{"uri":"file:///a.go"}]}`,
		`{"id":1,"result":[{"uri":"file:///a.go"}`, `{"id":"\`, `{"id"`, `{"id":`, `{"a":}`, `{"a":"x\\"}`, `{`, ` `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Peek(body)
		if !json.Valid(body) {
			return
		}
		d, derr := Decode(body)
		if fmt.Sprint(m, err) != fmt.Sprint(d, derr) {
			t.Fatalf("Peek(%q) = %v, %v; Decode: %v, %v", body, m, err, d, derr)
		}
	})
}
