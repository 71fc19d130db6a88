package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imagecatalog/ims-operator/internal/controlplane"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/loopback"
)

// simulator is the IMS simulator in this process, on loopback, accepting one made-up AK/SK.
type simulator struct {
	*imssim.Simulator
	server   *httptest.Server
	ak, sk   string
	endpoint string
}

func startSimulator() *simulator {
	ak, sk := "BENCH"+strings.ToUpper(randomHex(8)), randomHex(20)
	s := imssim.New(imssim.Options{Catalog: []imssim.Image{}, Credentials: map[string]string{ak: sk}})
	srv := httptest.NewServer(s)
	return &simulator{Simulator: s, server: srv, ak: ak, sk: sk, endpoint: srv.URL}
}

func (s *simulator) close() { s.server.Close() }

// managerProc is the real manager binary, started for one figure and stopped after it.
type managerProc struct {
	cmd        *exec.Cmd
	metricsURL string
	pprofURL   string // "" when the bench takes no profiles
	logPath    string
	done       chan struct{}
}

// startManager runs the manager against the bench's cluster and simulator and waits until it
// is ready.
func (b *bench) startManager(name string) (*managerProc, error) {
	metricsAddr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	probeAddr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(b.tmp, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--ims-endpoint=" + b.sim.endpoint,
		"--metrics-bind-address=" + metricsAddr,
		"--health-probe-bind-address=" + probeAddr,
	}, b.extraArgs...)
	pprofURL := ""
	if b.profileDir != "" {
		pprofAddr, err := loopback.FreeAddr()
		if err != nil {
			return nil, err
		}
		args = append(args, "--pprof-bind-address="+pprofAddr)
		pprofURL = "http://" + pprofAddr + "/debug/pprof/heap"
	}
	cmd := exec.Command(b.manager, args...)
	cmd.Env = append(cleanEnv(), "KUBECONFIG="+b.kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = controlplane.ProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &managerProc{cmd: cmd, metricsURL: "http://" + metricsAddr + "/metrics", pprofURL: pprofURL, logPath: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logFile.Close(); close(p.done) }()
	deadline := time.Now().Add(time.Minute)
	for !loopback.OK("http://" + probeAddr + "/readyz") {
		select {
		case <-p.done:
			return nil, fmt.Errorf("manager exited:\n%s", logTail(logPath))
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("manager not ready after a minute:\n%s", logTail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p, nil
}

// stop sends SIGTERM to the manager's process group, SIGKILL after 15 s.
func (p *managerProc) stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// memory is the manager's resident set (from /proc) and Go heap in use (from its metrics).
func (p *managerProc) memory() (rssMiB, heapMiB float64) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				rssMiB = kb / 1024
			}
		}
	}
	m := scrape(p.metricsURL, "go_memstats_heap_inuse_bytes")
	return rssMiB, m[""] / (1 << 20)
}

// heapProfile saves the manager's heap profile (live objects as of its last collection) to
// path, when the bench takes profiles.
func (p *managerProc) heapProfile(path string) error {
	if p.pprofURL == "" {
		return nil
	}
	resp, err := http.Get(p.pprofURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// scrape sums the samples of one metric on a Prometheus text endpoint, by the value of the
// label named in the metric's first label pair ("" when there is none).
func scrape(url, metric string) map[string]float64 {
	out := map[string]float64{}
	resp, err := http.Get(url)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		out[labelsOf(line[:sp])] += v
	}
	return out
}

// labelsOf is the label set of a sample line, "" for none.
func labelsOf(series string) string {
	i := strings.IndexByte(series, '{')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(series[i+1:], "}")
}

// cleanEnv is this process's environment without anything that could point the manager at a
// real cluster or real cloud credentials.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KUBECONFIG=") && !strings.HasPrefix(kv, "HUAWEICLOUD_SDK_") {
			env = append(env, kv)
		}
	}
	return env
}

// logTailLines is how much of the manager log an error carries.
const logTailLines = 20

func logTail(path string) string {
	b, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > logTailLines {
		all = all[len(all)-logTailLines:]
	}
	return strings.Join(all, "\n")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func numCPU() int { return runtime.NumCPU() }
