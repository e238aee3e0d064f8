package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/frame"
)

// publishedTo returns a proxy writing to the editor on out, as after the
// editor's initialize.
func publishedTo(out *bytes.Buffer) *Proxy {
	p := New(Config{}, bytes.NewReader(nil), out)
	p.editorInfo.Initialized = true
	return p
}

// published reads the messages the proxy wrote to the editor.
func published(t *testing.T, out *bytes.Buffer) [][]byte {
	t.Helper()
	r := frame.NewReader(bytes.NewReader(out.Bytes()), 0)
	out.Reset()
	var msgs [][]byte
	for {
		body, err := r.Read()
		if err != nil {
			return msgs
		}
		msgs = append(msgs, body)
	}
}

// diagnosticsOf returns the raw diagnostics of a publish, checking it is
// JSON and names uri.
func diagnosticsOf(t *testing.T, body []byte, uri string) [][]byte {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("not JSON: %s", body)
	}
	params := frame.Member(body, "params")
	if got, _ := frame.String(frame.Member(params, "uri")); got != uri {
		t.Errorf("publish for %q, want %q: %s", got, uri, body)
	}
	return slices.Collect(frame.Elements(frame.Member(params, "diagnostics")))
}

const (
	uriA   = "file:///w/a.go"
	uriB   = "file:///w/b.go"
	gopls1 = `{ "range":{"start":{"line":3,"character":1},"end":{"line":3,"character":4}}, "severity":1, "source":"compiler", "message":"undefined: x <nil> & co" }`
	note1  = `{"range":{"start":{"line":7,"character":0},"end":{"line":7,"character":0}},"severity":3,"source":"lspshare","message":"ann: why? (0 replies)"}`
)

func serverPublish(uri, diags string) []byte {
	return []byte(`{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"` + uri + `","version":4,"diagnostics":` + diags + `}}`)
}

// Without extra diagnostics the server's publish passes byte for byte;
// with them, its elements are copied as they are and the extra ones
// follow; extra diagnostics changing republish the URI; taken away, the
// server's own publish comes again as it was.
func TestMergeDiagnostics(t *testing.T) {
	var out bytes.Buffer
	p := publishedTo(&out)
	pubA := serverPublish(uriA, "[ "+gopls1+" ]")
	p.fromServer(pubA)
	if got := published(t, &out); len(got) != 1 || !bytes.Equal(got[0], pubA) {
		t.Fatalf("publish without notes: %q, want it unchanged", got)
	}

	p.SetExtraDiagnostics(uriA, []json.RawMessage{json.RawMessage(note1)})
	got := published(t, &out)
	if len(got) != 1 {
		t.Fatalf("setting a note published %d messages", len(got))
	}
	if d := diagnosticsOf(t, got[0], uriA); len(d) != 2 || string(d[0]) != gopls1 || string(d[1]) != note1 {
		t.Errorf("merged diagnostics: %q", d)
	}
	if v := frame.Member(frame.Member(got[0], "params"), "version"); string(v) != "4" {
		t.Errorf("version %s, want the server's 4", v)
	}

	// The server publishes again: its new set with the note.
	p.fromServer(serverPublish(uriA, "[]"))
	if d := diagnosticsOf(t, published(t, &out)[0], uriA); len(d) != 1 || string(d[0]) != note1 {
		t.Errorf("server's empty set with a note: %q", d)
	}
	// A note on a URI the server said nothing of; another URI passes as is.
	p.SetExtraDiagnostics(uriB, []json.RawMessage{json.RawMessage(note1)})
	if d := diagnosticsOf(t, published(t, &out)[0], uriB); len(d) != 1 {
		t.Errorf("note alone: %q", d)
	}
	p.SetExtraDiagnostics(uriB, nil)
	if d := diagnosticsOf(t, published(t, &out)[0], uriB); len(d) != 0 {
		t.Errorf("note taken away with no server diagnostics: %q", d)
	}

	p.fromServer(pubA)
	published(t, &out)
	p.SetExtraDiagnostics(uriA, nil)
	if got := published(t, &out); len(got) != 1 || !bytes.Equal(got[0], pubA) {
		t.Errorf("note taken away: %q, want the server's publish as it was", got)
	}
	p.SetExtraDiagnostics(uriA, nil)
	if got := published(t, &out); len(got) != 0 {
		t.Errorf("nothing changed, yet published %q", got)
	}
}

// Whatever the server publishes, the merge never panics, and from a
// publish that is JSON it makes JSON whose diagnostics are the server's
// elements, unchanged, then the extra ones.
func FuzzMergeDiagnostics(f *testing.F) {
	f.Add(serverPublish(uriA, "["+gopls1+"]"), note1)
	f.Add(serverPublish(uriA, "[]"), note1)
	f.Add([]byte(`{"params":{"uri":7,"version":"x","diagnostics":{}}}`), note1)
	f.Add([]byte(`{"params":{"uri":"a\"b","diagnostics":[1, [2,3] ,{"a":[]}]}}`), `{}`)
	f.Fuzz(func(t *testing.T, server []byte, extra string) {
		if !json.Valid([]byte(extra)) {
			return
		}
		got := mergedDiagnostics(uriA, server, []json.RawMessage{json.RawMessage(extra)})
		if !json.Valid(server) {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("merged %s into %s", server, got)
		}
		want := slices.Collect(frame.Elements(frame.Member(frame.Member(server, "params"), "diagnostics")))
		want = append(want, []byte(extra))
		var params struct{ Diagnostics []json.RawMessage }
		if err := json.Unmarshal(frame.Member(got, "params"), &params); err != nil {
			t.Fatal(err)
		}
		if len(params.Diagnostics) != len(want) {
			t.Fatalf("%d diagnostics, want %d: %s", len(params.Diagnostics), len(want), got)
		}
		for i := range want {
			if !bytes.Equal(params.Diagnostics[i], want[i]) {
				t.Errorf("diagnostic %d is %s, want %s", i, params.Diagnostics[i], want[i])
			}
		}
	})
}

// BenchmarkServerDiagnostics: what the merge costs a publish from the
// server, against a notification the proxy does not look into
// (other-notification), for a publish of 20 diagnostics: with no notes
// anywhere, with notes on another URI, and merged with two notes.
func BenchmarkServerDiagnostics(b *testing.B) {
	diags := "[" + strings.TrimSuffix(strings.Repeat(gopls1+",", 20), ",") + "]"
	pub := serverPublish(uriA, diags)
	other := bytes.Replace(pub, []byte(PublishDiagnostics), []byte("$/progress"), 1)
	notes := []json.RawMessage{json.RawMessage(note1), json.RawMessage(note1)}
	for _, bc := range []struct {
		name  string
		body  []byte
		notes string // URI given notes
	}{
		{"other-notification", other, ""},
		{"no-notes", pub, ""},
		{"notes-elsewhere", pub, uriB},
		{"merged", pub, uriA},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := New(Config{}, bytes.NewReader(nil), io.Discard)
			if bc.notes != "" {
				p.SetExtraDiagnostics(bc.notes, notes)
			}
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				p.fromServer(bc.body)
			}
		})
	}
}
