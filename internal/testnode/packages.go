package testnode

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// cniBinDir is where Debian's containernetworking-plugins puts the CNI plugins.
const cniBinDir = "/usr/lib/cni"

// debianPackages are the node's parts that Debian ships, and a file each installs.
var debianPackages = map[string]string{
	"containerd":                  "/usr/bin/containerd",
	"runc":                        "/usr/sbin/runc",
	"containernetworking-plugins": cniBinDir + "/bridge",
	"iptables":                    "/usr/sbin/iptables",
}

var installOnce sync.Once
var installErr error

// ensurePackages installs the missing node packages with apt-get (the tests run as root, as CI
// does). Nothing is started: Debian's containerd service does not run without systemd, and the
// node runs a containerd of its own anyway.
func ensurePackages(log func(string, ...any)) error {
	installOnce.Do(func() {
		var missing []string
		for pkg, file := range debianPackages {
			if _, err := os.Stat(file); err != nil {
				missing = append(missing, pkg)
			}
		}
		if len(missing) == 0 {
			return
		}
		log("installing %v with apt-get", missing)
		if out, err := exec.Command("apt-get", "update", "-q").CombinedOutput(); err != nil {
			installErr = fmt.Errorf("apt-get update: %w\n%s", err, out)
			return
		}
		cmd := exec.Command("apt-get", append([]string{"install", "-y", "-q", "--no-install-recommends"}, missing...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("apt-get install %v: %w\n%s", missing, err, out)
		}
	})
	return installErr
}
