package testnode

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// containerdConfig is a containerd of the node's own: root, state, sockets and CNI
// configuration under the run's folder. What real-node.md measured is needed here:
//   - restrict_oom_score_adj: this machine lacks CAP_SYS_RESOURCE, so the sandbox's negative
//     oom_score_adj cannot be written (runc reports only "can't get final child's PID").
//   - runc, not crun (crun refuses cgroups in hybrid mode).
//   - the pause image and every other image come from the registry on loopback, over HTTP.
//   - the native snapshotter, which needs no overlay mount support from the machine.
const containerdConfig = `version = 2
root = %[1]q
state = %[2]q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %[3]q

[ttrpc]
  address = %[4]q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[5]q
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %[6]q
    conf_dir = %[7]q
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors.%[8]q]
    endpoint = [%[9]q]
`

// startContainerd writes the CNI configuration (a bridge plugin on the node's bridge, with
// addresses from host-local) and containerd's, starts containerd and waits for its socket.
func (n *Node) startContainerd() error {
	dir := filepath.Join(n.Dir, "containerd")
	cniConf := filepath.Join(dir, "cni")
	if err := os.MkdirAll(cniConf, 0o700); err != nil {
		return err
	}
	conflist, err := json.MarshalIndent(map[string]any{
		"cniVersion": "0.4.0",
		"name":       n.net.bridge,
		"plugins": []any{map[string]any{
			"type":   "bridge",
			"bridge": n.net.bridge,
			// The bridge and its address are the test's; the plugin only attaches Pods. As no
			// gateway, it turns no forwarding on; the one route is to the Services.
			"isGateway":   false,
			"ipMasq":      false,
			"hairpinMode": true,
			"ipam": map[string]any{
				"type":    "host-local",
				"dataDir": filepath.Join(dir, "ipam"),
				"ranges": [][]map[string]string{{{
					"subnet":     n.net.podCIDR.String(),
					"rangeStart": strings.TrimSuffix(n.net.podCIDR.IP.String(), ".0") + ".10",
					"gateway":    n.net.hostIP.String(),
				}}},
				"routes": []map[string]string{{"dst": n.net.serviceCIDR.String(), "gw": n.net.hostIP.String()}},
			},
		}},
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cniConf, "10-ims-node.conflist"), conflist, 0o600); err != nil {
		return err
	}
	n.containerdSocket = filepath.Join(dir, "containerd.sock")
	config := fmt.Sprintf(containerdConfig, filepath.Join(dir, "root"), filepath.Join(dir, "state"),
		n.containerdSocket, n.containerdSocket+".ttrpc", n.PauseImage, cniBinDir, cniConf,
		n.Registry, "http://"+n.Registry)
	configPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return err
	}
	if err := n.start("containerd", "containerd", "--config", configPath, "--log-level", "info"); err != nil {
		return err
	}
	return n.waitFor("containerd's socket", 30*time.Second, func() error {
		_, err := os.Stat(n.containerdSocket)
		return err
	})
}
