// Package chaosenv is the harness of the tests that break the control plane on purpose (the
// crash and outage tests in test/chaos, the soak in test/soak): a control plane of their own
// (real etcd and kube-apiserver from bin/k8s, so that they can be killed and paused), the
// manager binary built from this repository, and the manager run as a child process that a
// test can kill with SIGKILL.
package chaosenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagecatalog/ims-operator/internal/childproc"
	"github.com/imagecatalog/ims-operator/internal/controlplane"
)

// Cluster is a started control plane and the manager binary.
type Cluster struct {
	Dir        string // a temporary folder of the cluster's own: kubeconfig, manager binary
	Kubeconfig string // a cluster admin's kubeconfig, for the manager
	Manager    string // the manager binary
	Config     *rest.Config
	Client     client.Client

	env       *envtest.Environment
	outagesMu sync.Mutex
	outages   []*controlplane.Outage
}

// Start builds the manager from the module at root, then starts etcd and kube-apiserver from
// assets with the CRDs installed.
func Start(root, assets string, scheme *runtime.Scheme) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "ims-chaos-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig"), Manager: filepath.Join(dir, "manager")}
	// Build the manager while nothing else runs: the first build takes a while.
	build := exec.Command("go", "build", "-o", c.Manager, ".")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("building the manager: %w", err)
	}
	c.env = controlplane.Environment(assets, filepath.Join(root, "config", "crd", "bases"))
	if c.Config, err = c.env.Start(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	if err := controlplane.WriteAdminKubeconfig(c.env, c.Kubeconfig); err != nil {
		c.Stop()
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if c.Client, err = client.New(c.Config, client.Options{Scheme: scheme}); err != nil {
		c.Stop()
		return nil, fmt.Errorf("client: %w", err)
	}
	return c, nil
}

// Stop ends the kube-apiservers that outages restarted, then the control plane (etcd last),
// and removes the cluster's folder.
func (c *Cluster) Stop() {
	c.outagesMu.Lock()
	for _, o := range c.outages {
		o.Stop()
	}
	c.outages = nil
	c.outagesMu.Unlock()
	if c.env != nil {
		_ = c.env.Stop()
	}
	_ = os.RemoveAll(c.Dir)
}

// StartManager runs the manager binary against the cluster with args, its output in
// logDir/<name>.log, its environment clean of real credentials plus env.
func (c *Cluster) StartManager(logDir, name string, env []string, args ...string) (*childproc.Proc, error) {
	return childproc.Start(name, logDir, childproc.CleanEnv(append([]string{"KUBECONFIG=" + c.Kubeconfig}, env...)...), c.Manager, args...)
}

// APIServerDown kills kube-apiserver (SIGKILL) and brings it back after d, with the same
// port, certificates and etcd.
func (c *Cluster) APIServerDown(d time.Duration) error {
	o, err := controlplane.StopAPIServer()
	if err != nil {
		return err
	}
	time.Sleep(d)
	c.outagesMu.Lock()
	c.outages = append(c.outages, o)
	c.outagesMu.Unlock()
	return o.Restart()
}
