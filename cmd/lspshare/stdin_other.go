//go:build !unix

package main

import "os"

// editorInput returns the process's standard input, from which the editor's
// messages come.
func editorInput() *os.File { return os.Stdin }
