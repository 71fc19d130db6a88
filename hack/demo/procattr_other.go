//go:build !linux

package main

import "syscall"

// procAttr puts a child in its own process group, so it is stopped with its own children.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
