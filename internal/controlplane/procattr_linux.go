package controlplane

import "syscall"

// ProcAttr puts a child in its own process group (so it is stopped with its own children) and
// has the kernel stop it if its parent dies without cleaning up (SIGKILL, a test binary
// killed by -timeout).
func ProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
