package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// Every kustomize layout under config/ renders, and config/default deploys the CRDs, the
// manager's RBAC and the manager with leader election, probes and secure metrics.
func TestConfigRenders(t *testing.T) {
	kubectl := filepath.Join(testenv.Integration(t), "kubectl")
	for _, dir := range []string{"crd", "rbac", "manager", "samples", "samples/policy", "default"} {
		out := string(runTool(t, kubectl, "kustomize", filepath.Join("config", dir)))
		if dir != "default" {
			continue
		}
		for _, want := range []string{
			"kind: CustomResourceDefinition", "name: imagequeries.ims.imagecatalog.io",
			"name: cloudimages.ims.imagecatalog.io", "kind: Deployment", "namespace: ims-operator-system",
			"--leader-elect", "--metrics-secure", "--health-probe-bind-address=:8081", "name: ims-operator-manager-role",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("config/default renders without %q", want)
			}
		}
	}
}
