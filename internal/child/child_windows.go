package child

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// job is the job object every process Start starts is assigned to, made
// once, with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE. Its handle is kept for
// the life of this process and never closed by it: Windows closes it when
// this process ends, however it ends (exit, crash, TerminateProcess from
// the editor or Task Manager), and the last handle's closing ends every
// process still in the job. What a child starts is in the job too (gopls's
// go list), unless it breaks away, which the job does not allow.
var job = sync.OnceValues(newJob)

func newJob() (windows.Handle, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("CreateJobObject: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	if _, err := windows.SetInformationJobObject(h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(h)
		return 0, fmt.Errorf("SetInformationJobObject: %w", err)
	}
	return h, nil
}

// Start starts cmd and assigns its process to the job, so that it ends
// with this process. The child runs between CreateProcess and the
// assignment, and what it started in that moment would be outside the
// job; a language server starts nothing before it has read its first
// message, which the proxy writes only after Start returns. A process that
// cannot be assigned (the job cannot be made, or Windows before 8 does not
// nest jobs) runs unbound, as a language server may: it exits when its
// input closes with this process.
func Start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	if j, err := job(); err == nil {
		_ = assign(j, cmd.Process.Pid) // unbound if not (see above)
	}
	return nil
}

// assign puts the process pid into job j. The pid names the process that
// Start started: the os.Process holds a handle to it until Wait, and
// Windows does not reuse the id of a process while a handle to it is open.
func assign(j windows.Handle, pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("OpenProcess: %w", err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(j, h); err != nil {
		return fmt.Errorf("AssignProcessToJobObject: %w", err)
	}
	return nil
}

// Terminate ends the process: Windows has no signal that asks it to.
func Terminate(p *os.Process) error { return p.Kill() }

// Kill ends the process at once.
func Kill(p *os.Process) error { return p.Kill() }
