// Command demo runs the whole operator on this machine, with no cluster and no cloud account:
// etcd, kube-apiserver and kube-controller-manager on loopback, the IMS simulator, and the
// manager pointed at it; it applies config/samples, waits until every ImageQuery is Ready and
// prints what the operator made. Then it keeps running until Ctrl-C (or SIGTERM), and stops
// everything it started, by process group, and removes its temporary folder.
//
// `make demo` builds the binaries and runs it from the repository root. With DEMO_ONCE=1 it
// exits right after printing, with a non-zero status if anything failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagecatalog/ims-operator/internal/childproc"
)

type demo struct {
	out io.Writer

	// Inputs, relative to the repository root (the demo's working directory) or absolute.
	k8sDir, kubectlPath, managerPath, simulatorPath string
	readyTimeout                                    time.Duration

	tmp, logDir, kubeconfig string
	env                     *envtest.Environment
	envPIDs                 map[string]int    // etcd and kube-apiserver, started by envtest
	procs                   []*childproc.Proc // started by the demo itself, stopped in reverse order
	closers                 []io.Closer

	accessKey, secretKey string // the simulator's, made up for this run
	simURL               string
	metricsURL           string
	probeAddr            string
}

func main() {
	root := flag.String("root", ".", "the repository root: config/ is read from there, and the other paths are relative to it")
	k8sDir := flag.String("k8s", "bin/k8s", "folder with etcd, kube-apiserver, kube-controller-manager and kubectl")
	manager := flag.String("manager", "bin/manager", "the manager binary")
	simulator := flag.String("simulator", "bin/ims-simulator", "the IMS simulator binary")
	readyTimeout := flag.Duration("ready-timeout", 3*time.Minute, "how long to wait for every sample ImageQuery to be Ready")
	flag.Parse()

	d := &demo{
		out:           os.Stdout,
		k8sDir:        *k8sDir,
		kubectlPath:   filepath.Join(*k8sDir, "kubectl"),
		managerPath:   *manager,
		simulatorPath: *simulator,
		readyTimeout:  *readyTimeout,
	}
	once := os.Getenv("DEMO_ONCE") != "" && os.Getenv("DEMO_ONCE") != "0"
	os.Exit(d.run(*root, once))
}

func (d *demo) run(root string, once bool) int {
	// SIGINT, SIGTERM, SIGHUP (a closed terminal) and SIGQUIT all clean up. Signals stay
	// caught until the very end, so a second Ctrl-C cannot cut the cleanup short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer stop()
	if err := os.Chdir(root); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	for _, bin := range []string{filepath.Join(d.k8sDir, "kube-apiserver"), d.kubectlPath, d.managerPath, d.simulatorPath} {
		if _, err := os.Stat(bin); err != nil {
			fmt.Fprintf(os.Stderr, "demo: %v: run `make demo`, which builds it\n", err)
			return 1
		}
	}
	tmp, err := os.MkdirTemp("", "ims-demo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	d.tmp, d.logDir, d.kubeconfig = tmp, filepath.Join(tmp, "logs"), filepath.Join(tmp, "kubeconfig")
	defer d.cleanup()
	// envtest and the children put their own temporary files in the demo's folder too.
	os.Setenv("TMPDIR", tmp)

	if err := d.start(ctx); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(d.out, "\n==> Interrupted")
		} else {
			fmt.Fprintf(os.Stderr, "\ndemo failed: %v\n", err)
		}
		return 1
	}
	if once {
		return 0
	}
	fmt.Fprintln(d.out, "\nThe operator keeps syncing (each query on its refreshInterval, 1m unless it sets one: watch LAST SYNC). Press Ctrl-C to stop everything and clean up.")
	return d.waitForSignal(ctx)
}

// start brings everything up, applies the samples and prints the result.
func (d *demo) start(ctx context.Context) error {
	if err := os.MkdirAll(d.logDir, 0o755); err != nil {
		return err
	}
	begin := time.Now()
	d.section("Control plane: etcd, kube-apiserver, kube-controller-manager on loopback")
	if err := d.startControlPlane(); err != nil {
		return err
	}
	if err := d.startControllerManager(); err != nil {
		return err
	}
	d.info("temp folder: %s", d.tmp)
	d.info("kubeconfig:  %s", d.kubeconfig)

	d.section("IMS simulator (built-in catalog) and the manager")
	if err := d.startSimulator(ctx); err != nil {
		return err
	}
	d.info("simulator:   %s (accepts AK %s; its secret key was generated for this run)", d.simURL, d.accessKey)
	if err := d.startManager(ctx); err != nil {
		return err
	}
	d.info("manager:     --ims-endpoint=%s --default-refresh-interval=1m", d.simURL)
	d.info("metrics:     %s   probes: http://%s/readyz", d.metricsURL, d.probeAddr)
	d.info("logs:        %s/{etcd,kube-apiserver,kube-controller-manager,ims-simulator,manager}.log", d.logDir)
	d.info("processes:   %s", d.pidList())
	d.info("up in %s", time.Since(begin).Round(100*time.Millisecond))

	d.section("Credentials Secret and the sample ImageQueries")
	fmt.Fprintf(d.out, "$ export KUBECONFIG=%s\n", d.kubeconfig)
	if err := d.createCredentials(ctx); err != nil {
		return err
	}
	if err := d.kubectl(ctx, 0, "apply", "-k", "config/samples"); err != nil {
		return err
	}
	waitStart := time.Now()
	timeout := fmt.Sprintf("--timeout=%ds", int(d.readyTimeout.Seconds()))
	if err := d.kubectl(ctx, 0, "wait", "--for=condition=Ready", "imagequery", "--all", timeout); err != nil {
		if ctx.Err() == nil {
			_ = d.kubectl(ctx, 0, "get", "imagequeries", "-o", "wide")
			fmt.Fprintf(d.out, "manager log (end):\n%s\n", d.procs[len(d.procs)-1].LogTail(20))
		}
		return err
	}
	d.info("every ImageQuery Ready %s after apply", time.Since(waitStart).Round(100*time.Millisecond))

	if err := d.show(ctx); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "$ curl -s %s | grep ^ims_operator_ims_requests_total\n", d.metricsURL)
	for _, l := range d.imsRequestMetrics() {
		fmt.Fprintln(d.out, l)
	}
	for _, p := range d.procs {
		if p.Exited() {
			return fmt.Errorf("%s exited: %v\n%s", p.Name, p.Err(), p.LogTail(20))
		}
	}

	d.section(fmt.Sprintf("Ready in %s. Explore further from the repository root while the demo runs:", time.Since(begin).Round(time.Second)))
	fmt.Fprintf(d.out, "KUBECONFIG=%s %s get imagecatalog\n", d.kubeconfig, d.kubectlPath)
	d.info("with KUBECONFIG exported: %s get iq ubuntu-x86 -o yaml", d.kubectlPath)
	d.info("                          %s get cimg -l query.ims.imagecatalog.io/private-images=true", d.kubectlPath)
	d.info("                          %s annotate iq public-images ims.imagecatalog.io/requested-at=\"$(date +%%s)\" --overwrite", d.kubectlPath)
	d.info("                          %s apply -k config/samples/policy   # only Pods naming an image of allowedImageIDs", d.kubectlPath)
	return nil
}

// waitForSignal blocks until Ctrl-C/SIGTERM (status 0) or until a child dies (status 1).
func (d *demo) waitForSignal(ctx context.Context) int {
	died := make(chan *childproc.Proc, len(d.procs))
	for _, p := range d.procs {
		go func() { <-p.Done(); died <- p }()
	}
	select {
	case <-ctx.Done():
		return 0
	case p := <-died:
		if ctx.Err() != nil {
			return 0 // the signal reached it too
		}
		fmt.Fprintf(os.Stderr, "\ndemo: %s exited unexpectedly: %v\n%s\n", p.Name, p.Err(), p.LogTail(20))
		return 1
	}
}

// cleanup stops everything the demo started, newest first, and removes the temp folder.
func (d *demo) cleanup() {
	fmt.Fprintln(d.out, "\n==> Stopping")
	started := d.pidList()
	for _, p := range slices.Backward(d.procs) {
		p.Stop(15 * time.Second)
	}
	if d.env != nil {
		if err := d.env.Stop(); err != nil { // SIGTERM to each process group, then SIGKILL
			fmt.Fprintln(os.Stderr, "demo: stopping etcd and kube-apiserver:", err)
		}
	}
	for _, c := range d.closers {
		c.Close()
	}
	if left := childPIDs(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "demo: still running: %v\n", left)
	}
	if err := os.RemoveAll(d.tmp); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
	}
	d.info("stopped %s", started)
	d.info("removed %s", d.tmp)
}

// pidList is "name=pid ..." for every process the demo started, sorted by name.
func (d *demo) pidList() string {
	var parts []string
	for name, pid := range d.envPIDs {
		parts = append(parts, fmt.Sprintf("%s=%d", name, pid))
	}
	for _, p := range d.procs {
		parts = append(parts, fmt.Sprintf("%s=%d", p.Name, p.Pid()))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}
