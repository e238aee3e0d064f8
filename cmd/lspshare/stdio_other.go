//go:build !unix

package main

import (
	"io"
	"os"
)

// editorStdio returns the streams of the editor's messages: the process's
// standard input, and stdout.
func editorStdio(stdout io.Writer) (io.Reader, io.Writer) { return os.Stdin, stdout }
