// Package frame reads and writes the LSP base protocol: messages framed by a
// Content-Length header, carried as raw bytes so that a relay forwards exactly
// what it received.
//
// go.lsp.dev/jsonrpc2 v0.10.0's Stream is not used for relaying because it
// decodes each message into its own types and re-encodes it on write (field
// order, number forms and unknown fields are not preserved), limits numeric ids
// to int32, and allocates whatever a Content-Length header claims before
// reading a byte of the body.
package frame

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// DefaultMaxSize is the largest body a Reader accepts unless told otherwise.
// gopls's biggest messages (didOpen of generated files, workspace symbol
// lists) stay well below it.
const DefaultMaxSize = 64 << 20

// maxHeaderLine bounds one header line, so a stream without newlines cannot
// grow a line without limit.
const maxHeaderLine = 4 << 10

const contentLength = "content-length:"

// ErrTooLarge reports a message whose Content-Length exceeds the reader's
// limit. Its body has been skipped; the stream is still in step.
var ErrTooLarge = errors.New("message too large")

// ErrNoLength reports a header block without a valid Content-Length. The
// reader skipped it and is ready for the next message.
var ErrNoLength = errors.New("missing or invalid Content-Length header")

// Reader reads framed messages from a stream.
type Reader struct {
	in  *bufio.Reader
	max int
}

// NewReader returns a Reader of r that refuses bodies over max bytes
// (DefaultMaxSize if max <= 0).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxSize
	}
	return &Reader{in: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Read returns the body of the next message. Errors wrapping ErrTooLarge and
// ErrNoLength are recoverable: the caller may log them and read on. Any other
// error (io.EOF at a message boundary, io.ErrUnexpectedEOF in a body) ends the
// stream.
func (r *Reader) Read() ([]byte, error) {
	length, err := r.readHeader()
	if err != nil {
		return nil, err
	}
	if length > int64(r.max) {
		if _, err := io.CopyN(io.Discard, r.in, length); err != nil {
			return nil, fmt.Errorf("skip body of %d bytes: %w", length, noEOF(err))
		}
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, length, r.max)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r.in, body); err != nil {
		return nil, fmt.Errorf("read body of %d bytes: %w", length, noEOF(err))
	}
	return body, nil
}

// readHeader reads one header block and returns its Content-Length.
//
// To resynchronise after a body whose Content-Length lied, a
// "Content-Length:" found anywhere in a line counts, so the header of the next
// message is found even when the remains of a body precede it on its line.
func (r *Reader) readHeader() (int64, error) {
	length := int64(-1)
	sawLine := false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && sawLine {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if len(line) == 0 {
			if !sawLine {
				continue // stray blank lines between messages
			}
			if length < 0 {
				return 0, ErrNoLength
			}
			return length, nil
		}
		sawLine = true
		if i := indexFold(line, contentLength); i >= 0 {
			v := bytes.TrimSpace(line[i+len(contentLength):])
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || n < 0 {
				length = -1
				continue
			}
			length = n
		}
	}
}

// readLine reads a line without its line ending. Overlong lines are cut at
// maxHeaderLine and the rest of the line is dropped. The line may alias the
// reader's buffer: it is valid until the next read.
func (r *Reader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.in.ReadSlice('\n')
		if err == nil && line == nil { // the whole line was buffered: no copy
			return bytes.TrimRight(chunk[:min(len(chunk), maxHeaderLine)], "\r\n"), nil
		}
		if len(line) < maxHeaderLine {
			line = append(line, chunk[:min(len(chunk), maxHeaderLine-len(line))]...)
		}
		switch {
		case err == nil:
			return bytes.TrimRight(line, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(line) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

func indexFold(s []byte, lowerSep string) int {
	n := len(lowerSep)
	for i := 0; i+n <= len(s); i++ {
		if bytes.EqualFold(s[i:i+n], []byte(lowerSep)) {
			return i
		}
	}
	return -1
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Writer writes framed messages. It is safe for concurrent use: each message
// goes out whole.
type Writer struct {
	mu  sync.Mutex // held for a whole message; guards out and buf
	out io.Writer
	buf []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: w}
}

// Write sends body as one message.
func (w *Writer) Write(body []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf[:0], "Content-Length: "...)
	w.buf = strconv.AppendInt(w.buf, int64(len(body)), 10)
	w.buf = append(w.buf, "\r\n\r\n"...)
	w.buf = append(w.buf, body...)
	_, err := w.out.Write(w.buf)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // do not keep a huge buffer for the rest of the session
	}
	return err
}
