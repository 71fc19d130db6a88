package dist

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const (
	chartDir  = "dist/chart"
	release   = "ims-operator"
	namespace = "ims-operator-system"
)

// helmTemplate renders the chart as `helm install ims-operator -n ims-operator-system` would,
// with extra arguments (--set, -f).
func helmTemplate(t testing.TB, args ...string) []object {
	t.Helper()
	args = append([]string{"template", release, chartDir, "--namespace", namespace}, args...)
	return parseObjects(t, run(t, binary(t, "helm"), args...))
}

// kustomizeDefault renders config/default as `kubectl apply -k config/default` would.
func kustomizeDefault(t testing.TB) []object {
	t.Helper()
	return parseObjects(t, run(t, binary(t, "kubectl"), "kustomize", "config/default"))
}

// The generated templates are what `make chart` makes from config/ today.
func TestChartIsGenerated(t *testing.T) {
	tmp := t.TempDir()
	run(t, "go", "run", "./hack/chartgen", "chart", tmp)
	generated := map[string]bool{}
	err := filepath.WalkDir(tmp, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, path)
		generated[rel] = true
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(root, chartDir, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale: run `make chart` and commit the result", chartDir, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"crd", "rbac", "prometheus"} {
		committed, _ := filepath.Glob(filepath.Join(root, chartDir, "templates", dir, "*"))
		for _, path := range committed {
			rel, _ := filepath.Rel(filepath.Join(root, chartDir), path)
			if !generated[rel] {
				t.Errorf("%s/%s has no source in config/ any more: run `make chart`", chartDir, rel)
			}
		}
	}
}

// With its default values the chart installs what config/default installs: the same objects
// under the same names (but the Namespace, which `helm install --create-namespace` makes), the
// same CRDs, RBAC rules and bindings, and the same manager pod: flags, environment, security
// context, probes and resources.
func TestChartMatchesConfigDefault(t *testing.T) {
	chart := byKey(helmTemplate(t))
	config := byKey(kustomizeDefault(t))
	for k := range config {
		if strings.HasPrefix(k, "Namespace/") {
			delete(config, k)
		}
	}
	for k := range config {
		if chart[k] == nil {
			t.Errorf("config/default has %s, the chart does not: add it to %s (RBAC and CRDs: `make chart`)", k, chartDir)
		}
	}
	for k := range chart {
		if config[k] == nil {
			t.Errorf("the chart has %s, config/default does not", k)
		}
	}

	for k, want := range config {
		got := chart[k]
		if got == nil {
			continue
		}
		var fields [][]string
		switch want["kind"] {
		case "CustomResourceDefinition":
			fields = [][]string{{"spec"}}
		case "ClusterRole", "Role":
			fields = [][]string{{"rules"}, {"aggregationRule"}, {"metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-view"},
				{"metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-edit"}, {"metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-admin"}}
		case "ClusterRoleBinding", "RoleBinding":
			fields = [][]string{{"roleRef"}, {"subjects"}}
		case "Deployment":
			fields = [][]string{{"spec", "replicas"}, {"spec", "template", "spec"}}
		case "Service":
			fields = [][]string{{"spec", "ports"}}
		}
		for _, f := range fields {
			if w, g := field(want, f...), field(got, f...); !reflect.DeepEqual(w, g) {
				t.Errorf("%s: %s differs between config/default and the chart\nconfig/default:\n%s\nchart:\n%s",
					k, strings.Join(f, "."), asYAML(w), asYAML(g))
			}
		}
	}

	// The chart's pods are the ones its Service selects.
	dep := chart["Deployment/"+namespace+"/ims-operator-controller-manager"]
	svc := chart["Service/"+namespace+"/ims-operator-controller-manager-metrics"]
	if !reflect.DeepEqual(field(svc, "spec", "selector"), field(dep, "spec", "template", "metadata", "labels")) {
		t.Errorf("the metrics Service selects %v, the pods are labelled %v",
			field(svc, "spec", "selector"), field(dep, "spec", "template", "metadata", "labels"))
	}
}

// CRDs are installed by default and kept on uninstall; both can be turned off.
func TestChartCRDSwitches(t *testing.T) {
	count := func(objs []object) (crds, kept int) {
		for _, o := range objs {
			if o["kind"] == "CustomResourceDefinition" {
				crds++
				if str(o, "metadata", "annotations", "helm.sh/resource-policy") == "keep" {
					kept++
				}
			}
		}
		return
	}
	if crds, kept := count(helmTemplate(t)); crds != 2 || kept != 2 {
		t.Errorf("default values: %d CRDs, %d kept on uninstall; want 2 and 2", crds, kept)
	}
	if crds, kept := count(helmTemplate(t, "--set", "crds.keep=false")); crds != 2 || kept != 0 {
		t.Errorf("crds.keep=false: %d CRDs, %d kept; want 2 and 0", crds, kept)
	}
	if crds, _ := count(helmTemplate(t, "--set", "crds.enable=false")); crds != 0 {
		t.Errorf("crds.enable=false renders %d CRDs", crds)
	}
}

// Every value the README documents reaches the manager: flags, environment, the projected
// token, and the optional objects.
func TestChartNonDefaultValues(t *testing.T) {
	objs := byKey(helmTemplate(t, "-f", "dist/testdata/values-everything.yaml"))
	dep := objs["Deployment/"+namespace+"/ims-operator-controller-manager"]
	if dep == nil {
		t.Fatalf("no Deployment rendered; objects: %v", slices.Collect(maps.Keys(objs)))
	}
	pod := field(dep, "spec", "template", "spec").(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	var args []string
	for _, a := range c["args"].([]any) {
		args = append(args, a.(string))
	}
	for _, want := range []string{
		"--leader-elect", "--leader-election-namespace=kube-system", "--zap-log-level=debug",
		"--default-region=ap-southeast-1", "--default-refresh-interval=30m", "--max-concurrent-reconciles=4",
		"--kube-api-qps=20", "--kube-api-burst=40", "--ims-qps=5", "--ims-burst=10",
		"--manager-credentials-in-all-namespaces", "--ecs-metadata-credentials",
		"--workload-identity-idp-id=tenant-idp", "--workload-identity-audience=ims-tenants",
		"--metrics-bind-address=:9443", "--an-extra-flag",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("manager args lack %s: %v", want, args)
		}
	}
	env := map[string]any{}
	for _, e := range c["env"].([]any) {
		e := e.(map[string]any)
		env[e["name"].(string)] = e
	}
	for name, want := range map[string]string{
		"HUAWEICLOUD_SDK_IDP_ID":        "manager-idp",
		"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "/var/run/secrets/wi/token",
		"HUAWEICLOUD_SDK_PROJECT_ID":    "0123456789abcdef",
		"HUAWEICLOUD_SDK_IAM_ENDPOINT":  "https://iam.example.com",
	} {
		if got := str(env[name], "value"); got != want {
			t.Errorf("env %s = %q, want %q", name, got, want)
		}
	}
	if got := str(env["HUAWEICLOUD_SDK_AK"], "valueFrom", "secretKeyRef", "name"); got != "my-ak-sk" {
		t.Errorf("HUAWEICLOUD_SDK_AK comes from Secret %q, want my-ak-sk", got)
	}
	if got := str(c, "image"); got != "registry.example.com/ims-operator@sha256:0123" {
		t.Errorf("image = %q", got)
	}
	if got := field(pod, "volumes"); !strings.Contains(asYAML(got), "audience: sts.example.com") ||
		!strings.Contains(asYAML(got), "path: token") {
		t.Errorf("no projected token volume for audience sts.example.com:\n%s", asYAML(got))
	}
	if got := asYAML(c["volumeMounts"]); !strings.Contains(got, "mountPath: /var/run/secrets/wi") {
		t.Errorf("token not mounted at /var/run/secrets/wi:\n%s", got)
	}
	if field(pod, "securityContext", "runAsUser") != float64(1001) {
		t.Errorf("podSecurityContext not applied: %v", field(pod, "securityContext"))
	}
	if dep["spec"].(map[string]any)["replicas"] != float64(2) {
		t.Errorf("replicas not applied")
	}
	for _, k := range []string{
		"ServiceMonitor/" + namespace + "/ims-operator-controller-manager-metrics",
		"NetworkPolicy/" + namespace + "/ims-operator-controller-manager",
	} {
		if objs[k] == nil {
			t.Errorf("%s not rendered", k)
		}
	}
}

// The chart passes no flag that today's manager may not know unless a value asks for it.
func TestChartDefaultFlagsAreKnownToTheManager(t *testing.T) {
	for _, o := range helmTemplate(t) {
		if o["kind"] != "Deployment" {
			continue
		}
		for _, c := range field(o, "spec", "template", "spec", "containers").([]any) {
			for _, a := range c.(map[string]any)["args"].([]any) {
				name := strings.SplitN(strings.TrimLeft(a.(string), "-"), "=", 2)[0]
				if !managerHasFlag(t, name) {
					t.Errorf("the chart passes %s by default, which the manager does not define", a)
				}
			}
		}
	}
}

// helm lint passes with the default values and with every value set.
func TestHelmLint(t *testing.T) {
	helm := binary(t, "helm")
	run(t, helm, "lint", "--strict", chartDir)
	run(t, helm, "lint", "--strict", chartDir, "-f", "dist/testdata/values-everything.yaml")
}
