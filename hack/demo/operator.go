package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/childproc"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/loopback"
)

// startSimulator starts the IMS simulator with its built-in catalog on a port the OS picks.
// It accepts only an AK/SK made up for this run, so every request the manager sends is signed.
func (d *demo) startSimulator(ctx context.Context) error {
	d.accessKey = "DEMO" + strings.ToUpper(randomHex(8))
	d.secretKey = randomHex(20)
	urlFile := filepath.Join(d.tmp, "ims-simulator.url")
	p, err := childproc.Start("ims-simulator", d.logDir,
		childproc.CleanEnv("IMS_SIM_AK="+d.accessKey, "IMS_SIM_SK="+d.secretKey), // env, not argv: never in ps
		d.simulatorPath, "--listen=127.0.0.1:0", "--url-file="+urlFile)
	if err != nil {
		return err
	}
	d.procs = append(d.procs, p)
	return waitFor(ctx, p, 30*time.Second, "URL", func() bool {
		b, err := os.ReadFile(urlFile)
		d.simURL = strings.TrimSpace(string(b))
		return err == nil && d.simURL != ""
	})
}

// startManager starts bin/manager against the demo's cluster and the simulator, and waits for
// its readiness probe. Its ports are free when picked; if another process takes one first,
// the manager cannot bind it and exits, and the next attempt picks new ports.
func (d *demo) startManager(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		metricsAddr, err := loopback.FreeAddr()
		if err != nil {
			return err
		}
		probeAddr, err := loopback.FreeAddr()
		if err != nil {
			return err
		}
		p, err := childproc.Start("manager", d.logDir, childproc.CleanEnv("KUBECONFIG="+d.kubeconfig), d.managerPath,
			"--ims-endpoint="+d.simURL,
			"--metrics-bind-address="+metricsAddr,
			"--health-probe-bind-address="+probeAddr,
			"--default-refresh-interval=1m",
		)
		if err != nil {
			return err
		}
		err = waitFor(ctx, p, time.Minute, "readiness", func() bool { return loopback.OK("http://" + probeAddr + "/readyz") })
		if err == nil && !p.Exited() {
			d.procs = append(d.procs, p)
			d.metricsURL = "http://" + metricsAddr + "/metrics"
			d.probeAddr = probeAddr
			return nil
		}
		p.Stop(10 * time.Second)
		if attempt < 3 && strings.Contains(p.LogTail(50), "address already in use") {
			d.info("a port was taken before the manager could bind it; trying others")
			continue
		}
		if err == nil {
			err = fmt.Errorf("manager exited: %v\n%s", p.Err(), p.LogTail(20))
		}
		return err
	}
}

// createCredentials stores the simulator's AK/SK in the Secret the samples name. The keys go
// through a private file that is deleted at once, so the secret key is never printed nor
// passed on a command line.
func (d *demo) createCredentials(ctx context.Context) error {
	envFile := filepath.Join(d.tmp, "ims-credentials.env")
	content := fmt.Sprintf("accessKey=%s\nsecretKey=%s\nprojectID=%s\n", d.accessKey, d.secretKey, imssim.DemoProjectID)
	if err := os.WriteFile(envFile, []byte(content), 0o600); err != nil {
		return err
	}
	defer os.Remove(envFile)
	return d.kubectl(ctx, 0, "create", "secret", "generic", "ims-credentials", "--from-env-file="+envFile)
}

// imsRequestMetrics is the manager's count of IMS requests by outcome (HTTP status code).
func (d *demo) imsRequestMetrics() []string {
	resp, err := http.Get(d.metricsURL)
	if err != nil {
		return []string{err.Error()}
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "ims_operator_ims_requests_total") {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
