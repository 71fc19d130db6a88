// Package dist tests what dist/ ships: the Helm chart, the single-file install and the image,
// against config/ (which they must not drift from) and on a real control plane.
package dist

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// The repository root, as the tests see it from dist/.
const root = ".."

// binary is a tool that `make test` builds before the tests run: kubectl of the control plane,
// or bin/helm. Without it the test skips, as integration tests do on a plain `go test ./...`,
// or fails under `make test`.
func binary(t testing.TB, name string) string {
	t.Helper()
	if name == "kubectl" {
		return filepath.Join(testenv.Integration(t), "kubectl")
	}
	return built(t, filepath.Join(root, "bin", name))
}

// built returns the absolute path of something `make test` builds into bin/.
func built(t testing.TB, path string) string {
	t.Helper()
	path, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv(testenv.RequireEnv) == "" {
			t.Skipf("%s is not built: `make test` builds it and runs this test", path)
		}
		t.Fatalf("%s is not built (%v)", path, err)
	}
	return path
}

// run runs a tool in the repository root and returns its standard output.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := runErr(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func runErr(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	// Helm keeps its caches and config away from the user's.
	tmp, err := os.MkdirTemp("", "ims-dist-tool-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+tmp, "HELM_CONFIG_HOME="+tmp, "HELM_DATA_HOME="+tmp,
		"KUBECACHEDIR="+filepath.Join(tmp, "kube"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out, stderr.String())
	}
	return out, nil
}

// object is one rendered Kubernetes object.
type object = map[string]any

// parseObjects splits rendered YAML into objects, skipping empty documents.
func parseObjects(t testing.TB, raw []byte) []object {
	t.Helper()
	var objs []object
	for _, doc := range bytes.Split(append([]byte("\n"), raw...), []byte("\n---")) {
		var o object
		if err := yaml.Unmarshal(doc, &o); err != nil {
			t.Fatalf("rendered YAML does not parse: %v\n%s", err, doc)
		}
		if len(o) > 0 {
			objs = append(objs, o)
		}
	}
	return objs
}

// key names an object as kubectl does: kind/namespace/name.
func key(o object) string {
	ns := str(o, "metadata", "namespace")
	if unknownClusterScoped[fmt.Sprint(o["kind"])] {
		ns = ""
	}
	return fmt.Sprintf("%s/%s/%s", o["kind"], ns, str(o, "metadata", "name"))
}

// unknownClusterScoped are cluster-scoped kinds that kustomize's built-in schema predates: its
// namespace transformer stamps config/default's namespace on them, and the API server drops
// it again. The chart leaves it out.
var unknownClusterScoped = map[string]bool{"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true}

// field walks nested maps; nil when a step is missing.
func field(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(map[string]any)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func str(o any, path ...string) string {
	s, _ := field(o, path...).(string)
	return s
}

func byKey(objs []object) map[string]object {
	m := map[string]object{}
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}

func asYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// builds are Go programs the tests build once per run, into temporary folders that TestMain
// removes.
var (
	buildsMu   sync.Mutex
	buildDirs  []string
	buildOnces = map[string]*buildResult{}
)

type buildResult struct {
	once sync.Once
	path string
	err  error
}

// buildOnce builds the package in dir (relative to the repository root) with extra
// environment, once per run, and returns the binary.
func buildOnce(t testing.TB, dir string, env ...string) string {
	t.Helper()
	buildsMu.Lock()
	b := buildOnces[dir]
	if b == nil {
		b = &buildResult{}
		buildOnces[dir] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() {
		tmp, err := os.MkdirTemp("", "ims-dist-build-")
		if err != nil {
			b.err = err
			return
		}
		buildsMu.Lock()
		buildDirs = append(buildDirs, tmp)
		buildsMu.Unlock()
		b.path = filepath.Join(tmp, filepath.Base(filepath.Clean(filepath.Join("/ims-operator", dir))))
		cmd := exec.Command("go", "build", "-o", b.path, ".")
		cmd.Dir, cmd.Env = filepath.Join(root, dir), append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", dir, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// removeBuilds removes what buildOnce built.
func removeBuilds() {
	for _, dir := range buildDirs {
		_ = os.RemoveAll(dir)
	}
}
