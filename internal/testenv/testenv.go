// Package testenv decides whether the integration tier runs. Integration tests need the
// control-plane binaries (etcd, kube-apiserver, kube-controller-manager, kubectl) named by
// KUBEBUILDER_ASSETS; without it they skip, so that a plain `go test ./...` on a fresh clone
// runs the pure tests. `make test` sets KUBEBUILDER_ASSETS and RequireEnv, which turns that
// skip into a failure: CI cannot pass without having run the integration tier.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv, when set, makes a missing control plane an error instead of a skip.
const RequireEnv = "IMS_OPERATOR_REQUIRE_INTEGRATION"

// SkipMessage says why an integration test did not run.
const SkipMessage = "integration test skipped: KUBEBUILDER_ASSETS is unset (`make test` sets it and runs every tier)"

// Assets returns the absolute control-plane folder, or "" when the integration tier is off. It
// fails when the tier is required but off, or when the folder lacks the binaries.
func Assets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		if os.Getenv(RequireEnv) != "" {
			return "", fmt.Errorf("%s is set but KUBEBUILDER_ASSETS is not: the integration tests would be skipped", RequireEnv)
		}
		return "", nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "kube-apiserver")); err != nil {
		return "", fmt.Errorf("control-plane binaries not found in KUBEBUILDER_ASSETS=%s: run `make control-plane`", dir)
	}
	return dir, nil
}

// Integration returns the control-plane folder for an integration test, or skips (or fails)
// the test when there is none.
func Integration(t testing.TB) string {
	t.Helper()
	dir, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	if dir == "" {
		t.Skip(SkipMessage)
	}
	return dir
}
