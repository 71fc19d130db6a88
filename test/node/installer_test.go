package node

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// `kubectl apply --server-side -f dist/install.yaml`, with the image and the IMS endpoint set as
// a user's kustomize overlay would: the same result as the chart. Everything it applied is
// deleted afterwards (the CRDs too), so that the chart's tests find a clean cluster.
func TestInstallYAML(t *testing.T) {
	n := needNode(t)
	const ns = "ims-operator-system"
	dumpOnFailure(t, ns)
	image, err := n.PushManagerImage("node-1")
	if err != nil {
		t.Fatal(err)
	}
	_, simURL := simulator(t, imssim.Options{Credentials: map[string]string{simAK: simSK}})
	raw, err := os.ReadFile(filepath.Join(abs(root), "dist", "install.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifests := strings.Replace(string(raw), "image: ims-operator:latest", "image: "+image, 1)
	probeArg := regexp.MustCompile(`(?m)^( *)- --health-probe-bind-address=:8081$`)
	if !probeArg.MatchString(manifests) || manifests == string(raw) {
		t.Fatal("dist/install.yaml has no image ims-operator:latest or no --health-probe-bind-address=:8081 argument to add to")
	}
	manifests = probeArg.ReplaceAllString(manifests, "$0\n$1- --ims-endpoint="+simURL)
	restrictedNamespace(t, ns) // install.yaml's Namespace then adds its own labels
	apply(t, manifests)
	t.Cleanup(func() {
		if out, err := runCmd(filepath.Join(n.Opts().ControlPlaneDir, "kubectl"), manifests, "--kubeconfig", n.Kubeconfig,
			"delete", "--wait", "--ignore-not-found", "-f", "-"); err != nil {
			t.Errorf("kubectl delete -f dist/install.yaml: %v\n%s", err, out)
		}
	})
	kubectl(t, "rollout", "status", "-n", ns, "deployment/ims-operator-controller-manager", "--timeout=150s")
	managerPod(t, ns)
	syncQuery(t, "tenant-yaml")
	scrapeMetrics(t, ns, "ims-operator")
}
