package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// Every kustomize layout under config/ renders, and config/default deploys the CRDs, the
// manager's RBAC and the manager with leader election, probes and secure metrics.
func TestConfigRenders(t *testing.T) {
	kubectl := filepath.Join(testenv.Integration(t), "kubectl")
	for _, dir := range []string{"crd", "rbac", "manager", "samples", "samples/policy", "default", "keyless", "secret-namespaces"} {
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

// config/secret-namespaces grants Secrets only in the named namespace: the manager's
// ClusterRole has no rule on Secrets, a Role and RoleBinding in platform-images give it them
// there, and the manager reads and watches Secrets only there.
func TestSecretNamespacesLayout(t *testing.T) {
	kubectl := filepath.Join(testenv.Integration(t), "kubectl")
	out := runTool(t, kubectl, "kustomize", filepath.Join("config", "secret-namespaces"))
	var roles, bindings int
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name, Namespace string
			} `json:"metadata"`
			Rules []struct {
				Resources []string `json:"resources"`
			} `json:"rules"`
			Subjects []struct {
				Name, Namespace string
			} `json:"subjects"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		secrets := false
		for _, r := range obj.Rules {
			secrets = secrets || slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*")
		}
		switch {
		case obj.Kind == "ClusterRole" && obj.Metadata.Name == "ims-operator-manager-role" && secrets:
			t.Error("the manager's ClusterRole still has a rule on Secrets")
		case obj.Kind == "Role" && obj.Metadata.Namespace == "platform-images" && secrets:
			roles++
		case obj.Kind == "RoleBinding" && obj.Metadata.Namespace == "platform-images" && len(obj.Subjects) == 1 &&
			obj.Subjects[0].Name == "ims-operator-controller-manager" && obj.Subjects[0].Namespace == "ims-operator-system":
			bindings++
		}
	}
	if roles != 1 || bindings != 1 {
		t.Errorf("%d Secret Roles and %d RoleBindings to the manager in platform-images, want 1 and 1", roles, bindings)
	}
	if !strings.Contains(string(out), "--credentials-secret-namespaces=platform-images") {
		t.Error("the manager does not limit its Secret reads to platform-images")
	}
}
