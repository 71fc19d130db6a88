// Package childproc runs a child process the way the demo, the mirror benchmark and the chaos
// tests run the manager (and the demo its simulator and kube-controller-manager): in a
// process group of its own, so that a Ctrl-C in the terminal reaches only the parent, which
// then stops its children itself; its output in a log file whose end goes into error messages.
package childproc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imagecatalog/ims-operator/internal/controlplane"
)

// Proc is a started child process.
type Proc struct {
	Name    string
	LogPath string // logDir/<Name>.log: the child's stdout and stderr
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited and been reaped
	err     error         // the exit error, valid after done
}

// Start starts path with args and env, its output going to logDir/<name>.log.
func Start(name, logDir string, env []string, path string, args ...string) (*Proc, error) {
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
	p := &Proc{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the child's process ID (and its process group's).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the child has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is how the child exited; valid once Done is closed.
func (p *Proc) Err() error { return p.err }

// Exited tells whether the child has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the process group, and SIGKILL if it has not exited after grace.
func (p *Proc) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Kill ends the process group as a crash would: SIGKILL, no chance to clean up.
func (p *Proc) Kill() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.done
}

// RSSMiB is the child's resident set in MiB, from /proc (Linux); ok is false once it is gone.
func (p *Proc) RSSMiB() (mib float64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// LogTail is the last lines of the child's log, for error messages.
func (p *Proc) LogTail(lines int) string {
	b, _ := os.ReadFile(p.LogPath)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// CleanEnv is this process's environment for a child, without anything that could point it
// at a real cluster or real cloud credentials, plus extra.
func CleanEnv(extra ...string) []string {
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
