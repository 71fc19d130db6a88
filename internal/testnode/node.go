// Package testnode runs a Kubernetes node for the node tests (test/node): the control plane of
// bin/k8s serving on a bridge the run creates, kube-controller-manager, kube-scheduler, and a
// kubelet, kube-proxy and containerd (Debian's, installed when missing) that run Pods on that
// bridge. Images come from go-containerregistry's registry on loopback; the sandbox image is
// built here. Everything lives under the run's folder with its own sockets, ports, cgroup
// root and addresses, and Stop removes all of it and checks that nothing is left.
package testnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagecatalog/ims-operator/internal/childproc"
)

// Options say where the node's parts are.
type Options struct {
	RepoDir         string // the repository: hack/pause, hack/image
	ControlPlaneDir string // bin/k8s: etcd, kube-apiserver, kube-controller-manager, kubectl
	NodeDir         string // bin/node: kubelet, kube-scheduler, kube-proxy
	Dir             string // the run's folder (removed by the caller)
	Logf            func(format string, args ...any)
}

// Node is a started node and its control plane.
type Node struct {
	Name       string // the Node's name, also its bridge's
	Dir        string
	LogDir     string       // every component's log: <name>.log
	Config     *rest.Config // cluster admin
	Kubeconfig string       // the cluster admin's, for kubectl and helm
	Clientset  *kubernetes.Clientset
	Registry   string // host:port of the registry on loopback
	PauseImage string

	opts             Options
	ctx              context.Context
	net              *network
	env              *envtest.Environment
	caPath           string // the API server's CA, as Pods get it
	kubeletClientCA  string
	containerdSocket string
	cgroupRoot       string
	kubeletRoot      string
	procs            map[string]*childproc.Proc
	stops            []func() error // in start order; run in reverse
}

// HostIP is the bridge's address: where Pods reach the API server and anything the test
// serves for them (the IMS simulator).
func (n *Node) HostIP() string { return n.net.hostIP.String() }

// Start starts the node; on error what was started is stopped again.
func Start(ctx context.Context, opts Options) (*Node, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("a node needs root (bridges, iptables, cgroups, containerd)")
	}
	n := &Node{Dir: opts.Dir, LogDir: filepath.Join(opts.Dir, "logs"), opts: opts, ctx: ctx, procs: map[string]*childproc.Proc{}}
	if err := n.startAll(); err != nil {
		if stopErr := n.Stop(); stopErr != nil {
			err = fmt.Errorf("%w (and stopping: %v)", err, stopErr)
		}
		return nil, err
	}
	return n, nil
}

func (n *Node) startAll() error {
	if err := os.MkdirAll(n.LogDir, 0o700); err != nil {
		return err
	}
	if err := ensurePackages(n.opts.Logf); err != nil {
		return err
	}
	net, err := createNetwork()
	if err != nil {
		return err
	}
	n.net, n.Name = net, net.bridge
	n.onStop(net.remove)
	n.opts.Logf("node %s: bridge %s, Pods %s, Services %s", n.Name, net.hostIP, net.podCIDR, net.serviceCIDR)
	steps := []struct {
		what string
		run  func() error
	}{
		{"registry", n.startRegistry},
		{"pause image", n.pushPauseImage},
		{"API server", n.startAPIServer},
		{"clients", n.clients},
		{"controllers", n.startControllers},
		{"containerd", n.startContainerd},
		{"kube-proxy", n.startKubeProxy},
		{"kubelet", n.startKubelet},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		n.opts.Logf("node %s: %s ready (%s)", n.Name, s.what, time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

func (n *Node) clients() error {
	n.onStop(n.env.Stop)
	cs, err := kubernetes.NewForConfig(n.Config)
	n.Clientset = cs
	return err
}

// start starts a component, logging to LogDir/<name>.log, and stops it with the node.
func (n *Node) start(name, path string, args ...string) error {
	p, err := childproc.Start(name, n.LogDir, childproc.CleanEnv(), path, args...)
	if err != nil {
		return err
	}
	n.procs[name] = p
	n.onStop(func() error { p.Stop(20 * time.Second); return nil })
	return nil
}

// Exited reports a component that has exited, with the end of its log; "" when all run.
func (n *Node) Exited() string {
	for name, p := range n.procs {
		if p.Exited() {
			return fmt.Sprintf("%s exited (%v):\n%s", name, p.Err(), p.LogTail(30))
		}
	}
	return ""
}

// Proc is the running component name (kubelet, containerd, ...).
func (n *Node) Proc(name string) *childproc.Proc { return n.procs[name] }

func (n *Node) onStop(f func() error) { n.stops = append(n.stops, f) }

// logFile is LogDir/<name>.log for a component that envtest starts.
func (n *Node) logFile(name string) (io.Writer, io.Writer) {
	f, err := os.Create(filepath.Join(n.LogDir, name+".log"))
	if err != nil {
		return io.Discard, io.Discard
	}
	n.onStop(f.Close)
	return f, f
}

// waitFor polls check until it passes, a component exits or timeout passes.
func (n *Node) waitFor(what string, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if exited := n.Exited(); exited != "" {
			return fmt.Errorf("waiting for %s: %s", what, exited)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		select {
		case <-n.ctx.Done():
			return n.ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Opts are the options the node was started with.
func (n *Node) Opts() Options { return n.opts }
