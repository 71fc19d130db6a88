package main

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
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

// The Lease's name: the flag, else one per shard selector (the same for the same selector
// however written), else the default of a manager of every namespace.
func TestLeaderElectionID(t *testing.T) {
	parse := func(s string) labels.Selector {
		t.Helper()
		sel, err := labels.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return sel
	}
	if got := leaderElectionID("", parse("")); got != defaultLeaderElectionID {
		t.Errorf("no shard: got %q, want %q", got, defaultLeaderElectionID)
	}
	if got := leaderElectionID("mine", parse("shard=a")); got != "mine" {
		t.Errorf("the flag: got %q, want mine", got)
	}
	a, b := leaderElectionID("", parse("shard=a,tier=1")), leaderElectionID("", parse("shard=b"))
	if a == b || a == defaultLeaderElectionID || b == defaultLeaderElectionID {
		t.Errorf("two shards share a Lease: %q and %q", a, b)
	}
	if again := leaderElectionID("", parse("tier=1, shard=a")); again != a {
		t.Errorf("the same selector written otherwise: got %q, want %q", again, a)
	}
	if errs := validation.IsDNS1123Subdomain(a); len(errs) > 0 {
		t.Errorf("%q is not a valid Lease name: %v", a, errs)
	}
}
