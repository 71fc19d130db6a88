package main

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/modfile"
)

// sharedPinModules are the modules a cold `make test` builds side by side: the operator, the
// control plane (etcd, then Kubernetes), the node's binaries, Helm and the image tool.
// promtool, notification-controller and the linters are left out: each pins a different
// Kubernetes or Prometheus generation, and raising theirs would mean rebuilding the control
// plane against libraries it was not released with.
var sharedPinModules = []string{
	"go.mod",
	"hack/controlplane/etcd/go.mod",
	"hack/controlplane/kubernetes/go.mod",
	"hack/node/kubernetes/go.mod",
	"hack/helm/go.mod",
	"hack/image/go.mod",
}

// Every module these builds share is required at one version. A compiled package is reused
// from Go's build cache only when every module beneath it is the same version, so a single
// mismatch (golang.org/x/net one minor apart, say) makes a cold `make test` compile client-go,
// apimachinery and everything above them once for the operator and again for the control
// plane, the node and Helm: minutes of a 2-core machine.
func TestSharedModulesArePinnedAlike(t *testing.T) {
	type pin struct{ version, file string }
	seen := map[string]pin{}
	for _, file := range sharedPinModules {
		for path, version := range requirements(t, file) {
			first, ok := seen[path]
			if !ok {
				seen[path] = pin{version, file}
				continue
			}
			if first.version != version {
				t.Errorf("%s requires %s %s, %s requires %s %s: raise the lower one (go mod edit -require=%s@<higher>, then go mod tidy in its folder)",
					first.file, path, first.version, file, path, version, path)
			}
		}
	}
}

// requirements are a go.mod's required module versions, a replaced one at its replacement's.
func requirements(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(file))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(file, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range f.Require {
		out[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range f.Replace {
		if v, ok := out[r.Old.Path]; !ok || r.Old.Version != "" && r.Old.Version != v {
			continue
		}
		if r.New.Version == "" || r.New.Path != r.Old.Path { // a folder (the operator's api module) or a fork
			delete(out, r.Old.Path)
			continue
		}
		out[r.Old.Path] = r.New.Version
	}
	return out
}
