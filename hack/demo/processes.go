package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/childproc"
)

// childPIDs lists the demo's direct children by command name, from /proc. envtest starts
// etcd and kube-apiserver itself, so this is how their process IDs are found.
func childPIDs() map[string]int {
	self := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	pids := map[string]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces, so split at the last ')'.
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == self {
			pids[s[open+1:closing]] = pid
		}
	}
	return pids
}

// waitFor polls check every 200ms until it returns true, p exits, ctx ends or timeout passes.
func waitFor(ctx context.Context, p *childproc.Proc, timeout time.Duration, what string, check func() bool) error {
	deadline := time.Now().Add(timeout)
	for !check() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p.Exited() {
			return fmt.Errorf("%s exited before %s: %v\n%s", p.Name, what, p.Err(), p.LogTail(20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s after %s\n%s", p.Name, what, timeout, p.LogTail(20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
