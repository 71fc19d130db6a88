package testnode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Stop removes the node's Pods (through the kubelet, so that their network namespaces and
// volumes go too), stops every component, removes the bridge, the iptables rules and the
// cgroup root, and then checks that nothing of the run is left: no process, no mount. It
// returns what could not be cleaned up.
func (n *Node) Stop() error {
	var errs []error
	if n.procs["kubelet"] != nil && !n.procs["kubelet"].Exited() {
		errs = append(errs, n.removePods())
	}
	for i := len(n.stops) - 1; i >= 0; i-- {
		errs = append(errs, n.stops[i]())
	}
	n.stops = nil
	if n.containerdSocket != "" {
		errs = append(errs, n.removeIPTablesRules())
	}
	errs = append(errs, n.unmountAll(), n.killLeftovers())
	if n.cgroupRoot != "" {
		errs = append(errs, removeCgroup(n.cgroupRoot))
	}
	n.removeContainerLogLinks()
	return errors.Join(errs...)
}

// removePods stops kube-controller-manager (so that no Pod is recreated), deletes every Pod
// and waits until containerd runs no container and no sandbox, and the kubelet has unmounted
// every Pod's volumes.
func (n *Node) removePods() error {
	if p := n.procs["kube-controller-manager"]; p != nil {
		p.Stop(10 * time.Second)
		delete(n.procs, "kube-controller-manager") // stopped on purpose: not a failure to wait on
	}
	zero := int64(0)
	nss, err := n.Clientset.CoreV1().Namespaces().List(n.ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, ns := range nss.Items {
		_ = n.Clientset.CoreV1().Pods(ns.Name).DeleteCollection(n.ctx,
			metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
	}
	return n.waitFor("the kubelet to stop every Pod", 90*time.Second, func() error {
		tasks, err := n.ctr("tasks", "ls", "-q")
		if err != nil {
			return err
		}
		if tasks != "" {
			return fmt.Errorf("containerd still runs %s", strings.ReplaceAll(tasks, "\n", ", "))
		}
		mounts, err := mountsUnder(filepath.Join(n.kubeletRoot, "pods"))
		if err == nil && len(mounts) > 0 {
			return fmt.Errorf("the Pods' volumes are still mounted: %v", mounts)
		}
		return err
	})
}

// ctr runs containerd's client against the node's containerd, in the Kubernetes namespace.
func (n *Node) ctr(args ...string) (string, error) {
	out, err := exec.Command("ctr", append([]string{"--address", n.containerdSocket, "--namespace", "k8s.io"}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// unmountAll unmounts whatever is still mounted under the run's folder (the deepest first):
// a Pod's volume or a container's root file system after a failed teardown.
func (n *Node) unmountAll() error {
	mounts, err := mountsUnder(n.Dir)
	if err != nil {
		return err
	}
	var errs []error
	var left []string
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
		// The kubelet bind-mounts its root folder onto itself (for mount propagation) and
		// leaves it: expected. Anything else is a Pod's that was not torn down.
		if m != n.kubeletRoot {
			left = append(left, m)
		}
	}
	if len(left) > 0 {
		errs = append(errs, fmt.Errorf("%d mounts were left under %s (unmounted): %v", len(left), n.Dir, left))
	}
	return errors.Join(errs...)
}

func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mounts []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			mounts = append(mounts, fields[4])
		}
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	return mounts, s.Err()
}

// killLeftovers kills, and reports, any process that still names the run's folder on its
// command line: a containerd shim, a container, a component that did not stop.
func (n *Node) killLeftovers() error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	var left []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), n.Dir) {
			continue
		}
		left = append(left, fmt.Sprintf("%d %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " ")))
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(left) > 0 {
		return fmt.Errorf("processes left running after the node stopped (killed):\n%s", strings.Join(left, "\n"))
	}
	return nil
}

// containerLogsDir is where every kubelet links its containers' logs, whatever its folders.
const containerLogsDir = "/var/log/containers"

// removeContainerLogLinks removes the links of this node's containers there.
func (n *Node) removeContainerLogLinks() {
	entries, _ := os.ReadDir(containerLogsDir)
	for _, e := range entries {
		p := filepath.Join(containerLogsDir, e.Name())
		if target, err := os.Readlink(p); err == nil && strings.HasPrefix(target, n.Dir+"/") {
			_ = os.Remove(p)
		}
	}
}
