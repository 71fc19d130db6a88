package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Outage is a kube-apiserver taken down as a crash would take it (SIGKILL) and brought back
// with its very command line: the same port, certificates and etcd, so that every client
// configured before the outage reconnects by itself. envtest cannot do this: restarting its
// APIServer allocates new certificates.
type Outage struct {
	argv      []string
	port      string
	restarted *exec.Cmd
	exited    chan struct{} // closed once the restarted kube-apiserver has exited and been reaped
}

// StopAPIServer kills the kube-apiserver that this process started (through envtest).
// Linux only: it finds the process in /proc.
func StopAPIServer() (*Outage, error) {
	pid, err := childNamed("kube-apiserver")
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return nil, err
	}
	argv := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	o := &Outage{argv: argv}
	for _, a := range argv {
		if p, ok := strings.CutPrefix(a, "--secure-port="); ok {
			o.port = p
		}
	}
	if o.port == "" {
		return nil, errors.New("kube-apiserver has no --secure-port")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return nil, err
	}
	// Down means down: wait until the port refuses connections.
	for range 100 {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+o.port, 100*time.Millisecond)
		if err != nil {
			return o, nil
		}
		_ = c.Close()
		time.Sleep(100 * time.Millisecond)
	}
	return nil, errors.New("kube-apiserver still answers after SIGKILL")
}

// Restart starts kube-apiserver again and waits until it accepts connections.
func (o *Outage) Restart() error {
	cmd := exec.Command(o.argv[0], o.argv[1:]...)
	cmd.SysProcAttr = ProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	o.restarted, o.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait() // reap it, so that a later StopAPIServer finds the live one, not a zombie
		close(o.exited)
	}()
	for range 300 {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+o.port, 100*time.Millisecond); err == nil {
			return c.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("kube-apiserver did not come back within 30s")
}

// Stop ends the restarted kube-apiserver; call it before stopping the environment (etcd).
func (o *Outage) Stop() {
	if o.restarted != nil {
		_ = o.restarted.Process.Signal(syscall.SIGTERM)
		<-o.exited
	}
}

// PauseEtcd stops the etcd that this process started (through envtest) with SIGSTOP for d, as
// a stalled disk or a long GC pause would, and resumes it. Linux only.
func PauseEtcd(d time.Duration) error {
	pid, err := childNamed("etcd")
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return err
	}
	time.Sleep(d)
	return syscall.Kill(pid, syscall.SIGCONT)
}

// childNamed finds the one live child process of this process whose command is name (a
// zombie, killed but not yet reaped, does not count).
func childNamed(name string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("finding %s: %w", name, err)
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // not a process, or gone
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses, so cut at the last ')'.
		end := bytes.LastIndexByte(stat, ')')
		start := bytes.IndexByte(stat, '(')
		if start < 0 || end < start {
			continue
		}
		fields := strings.Fields(string(stat[end+1:]))
		if string(stat[start+1:end]) == name && len(fields) > 1 && fields[0] != "Z" && fields[1] == self {
			return strconv.Atoi(e.Name())
		}
	}
	return 0, fmt.Errorf("no child process %s", name)
}
