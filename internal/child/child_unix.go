//go:build unix && !linux

package child

import (
	"os"
	"os/exec"
	"syscall"
)

// Start starts cmd's process in a process group of its own, so that
// Terminate and Kill also reach what it started (gopls runs go list, for
// one). These systems have no Pdeathsig: a child outlives a parent killed
// with SIGKILL, but a language server exits anyway when its input closes
// with its parent.
func Start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}

// Terminate asks the process's group to end (SIGTERM).
func Terminate(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGTERM) }

// Kill ends the process's group at once.
func Kill(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
