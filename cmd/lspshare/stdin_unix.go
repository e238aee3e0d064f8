//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// editorInput returns the process's standard input, from which the editor's
// messages come, made readable through Go's network poller when it is a pipe
// or a socket of this process's own.
//
// Go reads a blocking standard input in a thread parked in read(2), and each
// message then wakes the runtime's monitor to take that thread's processor
// away and give it back: on the project's VM, half again the relay's CPU per
// round trip, against a relay whose reads all wait in the poller, as the
// language server's pipes do (docs/performance.md, "Relay"). O_NONBLOCK
// belongs to the open file description, which a terminal or a redirection
// shares with other processes or with standard output or error; so it is set
// only on a pipe or socket, and undone if standard output or error turned out
// to share it.
func editorInput() *os.File {
	var st unix.Stat_t
	if err := unix.Fstat(0, &st); err != nil {
		return os.Stdin
	}
	if kind := st.Mode & unix.S_IFMT; kind != unix.S_IFIFO && kind != unix.S_IFSOCK {
		return os.Stdin
	}
	before := [2]int{flags(1), flags(2)}
	if err := unix.SetNonblock(0, true); err != nil {
		return os.Stdin
	}
	if flags(1) != before[0] || flags(2) != before[1] {
		unix.SetNonblock(0, false)
		return os.Stdin
	}
	return os.NewFile(0, "/dev/stdin") // non-blocking: a pollable File
}

// flags is fd's file status flags, or -1.
func flags(fd int) int {
	f, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return -1
	}
	return f
}
