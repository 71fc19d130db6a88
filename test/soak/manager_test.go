package soak

import (
	"fmt"
	"sync"
	"time"

	"github.com/imagecatalog/ims-operator/internal/childproc"
)

// manager runs the manager binary, one run after another: the soak kills it with SIGKILL
// and starts it again; an exit the soak did not cause is a violation.
type manager struct {
	logDir string
	onExit func(run int, tail string) // an exit the soak did not cause

	mu      sync.Mutex
	proc    *childproc.Proc
	started time.Time
	runs    int
	killed  bool // the current run's end is the soak's doing
	logs    []string
}

func (m *manager) start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs++
	p, err := cluster.StartManager(m.logDir, fmt.Sprintf("manager-%d", m.runs),
		[]string{"HUAWEICLOUD_SDK_IAM_ENDPOINT=" + simURL},
		"--ims-endpoint="+simURL, "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--default-refresh-interval=1m",
		"--workload-identity-idp-id="+idpID, "--workload-identity-audience="+audience,
		"--zap-log-level=debug")
	if err != nil {
		return err
	}
	m.proc, m.started, m.killed = p, time.Now(), false
	m.logs = append(m.logs, p.LogPath)
	go m.watch(p, m.runs)
	return nil
}

// watch reports an exit of run that the soak did not cause.
func (m *manager) watch(p *childproc.Proc, run int) {
	<-p.Done()
	m.mu.Lock()
	unexpected := m.proc == p && !m.killed
	m.mu.Unlock()
	if unexpected {
		m.onExit(run, p.LogTail(30))
	}
}

// kill ends the current run with SIGKILL.
func (m *manager) kill() {
	m.mu.Lock()
	p := m.proc
	m.killed = true
	m.mu.Unlock()
	if p != nil {
		p.Kill()
	}
}

// current is the run that is up and since when; nil if none.
func (m *manager) current() (*childproc.Proc, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc == nil || m.proc.Exited() {
		return nil, time.Time{}
	}
	return m.proc, m.started
}

// logPaths are every run's logs.
func (m *manager) logPaths() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.logs...)
}
