package wire

import (
	"bytes"
	"strings"
	"testing"
)

func TestChunkRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte{0, '{', 0xff, '\n'}, 1000)
	msg, err := Encode(Frame{Type: TypeAnswer, Ref: "h17", Chunk: &Chunk{Size: 9000, Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	if !IsChunk(msg) || len(msg) != 2+3+8+len(data) {
		t.Fatalf("message of %d bytes, IsChunk %v", len(msg), IsChunk(msg))
	}
	f, err := DecodeFrame(msg)
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != TypeAnswer || f.Ref != "h17" || f.Chunk == nil || f.Chunk.Size != 9000 || !bytes.Equal(f.Chunk.Data, data) {
		t.Fatalf("decoded %+v", f)
	}
}

func TestChunkRefused(t *testing.T) {
	good, err := EncodeChunk("a1", Chunk{Size: 3, Data: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("r", maxChunkRef+1)
	for _, c := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"magic only", good[:1], "no ref length"},
		{"empty ref", []byte{chunkMagic, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "ref of 0 bytes"},
		{"short header", good[:6], "too short for a header"},
		{"ref not ASCII", append([]byte{chunkMagic, 2, 'a', 0x80}, good[4:]...), "not printable ASCII"},
		{"ref with a space", append([]byte{chunkMagic, 2, 'a', ' '}, good[4:]...), "not printable ASCII"},
		{"more data than the file", append(bytes.Clone(good), 'd'), "4 bytes of a file of 3"},
		{"size over 2^62", append([]byte{chunkMagic, 1, 'a', 0x80, 0, 0, 0, 0, 0, 0, 0}, 'x'), "of a file of"},
		{"long ref", append([]byte{chunkMagic, byte(len(long))}, long+"\x00\x00\x00\x00\x00\x00\x00\x00"...), "ref of 65 bytes"},
	} {
		_, err := DecodeFrame(c.msg)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "bad chunk: ") {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if _, err := Encode(Frame{Type: TypeNav, Chunk: &Chunk{}}); err == nil {
		t.Error("a nav frame with a chunk encoded")
	}
	if _, err := EncodeChunk("a1", Chunk{Size: 2, Data: []byte("abc")}); err == nil {
		t.Error("a chunk longer than its file encoded")
	}
}

// FuzzDecodeChunk: the header parser never panics, refuses with a clear
// error, and what it accepts encodes back to the same message.
func FuzzDecodeChunk(f *testing.F) {
	for _, c := range []Chunk{{Size: 0}, {Size: 5, Data: []byte("ab")}, {Size: 1 << 40, Data: []byte{0, 1, 2}}} {
		msg, err := EncodeChunk("h1", c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(msg)
	}
	f.Add([]byte{chunkMagic})
	f.Add([]byte{chunkMagic, 255})
	f.Fuzz(func(t *testing.T, msg []byte) {
		if !IsChunk(msg) {
			return
		}
		fr, err := DecodeChunk(msg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bad chunk: ") {
				t.Fatalf("unclear error %q", err)
			}
			return
		}
		back, err := Encode(fr)
		if err != nil {
			t.Fatalf("decoded chunk %+v does not encode: %v", fr, err)
		}
		if !bytes.Equal(back, msg) {
			t.Fatalf("round trip of %x gave %x", msg, back)
		}
	})
}

func TestReadMessage(t *testing.T) {
	chunk, err := EncodeChunk("a1", Chunk{Size: 1 << 20, Data: bytes.Repeat([]byte{7}, 300<<10)})
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range [][]byte{chunk, []byte(`{"type":"nav"}`), {}, {chunkMagic}} {
		got, err := ReadMessage(bytes.NewReader(msg))
		if err != nil || !bytes.Equal(got, msg) {
			t.Errorf("ReadMessage of %d bytes: %d bytes, %v", len(msg), len(got), err)
		}
	}
}
