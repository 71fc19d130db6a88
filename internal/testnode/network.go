package testnode

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
)

// network is the node's own: a bridge the run creates, a /24 for its Pods on it (the bridge
// holds the first address, where the API server and the simulator listen) and a /24 of
// Service IPs routed onto it. Pods get no default route and this machine does not forward, so
// they reach only the bridge's address and the Services: nothing leaves the machine.
type network struct {
	bridge      string     // the bridge's name (also the node's name)
	hostIP      net.IP     // the bridge's address: API server, simulator, kubelet
	podCIDR     *net.IPNet // Pods' addresses, on the bridge
	serviceCIDR *net.IPNet // ClusterIPs, routed onto the bridge
}

// kubernetesServiceIP is the ClusterIP of the kubernetes Service: the range's first address.
func (n *network) kubernetesServiceIP() net.IP {
	ip := append(net.IP(nil), n.serviceCIDR.IP.To4()...)
	ip[3] = 1
	return ip
}

// createNetwork creates a bridge with a /24 that no interface of this machine uses, so that two
// runs side by side each have their own.
func createNetwork() (*network, error) {
	for range 20 {
		i := 1 + rand.IntN(250)
		n := &network{bridge: fmt.Sprintf("ims-node-%d", i)}
		_, n.podCIDR, _ = net.ParseCIDR(fmt.Sprintf("10.244.%d.0/24", i))
		_, n.serviceCIDR, _ = net.ParseCIDR(fmt.Sprintf("10.97.%d.0/24", i))
		n.hostIP = net.IPv4(10, 244, byte(i), 1).To4()
		if inUse(n.podCIDR) || inUse(n.serviceCIDR) {
			continue
		}
		// The bridge's creation is what claims the number: a run that loses the race gets
		// "File exists" and tries another.
		if err := ip("link", "add", n.bridge, "type", "bridge"); err != nil {
			if strings.Contains(err.Error(), "exists") {
				continue
			}
			return nil, err
		}
		for _, args := range [][]string{
			{"addr", "add", n.hostIP.String() + "/24", "dev", n.bridge},
			{"link", "set", n.bridge, "up"},
			// The test process reaches ClusterIPs (the metrics Service) from the bridge's address.
			{"route", "add", n.serviceCIDR.String(), "dev", n.bridge, "src", n.hostIP.String()},
		} {
			if err := ip(args...); err != nil {
				_ = n.remove()
				return nil, err
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("no free 10.244.x.0/24 for the node's bridge")
}

// remove deletes the bridge (and with it its address and route).
func (n *network) remove() error {
	if _, err := os.Stat("/sys/class/net/" + n.bridge); err != nil {
		return nil
	}
	return ip("link", "delete", n.bridge)
}

// inUse tells whether an address of this machine is in cidr.
func inUse(cidr *net.IPNet) bool {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && (cidr.Contains(ipn.IP) || ipn.Contains(cidr.IP)) {
			return true
		}
	}
	return false
}

func ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}
