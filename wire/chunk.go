package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Chunk is a piece of a file, the answer to a file ask. It travels as a
// binary websocket message (see [EncodeChunk]) so that its bytes are never
// base64-encoded, scanned as JSON or copied into a string on the way: the
// hub reads the header, swaps the ref and passes the bytes on.
type Chunk struct {
	Size int64  // the whole file's size
	Data []byte // the bytes asked for
}

// A chunk message is:
//
//	byte 0      chunkMagic
//	byte 1      n, the length of the ref (1..maxChunkRef)
//	bytes 2..   the ref (printable ASCII), then the file's size as 8 bytes,
//	            big-endian, then the data to the end of the message.
//
// JSON frames begin with '{', so the first byte tells the two apart.
const (
	chunkMagic  = 0x01
	maxChunkRef = 64
	sizeBytes   = 8
)

// IsChunk reports whether an encoded message is a chunk (a binary
// websocket message) rather than a JSON frame (a text one).
func IsChunk(msg []byte) bool { return len(msg) > 0 && msg[0] == chunkMagic }

// EncodeChunk makes the binary message of an answer frame that carries a
// chunk: its ref and the chunk.
func EncodeChunk(ref string, c Chunk) ([]byte, error) {
	if err := checkChunkRef(ref); err != nil {
		return nil, err
	}
	if c.Size < int64(len(c.Data)) {
		return nil, fmt.Errorf("encode chunk: %d bytes of a %d-byte file", len(c.Data), c.Size)
	}
	out := make([]byte, 0, 2+len(ref)+sizeBytes+len(c.Data))
	out = append(out, chunkMagic, byte(len(ref)))
	out = append(out, ref...)
	out = binary.BigEndian.AppendUint64(out, uint64(c.Size))
	return append(out, c.Data...), nil
}

// DecodeChunk reads a chunk message into an answer frame (Type, Ref and
// Chunk set). The chunk's data aliases msg. It checks the header only: what
// the size and data may be is the asker's business (files.Fetch).
func DecodeChunk(msg []byte) (Frame, error) {
	if !IsChunk(msg) {
		return Frame{}, errors.New("bad chunk: not a chunk message")
	}
	if len(msg) < 2 {
		return Frame{}, errors.New("bad chunk: no ref length")
	}
	n := int(msg[1])
	if len(msg) < 2+n+sizeBytes {
		return Frame{}, fmt.Errorf("bad chunk: %d bytes, too short for a header with a %d-byte ref", len(msg), n)
	}
	ref := string(msg[2 : 2+n])
	if err := checkChunkRef(ref); err != nil {
		return Frame{}, err
	}
	size := binary.BigEndian.Uint64(msg[2+n:])
	data := msg[2+n+sizeBytes:]
	if size > 1<<62 || size < uint64(len(data)) {
		return Frame{}, fmt.Errorf("bad chunk: %d bytes of a file of %d", len(data), size)
	}
	return Frame{Type: TypeAnswer, Ref: ref, Chunk: &Chunk{Size: int64(size), Data: data}}, nil
}

func checkChunkRef(ref string) error {
	if len(ref) == 0 || len(ref) > maxChunkRef {
		return fmt.Errorf("bad chunk: ref of %d bytes, want 1 to %d", len(ref), maxChunkRef)
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] <= ' ' || ref[i] > '~' {
			return fmt.Errorf("bad chunk: ref %q is not printable ASCII", ref)
		}
	}
	return nil
}

// ReadMessage reads one websocket message from r (a reader of one message,
// such as gorilla's NextReader gives). A chunk is read into a buffer of the
// largest frame at once: io.ReadAll, which grows its buffer from 512 bytes,
// allocated, cleared and copied a chunk of 1 MiB eleven times over, and
// was most of the hub's work in passing one on.
func ReadMessage(r io.Reader) ([]byte, error) {
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		if err == io.EOF {
			return []byte{}, nil // an empty message, for DecodeFrame to refuse
		}
		return nil, err
	}
	if first[0] != chunkMagic {
		rest, err := io.ReadAll(r)
		return append(first[:], rest...), err
	}
	buf := make([]byte, MaxFrameSize)
	buf[0] = chunkMagic
	n, err := io.ReadFull(r, buf[1:])
	switch err {
	case io.EOF, io.ErrUnexpectedEOF, nil:
		return buf[:1+n], nil
	}
	return nil, err
}
