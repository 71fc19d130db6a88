package dist

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// dist/install.yaml is what `make build-installer` makes from config/default today, CRDs first.
func TestInstallerIsCurrent(t *testing.T) {
	rendered := run(t, binary(t, "kubectl"), "kustomize", "config/default")
	cmd := exec.Command("go", "run", "./hack/chartgen", "installer")
	cmd.Dir, cmd.Stdin = root, bytes.NewReader(rendered)
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("chartgen installer: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(root, "dist", "install.yaml"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("dist/install.yaml is stale: run `make build-installer` and commit the result")
	}
	objs := parseObjects(t, got)
	crds := 0
	for i, o := range objs {
		if o["kind"] == "CustomResourceDefinition" {
			if i != crds {
				t.Errorf("CRD %s comes after %s: CRDs go first", key(o), key(objs[i-1]))
			}
			crds++
		}
	}
	if crds != 2 {
		t.Errorf("dist/install.yaml holds %d CRDs, want 2", crds)
	}
}

var (
	installOnce sync.Once
	installOut  []byte
	installErr  error
)

// applyInstaller applies dist/install.yaml server-side, as the README says, once per run, and
// returns what kubectl said then.
func applyInstaller(t testing.TB) string {
	t.Helper()
	needCluster(t)
	kubectl := binary(t, "kubectl")
	installOnce.Do(func() {
		installOut, installErr = runErr(kubectl, "--kubeconfig", kubeconfigPath, "apply", "--server-side", "-f", "dist/install.yaml")
	})
	if installErr != nil {
		t.Fatal(installErr)
	}
	return string(installOut)
}

// One server-side apply of dist/install.yaml creates every object, the CRDs are served, and
// a second apply (an upgrade to the same version) succeeds and changes nothing.
func TestInstallerAppliesServerSide(t *testing.T) {
	out := applyInstaller(t)
	kubectl := binary(t, "kubectl")
	raw, _ := os.ReadFile(filepath.Join(root, "dist", "install.yaml"))
	for _, o := range parseObjects(t, raw) {
		if !strings.Contains(out, str(o, "metadata", "name")+" serverside-applied") {
			t.Errorf("the apply did not report %s: %s", key(o), out)
		}
	}
	run(t, kubectl, "--kubeconfig", kubeconfigPath, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/imagequeries.ims.imagecatalog.io", "crd/cloudimages.ims.imagecatalog.io")
	run(t, kubectl, "--kubeconfig", kubeconfigPath, "get", "imagecatalog", "-A")

	again := run(t, kubectl, "--kubeconfig", kubeconfigPath, "apply", "--server-side", "-f", "dist/install.yaml")
	if strings.Contains(string(again), "configured") || strings.Contains(string(again), "created") {
		t.Errorf("re-applying the same install.yaml changed objects:\n%s", again)
	}
	run(t, kubectl, "--kubeconfig", kubeconfigPath, "diff", "--server-side", "-f", "dist/install.yaml")
}
