package frame

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadResynchronises(t *testing.T) {
	in := "Content-Length: 2\r\n\r\n{}" + // a message
		"\r\n" + // a stray blank line
		"X-Other: 1\r\n\r\n" + // a header block without Content-Length
		"content-length:3\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1]" +
		"Content-Length: 3\r\n\r\n{\"a\"" + // short by one: its last byte precedes the next header
		"Content-Length: 9\r\n\r\n" + strings.Repeat("x", 9) + // over the limit of 8
		"Content-Length: 4\r\n\r\nnull"
	r := NewReader(strings.NewReader(in), 8)
	var got []string
	for {
		body, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrNoLength) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unrecoverable error %v after %q", err, got)
			}
			got = append(got, "error")
			continue
		}
		got = append(got, string(body))
	}
	want := []string{"{}", "error", "[1]", `{"a`, "error", "null"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestReadUnrecoverable(t *testing.T) {
	for _, in := range []string{
		"Content-Length: 10\r\n\r\n{}",  // the body ends early
		"Content-Length: 10\r\n",        // the header ends early
		"Content-Length: 1000000000000", // a huge length and nothing else
	} {
		_, err := NewReader(strings.NewReader(in), 0).Read()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("Read(%q) = %v, want unexpected EOF", in, err)
		}
	}
}

func TestWriterFraming(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Write([]byte(`{"x":"é"}`))
	if want := "Content-Length: 10\r\n\r\n{\"x\":\"é\"}"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}

// FuzzReader checks that no input makes Read panic, return a body over the
// limit, or stop consuming its input.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"Content-Length: 2\r\n\r\n{}",
		"Content-Length: 2\r\nContent-Type: x\r\n\r\n{}Content-Length: 0\r\n\r\n",
		"content-length:  3 \n\n[1]",
		"Content-Length: 99999999999999999999\r\n\r\n",
		"Content-Length: -1\r\n\r\n{}",
		"\r\n\r\nContent-Length: 5\r\n\r\n{}",
		"garbage Content-Length: 1\r\n\r\nx",
		strings.Repeat("a", 5000) + "\r\nContent-Length: 1\r\n\r\nx",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 64
		r := NewReader(bytes.NewReader(data), limit)
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more reads than bytes: the reader does not advance")
			}
			body, err := r.Read()
			if errors.Is(err, ErrNoLength) || errors.Is(err, ErrTooLarge) {
				continue
			}
			if err != nil {
				return
			}
			if len(body) > limit {
				t.Fatalf("body of %d bytes over the limit of %d", len(body), limit)
			}
		}
	})
}

// FuzzWriteRead checks that whatever a Writer writes, a Reader reads back.
func FuzzWriteRead(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`), []byte("Content-Length: 3\r\n\r\n"))
	f.Add([]byte(""), []byte("\r\n\r\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.Write(a)
		w.Write(b)
		r := NewReader(&buf, 0)
		for _, want := range [][]byte{a, b} {
			got, err := r.Read()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("read %q, %v; want %q", got, err, want)
			}
		}
	})
}
