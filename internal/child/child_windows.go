package child

import (
	"os"
	"os/exec"
)

// Bind does nothing yet: Windows does not end a child with its parent. The
// next step is a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
// (golang.org/x/sys/windows), which ends the child when lspshare's handle
// to the job closes, however lspshare ends. Meanwhile a language server
// exits when its input closes with its parent.
func Bind(*exec.Cmd) {}

// Terminate ends the process: Windows has no signal that asks it to.
func Terminate(p *os.Process) error { return p.Kill() }

// Kill ends the process at once.
func Kill(p *os.Process) error { return p.Kill() }
