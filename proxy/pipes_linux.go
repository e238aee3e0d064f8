//go:build linux

package proxy

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// serverPipes connects the server's standard input and output to pipes in
// blocking mode, and returns this side's ends and a func to call once the
// server has started (or failed to), which closes the server's ends here.
//
// cmd.StdinPipe and StdoutPipe make non-blocking pipes read through Go's
// network poller: an answer from the server then wakes the poller, which
// wakes the reading goroutine, on another thread. A blocking read wakes the
// thread that waits in it, as a C relay such as socat does, and on a VM
// every wake-up saved is tens of µs per round trip (docs/performance.md).
// The reader ends at the server's exit, when the last write end closes.
func serverPipes(cmd *exec.Cmd) (stdin io.WriteCloser, stdout io.ReadCloser, started func(), err error) {
	var in, out [2]int
	if err := syscall.Pipe2(in[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, nil, fmt.Errorf("pipe: %w", err)
	}
	if err := syscall.Pipe2(out[:], syscall.O_CLOEXEC); err != nil {
		syscall.Close(in[0])
		syscall.Close(in[1])
		return nil, nil, nil, fmt.Errorf("pipe: %w", err)
	}
	serverIn, serverOut := os.NewFile(uintptr(in[0]), "server stdin"), os.NewFile(uintptr(out[1]), "server stdout")
	cmd.Stdin, cmd.Stdout = serverIn, serverOut
	started = func() {
		serverIn.Close()
		serverOut.Close()
	}
	return os.NewFile(uintptr(in[1]), "to server"), os.NewFile(uintptr(out[0]), "from server"), started, nil
}
