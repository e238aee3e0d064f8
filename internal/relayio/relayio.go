// Package relayio reads and writes the relay's pipes and sockets (the
// editor's standard input and output, the language server's) so that a
// message crossing the relay wakes no thread but the one that carries it.
//
// An os.File makes each read and write a system call through the Go
// scheduler's entersyscall, which wakes the runtime's monitor thread (sysmon)
// whenever every processor had been idle: on a relay that idles between
// requests, once per message, on the message's path, and then the monitor
// polls every 20 µs for a millisecond on the other core. On a non-blocking
// descriptor a read or write never blocks, so on Linux this package makes
// them raw system calls instead and waits in Go's network poller, as os.File
// does, when there is nothing to read or no room to write
// (docs/performance.md, "Relay").
package relayio

import (
	"io"
	"os"
)

// Wrap returns f to read and write as the package describes, where the
// system allows it and f is non-blocking; otherwise f itself. Closing the
// result closes f.
func Wrap(f *os.File) io.ReadWriteCloser {
	if rw, ok := wrap(f); ok {
		return rw
	}
	return f
}
