package execstat

import (
	"os"
	"os/exec"
	"syscall"
)

// maxRSS is the child's peak resident set size; Linux reports KiB.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

// killGroup makes cancellation kill the spawner and its child: the
// spawner leads a new process group, which the child inherits.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
