package registrytest

import "syscall"

// sysProcAttr makes the kernel kill a registry process if the test binary
// dies without running its cleanups (e.g. a panic or a -timeout abort).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
