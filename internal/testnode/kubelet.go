package testnode

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubeletConfig is the node's KubeletConfiguration. Besides its own ports and folders:
// failCgroupV1 false (this machine has cgroup v1 in hybrid mode, which kubelets since 1.35
// refuse otherwise), the cgroupfs driver (no systemd), and a cgroup root of the run's own, so
// that two nodes side by side do not take each other's Pod cgroups for orphans. The API server
// reaches it (kubectl logs) with a client certificate of a CA that only this kubelet trusts.
// Eviction thresholds are low: the tests' Pods must not be evicted because a shared disk is
// fuller than a production node's would be. No DNS (resolvConf ""): Pods reach only addresses,
// never this machine's name servers.
const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %[1]s
port: %[2]d
readOnlyPort: 0
healthzPort: 0
cgroupDriver: cgroupfs
cgroupRoot: %[3]s
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://%[4]s
podLogsDir: %[5]s
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: %[6]s}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
resolvConf: ""
serializeImagePulls: false
evictionHard: {memory.available: 1Mi, nodefs.available: 1%%, imagefs.available: 1%%, nodefs.inodesFree: 1%%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
nodeStatusUpdateFrequency: 4s
syncFrequency: 10s
shutdownGracePeriod: 0s
`

// startKubelet creates the node's cgroup root and starts the kubelet as system:node:<name>, on
// the bridge's address; it returns when the Node is Ready.
func (n *Node) startKubelet() error {
	dir := filepath.Join(n.Dir, "kubelet")
	logs := filepath.Join(n.Dir, "pod-logs")
	for _, d := range []string{dir, logs} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	n.kubeletRoot = filepath.Join(dir, "root")
	n.cgroupRoot = "/" + n.Name
	if err := createCgroup(n.cgroupRoot); err != nil {
		return err
	}
	port, err := freePort(n.net.hostIP)
	if err != nil {
		return err
	}
	config := fmt.Sprintf(kubeletConfig, n.net.hostIP, port, n.cgroupRoot, n.containerdSocket, logs, n.kubeletClientCA)
	configPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return err
	}
	kc, err := n.userKubeconfig("system:node:"+n.Name, "system:nodes")
	if err != nil {
		return err
	}
	if err := n.start("kubelet", filepath.Join(n.opts.NodeDir, "kubelet"),
		"--config="+configPath, "--kubeconfig="+kc, "--root-dir="+n.kubeletRoot,
		"--cert-dir="+filepath.Join(dir, "pki"), "--hostname-override="+n.Name,
		"--node-ip="+n.net.hostIP.String(), "-v=1"); err != nil {
		return err
	}
	return n.waitFor("the Node to become Ready", 2*time.Minute, func() error {
		node, err := n.Clientset.CoreV1().Nodes().Get(n.ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady {
				if c.Status == corev1.ConditionTrue {
					return nil
				}
				return fmt.Errorf("condition Ready=%s: %s", c.Status, c.Message)
			}
		}
		return fmt.Errorf("no Ready condition yet")
	})
}

// cgroupV1 is where this machine mounts the cgroup v1 hierarchies.
const cgroupV1 = "/sys/fs/cgroup"

// createCgroup creates the cgroup path in every v1 hierarchy, as the kubelet requires of its
// cgroup root. cpuset's new cgroups start with no CPUs and no memory nodes: they get their
// parent's.
func createCgroup(path string) error {
	hierarchies, err := os.ReadDir(cgroupV1)
	if err != nil {
		return err
	}
	for _, h := range hierarchies {
		if !h.IsDir() || h.Name() == "unified" {
			continue
		}
		d := filepath.Join(cgroupV1, h.Name(), path)
		if err := os.Mkdir(d, 0o755); err != nil && !os.IsExist(err) {
			return err
		}
		if h.Name() == "cpuset" {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				v, err := os.ReadFile(filepath.Join(cgroupV1, "cpuset", f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(d, f), v, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// removeCgroup removes the cgroup path and every cgroup under it (deepest first) from every v1
// hierarchy. A cgroup that still holds a process cannot be removed: that is reported.
func removeCgroup(path string) error {
	hierarchies, err := os.ReadDir(cgroupV1)
	if err != nil {
		return err
	}
	var errs []error
	for _, h := range hierarchies {
		root := filepath.Join(cgroupV1, h.Name(), path)
		if _, err := os.Stat(root); err != nil {
			continue
		}
		var dirs []string
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := os.Remove(dirs[i]); err != nil {
				procs, _ := os.ReadFile(filepath.Join(dirs[i], "cgroup.procs"))
				errs = append(errs, fmt.Errorf("cgroup %s: %w (processes: %s)", dirs[i], err, strconv.Quote(string(procs))))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}
