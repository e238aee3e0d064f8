package relayio_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/lspshare/lspshare/internal/relayio"
)

// pipe returns both ends of a new pipe (non-blocking, as os.Pipe makes
// them), wrapped.
func pipe(t *testing.T) (r, w io.ReadWriteCloser) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r, w = relayio.Wrap(pr), relayio.Wrap(pw)
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// TestWrapOnlyNonBlocking: on Linux a pipe's non-blocking end is wrapped
// and a regular file, which the poller cannot wait on, is left as it is.
func TestWrapOnlyNonBlocking(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := relayio.Wrap(f); got != io.ReadWriteCloser(f) {
		t.Errorf("Wrap(regular file) = %T, want the file itself", got)
	}
	r, _ := pipe(t)
	if _, isFile := r.(*os.File); isFile == (runtime.GOOS == "linux") {
		t.Errorf("Wrap(pipe) on %s = %T", runtime.GOOS, r)
	}
}

// TestMoreThanAPipeHolds: a write larger than the pipe's buffer waits for
// room and a read waits for data, and every byte arrives in order, then EOF.
func TestMoreThanAPipeHolds(t *testing.T) {
	r, w := pipe(t)
	want := make([]byte, 4<<20) // the pipe holds 64 KiB
	for i := range want {
		want[i] = byte(i * 7)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := w.Write(want)
		w.Close()
		wrote <- err
	}()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
	}
}

// TestCloseEndsRead: closing the reader ends a read waiting for data, as
// the proxy's shutdown needs.
func TestCloseEndsRead(t *testing.T) {
	r, _ := pipe(t)
	read := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		read <- err
	}()
	r.Close()
	if err := <-read; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("read after close: %v, want os.ErrClosed", err)
	}
}

// TestWriteToClosedReader: a write with no reader left fails (EPIPE) and
// does not block.
func TestWriteToClosedReader(t *testing.T) {
	r, w := pipe(t)
	r.Close()
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("write to a pipe without a reader succeeded")
	}
}
