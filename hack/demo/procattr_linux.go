package main

import "syscall"

// procAttr puts a child in its own process group (so it is stopped with its own children) and
// has the kernel stop it if the demo itself dies without cleaning up (e.g. SIGKILL).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
