package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/clientcmd"
)

// defaultLeaderElectionID is the Lease of a manager that syncs every namespace.
const defaultLeaderElectionID = "ims-operator.ims.imagecatalog.io"

// leaderElectionID names the leader-election Lease: the flag's value if set; else, for a
// shard (--namespace-selector), a name derived from its selector, so that shards never wait
// for each other's leader and the replicas of one shard always share one Lease; else the
// default. The selector is hashed in its canonical form (labels.Selector sorts its
// requirements), so "b=2,a=1" and "a=1, b=2" are the same shard.
func leaderElectionID(flagValue string, shard labels.Selector) string {
	if flagValue != "" {
		return flagValue
	}
	if shard == nil || shard.Empty() {
		return defaultLeaderElectionID
	}
	sum := sha256.Sum256([]byte(shard.String()))
	return "ims-operator-shard-" + hex.EncodeToString(sum[:5]) + ".ims.imagecatalog.io"
}

// inClusterNamespaceFile is where a Pod finds its own namespace.
const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// leaderElectionNamespace is where the leader-election Lease lives: the flag's value if set,
// else the Pod's own namespace in a cluster, else the namespace of the kubeconfig's current
// context ("default" when it names none). controller-runtime itself knows only the first two
// and refuses to start outside a cluster, so `make run ARGS=--leader-elect` needs the third.
func leaderElectionNamespace(flagValue, namespaceFile, kubeconfig string) string {
	if flagValue != "" {
		return flagValue
	}
	if b, err := os.ReadFile(namespaceFile); err == nil {
		if ns := strings.TrimSpace(string(b)); ns != "" {
			return ns
		}
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	ns, _, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).Namespace()
	if err != nil || ns == "" {
		return "default"
	}
	return ns
}
