package main

import (
	"os"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
)

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
