//go:build !linux

package proxy

import (
	"io"
	"os/exec"
)

// serverPipes connects the server's standard input and output to pipes,
// and returns this side's ends and a func to call once the server has
// started (here, nothing to do: exec.Cmd closes the server's ends).
func serverPipes(cmd *exec.Cmd) (stdin io.WriteCloser, stdout io.ReadCloser, started func(), err error) {
	if stdin, err = cmd.StdinPipe(); err != nil {
		return nil, nil, nil, err
	}
	if stdout, err = cmd.StdoutPipe(); err != nil {
		stdin.Close()
		return nil, nil, nil, err
	}
	return stdin, stdout, func() {}, nil
}
