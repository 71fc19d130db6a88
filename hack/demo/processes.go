package main

import (
	"github.com/imagecatalog/ims-operator/internal/controlplane"

	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a child process that runs in a process group of its own, so that a Ctrl-C in the
// terminal reaches only the demo, which then stops its children in order, by process group.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited and been reaped
	err     error         // the exit error, valid after done
}

// startProc starts path with args, its output going to logDir/<name>.log.
func startProc(name, logDir string, env []string, path string, args ...string) (*proc, error) {
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = controlplane.ProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, and SIGKILL if it has not exited after grace.
func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

// logTail is the end of the process's log, for error messages.
func (p *proc) logTail(lines int) string {
	b, _ := os.ReadFile(p.logPath)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

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

// childEnv is the demo's environment for a child, without anything that could point it at a
// real cluster or real cloud credentials, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "HUAWEICLOUD_SDK_") ||
			strings.HasPrefix(kv, "IMS_SIM_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// waitFor polls check every 200ms until it returns true, p exits, ctx ends or timeout passes.
func waitFor(ctx context.Context, p *proc, timeout time.Duration, what string, check func() bool) error {
	deadline := time.Now().Add(timeout)
	for !check() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p.exited() {
			return fmt.Errorf("%s exited before %s: %v\n%s", p.name, what, p.err, p.logTail(20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s after %s\n%s", p.name, what, timeout, p.logTail(20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
