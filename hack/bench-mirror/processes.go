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
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/childproc"
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
	*childproc.Proc
	metricsURL string
	pprofURL   string // "" when the bench takes no profiles
	// started is when the process was started, ready when its /readyz first passed.
	started, ready time.Time
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
	env := childproc.CleanEnv(append([]string{"KUBECONFIG=" + b.kubeconfig}, b.managerEnv...)...)
	proc, err := childproc.Start(name, b.tmp, env, b.manager, args...)
	if err != nil {
		return nil, err
	}
	p := &managerProc{Proc: proc, metricsURL: "http://" + metricsAddr + "/metrics", pprofURL: pprofURL}
	p.started = time.Now()
	// Its informers fill before it is ready: 100,000 CloudImages take a while.
	deadline := time.Now().Add(5 * time.Minute)
	for !loopback.OK("http://" + probeAddr + "/readyz") {
		if p.Exited() {
			return nil, fmt.Errorf("manager exited:\n%s", p.LogTail(logTailLines))
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("manager not ready after 5 minutes:\n%s", p.LogTail(logTailLines))
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.ready = time.Now()
	return p, nil
}

// stop sends SIGTERM to the manager's process group, SIGKILL after 15 s.
func (p *managerProc) stop() { p.Stop(15 * time.Second) }

// memory is the manager's resident set (from /proc) and Go heap in use (from its metrics).
func (p *managerProc) memory() (rssMiB, heapMiB float64) {
	rssMiB, _ = p.RSSMiB()
	m := scrape(p.metricsURL, "go_memstats_heap_inuse_bytes")
	return rssMiB, m[""] / (1 << 20)
}

// cpuSeconds is the manager's CPU time so far (user and system), from its metrics.
func (p *managerProc) cpuSeconds() float64 {
	return scrape(p.metricsURL, "process_cpu_seconds_total")[""]
}

// heapProfile saves the manager's heap profile (live objects as of its last collection) to
// path, when the bench takes profiles.
func (p *managerProc) heapProfile(path string) error { return p.profile(p.pprofURL, path) }

// cpuProfile saves a CPU profile of the manager's next seconds to path, when the bench takes
// profiles.
func (p *managerProc) cpuProfile(path string, seconds int) error {
	return p.profile(strings.TrimSuffix(p.pprofURL, "heap")+fmt.Sprintf("profile?seconds=%d", seconds), path)
}

// profile saves the pprof profile at url to path; no URL, no profile.
func (p *managerProc) profile(url, path string) error {
	if p.pprofURL == "" {
		return nil
	}
	resp, err := http.Get(url)
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

// logTailLines is how much of the manager log an error carries.
const logTailLines = 20

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func numCPU() int { return runtime.NumCPU() }
