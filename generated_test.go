package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The CRDs, RBAC and DeepCopy code are generated from markers and committed. This test
// regenerates them into a temporary folder and fails when the committed copies are stale
// (the fix is `make manifests generate`).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen")
	}
	tmp := t.TempDir()
	crdDir, rbacDir := filepath.Join(tmp, "crd"), filepath.Join(tmp, "rbac")
	// As the Makefile runs it: api/ is its own module, reached by import path.
	const apiPackages = "github.com/imagecatalog/ims-operator/api/..."
	runTool(t, "go", "tool", "controller-gen", "rbac:roleName=manager-role", "crd", "paths=./...;"+apiPackages,
		"output:crd:artifacts:config="+crdDir, "output:rbac:artifacts:config="+rbacDir)
	deepcopy := runTool(t, "go", "tool", "controller-gen", "object",
		"paths="+apiPackages, "output:object:stdout")

	compare := map[string][]byte{
		filepath.Join("api", "v1alpha1", "zz_generated.deepcopy.go"): deepcopy,
		filepath.Join("config", "rbac", "role.yaml"):                 read(t, filepath.Join(rbacDir, "role.yaml")),
	}
	crds, err := os.ReadDir(crdDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range crds {
		compare[filepath.Join("config", "crd", "bases", e.Name())] = read(t, filepath.Join(crdDir, e.Name()))
	}
	committed, _ := filepath.Glob(filepath.Join("config", "crd", "bases", "*.yaml"))
	if len(committed) != len(crds) {
		t.Errorf("config/crd/bases has %d CRDs, controller-gen makes %d", len(committed), len(crds))
	}
	for path, want := range compare {
		if !bytes.Equal(read(t, path), want) {
			t.Errorf("%s is stale: run `make manifests generate` and commit the result", path)
		}
	}
}

func runTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
