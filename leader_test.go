package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The Lease's namespace: the flag, else the Pod's namespace, else the kubeconfig's context.
func TestLeaderElectionNamespace(t *testing.T) {
	dir := t.TempDir()
	podNS := filepath.Join(dir, "namespace")
	if err := os.WriteFile(podNS, []byte("ims-operator-system\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	writeKubeconfig := func(ns string) {
		t.Helper()
		cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: "` + ns + `"}}]
current-context: ctx
`
		if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeKubeconfig("dev-team")
	t.Setenv("KUBECONFIG", "")
	missing := filepath.Join(dir, "no-such-file")
	for _, tc := range []struct {
		name, flag, file, kubeconfig, want string
	}{
		{"flag wins", "ops", podNS, kubeconfig, "ops"},
		{"in a cluster", "", podNS, kubeconfig, "ims-operator-system"},
		{"outside: the context's namespace", "", missing, kubeconfig, "dev-team"},
	} {
		if got := leaderElectionNamespace(tc.flag, tc.file, tc.kubeconfig); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	writeKubeconfig("")
	if got := leaderElectionNamespace("", missing, kubeconfig); got != "default" {
		t.Errorf("a context without namespace: got %q, want default", got)
	}
}
