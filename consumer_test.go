package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's Go snippet compiles in a module outside this repository that requires only the
// API module (api/go.mod), apimachinery and controller-runtime: a consumer never takes this
// operator's other dependencies, and the snippet shows code that works.
func TestConsumerBuildsTheReadmeSnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	snippet := readmeGoSnippet(t, "## Selecting CloudImages from another controller")
	api, err := filepath.Abs("api")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), `module example.com/consumer

go 1.26

require (
	github.com/imagecatalog/ims-operator/api v0.0.0
	k8s.io/apimachinery `+moduleVersion(t, "k8s.io/apimachinery")+`
	sigs.k8s.io/controller-runtime `+moduleVersion(t, "sigs.k8s.io/controller-runtime")+`
)

replace github.com/imagecatalog/ims-operator/api => `+api+`
`)
	write(t, filepath.Join(dir, "consumer.go"), `package consumer

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

type reconciler struct {
	client.Client
	APIReader client.Reader
}

func (r *reconciler) pick(ctx context.Context, ns string) (ctrl.Result, error) {
`+snippet+`
	_, _, _ = latest, images, centos
	return ctrl.Result{}, nil
}
`)
	// The module cache holds every version needed (they are this module's own), so this
	// works offline; -mod=mod lets go build fill in the consumer's go.mod.
	build := exec.Command("go", "build", "./...")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README snippet does not build in a consumer module: %v\n%s", err, out)
	}
	list := exec.Command("go", "list", "-m", "all")
	list.Dir = dir
	list.Env = build.Env
	out, err := list.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if mod := strings.Fields(line); len(mod) > 0 && mod[0] == "github.com/imagecatalog/ims-operator" {
			t.Errorf("the consumer module depends on the operator's module: %s", line)
		}
	}
}

// readmeGoSnippet is the first ```go block of a README section.
func readmeGoSnippet(t *testing.T, heading string) string {
	t.Helper()
	readme := string(read(t, "README.md"))
	_, section, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	_, code, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatalf("README section %q has no Go snippet", heading)
	}
	code, _, _ = strings.Cut(code, "```")
	return code
}

// moduleVersion is the version of a module in this repository's build list.
func moduleVersion(t *testing.T, module string) string {
	t.Helper()
	return strings.TrimSpace(string(runTool(t, "go", "list", "-m", "-f", "{{.Version}}", module)))
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
