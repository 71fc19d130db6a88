package testnode

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/imagecatalog/ims-operator/internal/loopback"
)

// kubeProxyConfig runs kube-proxy in iptables mode for the node's Services. It binds and
// serves only on the bridge and loopback, treats only the node's Pod range as local, and
// changes no sysctl of the machine (conntrack sizes and timeouts stay as they are).
const kubeProxyConfig = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: %[1]s}
hostnameOverride: %[2]s
mode: iptables
bindAddress: %[3]s
healthzBindAddress: %[5]s
metricsBindAddress: %[6]s
clusterCIDR: %[4]s
nodePortAddresses: [%[3]s/32]
detectLocalMode: ClusterCIDR
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
iptables:
  localhostNodePorts: false
  masqueradeAll: false
`

// startKubeProxy starts kube-proxy as system:kube-proxy.
func (n *Node) startKubeProxy() error {
	dir := filepath.Join(n.Dir, "kube-proxy")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	kc, err := n.userKubeconfig("system:kube-proxy")
	if err != nil {
		return err
	}
	var addrs [2]string
	for i := range addrs {
		if addrs[i], err = loopback.FreeAddr(); err != nil {
			return err
		}
	}
	configPath := filepath.Join(dir, "config.yaml")
	config := fmt.Sprintf(kubeProxyConfig, kc, n.Name, n.net.hostIP, n.net.podCIDR, addrs[0], addrs[1])
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return err
	}
	return n.start("kube-proxy", filepath.Join(n.opts.NodeDir, "kube-proxy"), "--config="+configPath, "-v=0")
}

// removeIPTablesRules removes kube-proxy's rules (`kube-proxy --cleanup`) and what the kubelet
// made (KUBE-FIREWALL and its jumps from INPUT and OUTPUT, canaries), then reports any KUBE-
// rule or chain still there. iptables has no namespace of names: with two nodes side by side,
// the one that stops first removes these rules of the other too, which its kubelet and
// kube-proxy then restore on their next sync.
func (n *Node) removeIPTablesRules() error {
	out, err := exec.Command(filepath.Join(n.opts.NodeDir, "kube-proxy"), "--cleanup", "-v=0").CombinedOutput()
	if err != nil {
		return fmt.Errorf("kube-proxy --cleanup: %w\n%s", err, out)
	}
	for _, table := range []string{"filter", "nat", "mangle"} {
		rules, chains, err := kubeRules(table)
		if err != nil {
			return err
		}
		for _, rule := range rules { // "-A INPUT -j KUBE-FIREWALL" is deleted as "-D INPUT -j KUBE-FIREWALL"
			_ = exec.Command("iptables", append([]string{"-t", table, "-D"}, strings.Fields(rule)[1:]...)...).Run()
		}
		for _, chain := range chains {
			_ = exec.Command("iptables", "-t", table, "-F", chain).Run()
			_ = exec.Command("iptables", "-t", table, "-X", chain).Run()
		}
	}
	var left []string
	for _, table := range []string{"filter", "nat", "mangle"} {
		rules, chains, err := kubeRules(table)
		if err != nil {
			return err
		}
		left = append(append(left, rules...), chains...)
	}
	if len(left) > 0 {
		return fmt.Errorf("iptables rules left after the node stopped:\n%s", strings.Join(left, "\n"))
	}
	return nil
}

// kubeRules are the rules (-A lines) and chains of table that name a KUBE- chain.
func kubeRules(table string) (rules, chains []string, err error) {
	save, err := exec.Command("iptables-save", "-t", table).CombinedOutput()
	if err != nil {
		return nil, nil, fmt.Errorf("iptables-save: %w\n%s", err, save)
	}
	for _, line := range strings.Split(string(save), "\n") {
		switch {
		case strings.HasPrefix(line, "-A ") && strings.Contains(line, "KUBE-"):
			rules = append(rules, line)
		case strings.HasPrefix(line, ":KUBE-"):
			chains = append(chains, strings.Fields(line)[0][1:])
		}
	}
	return rules, chains, nil
}
