//go:build unix

package main

import (
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/lspshare/lspshare/internal/relayio"
)

// editorStdio returns the streams of the editor's messages: the process's
// standard input, and stdout, its standard output or what a test gave.
// Each of the process's own is made non-blocking, so that it is read or
// written through Go's network poller, when it is a pipe or a socket of
// its own.
//
// Go reads a blocking standard input in a thread parked in read(2), and each
// message then wakes the runtime's monitor to take that thread's processor
// away and give it back: on the project's VM, half again the relay's CPU per
// round trip, against a relay whose reads all wait in the poller, as the
// language server's pipes do (docs/performance.md, "Relay"). O_NONBLOCK
// belongs to the open file description, which a terminal or a redirection
// shares with other processes or with the other standard streams; so it is
// set only on a pipe or socket, and undone if another standard stream turned
// out to share it.
func editorStdio(stdout io.Writer) (io.Reader, io.Writer) {
	in := relayio.Wrap(nonBlocking(0, os.Stdin))
	if stdout != io.Writer(os.Stdout) {
		return in, stdout
	}
	return in, relayio.Wrap(nonBlocking(1, os.Stdout))
}

// nonBlocking returns standard stream fd, whose File is f, as a new File in
// non-blocking mode, or f if that cannot be done alone (see editorStdio).
func nonBlocking(fd int, f *os.File) *os.File {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return f
	}
	if kind := st.Mode & unix.S_IFMT; kind != unix.S_IFIFO && kind != unix.S_IFSOCK {
		return f
	}
	others := [2]int{(fd + 1) % 3, (fd + 2) % 3}
	before := [2]int{flags(others[0]), flags(others[1])}
	if err := unix.SetNonblock(fd, true); err != nil {
		return f
	}
	if flags(others[0]) != before[0] || flags(others[1]) != before[1] {
		unix.SetNonblock(fd, false)
		return f
	}
	return os.NewFile(uintptr(fd), f.Name()) // non-blocking: a pollable File
}

// flags is fd's file status flags, or -1.
func flags(fd int) int {
	f, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return -1
	}
	return f
}
