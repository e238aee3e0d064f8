package child

import (
	"os"
	"os/exec"
	"syscall"
)

// Start starts cmd with the kernel told to kill its process when its
// parent dies (Pdeathsig), so that no orphan outlives a killed lspshare.
func Start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd.Start()
}

// Terminate asks the process to end (SIGTERM).
func Terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// Kill ends the process at once.
func Kill(p *os.Process) error { return p.Kill() }
