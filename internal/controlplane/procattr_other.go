//go:build !linux

package controlplane

import "syscall"

// ProcAttr puts a child in its own process group, so it is stopped with its own children.
func ProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
