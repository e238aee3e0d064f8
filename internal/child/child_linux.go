package child

import (
	"os"
	"os/exec"
	"syscall"
)

// Bind makes the kernel kill cmd's process when its parent dies
// (Pdeathsig), so that no orphan outlives a killed lspshare.
func Bind(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// Terminate asks the process to end (SIGTERM).
func Terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// Kill ends the process at once.
func Kill(p *os.Process) error { return p.Kill() }
