package node

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// With manager.credentials.secretNamespaces the manager's ServiceAccount reads Secrets only in
// the named namespaces: with its own token (the one the kubelet mounts), another team's
// Secret elsewhere is forbidden, a query in a named namespace syncs with its Secret, and one
// elsewhere that names a Secret stalls with a clear reason.
func TestSecretsOnlyInNamedNamespaces(t *testing.T) {
	n := needNode(t)
	const ns, rel = "ims-scoped", release
	dumpOnFailure(t, ns)
	image, err := n.PushManagerImage("node-1")
	if err != nil {
		t.Fatal(err)
	}
	_, simURL := simulator(t, imssim.Options{Credentials: map[string]string{simAK: simSK}})
	restrictedNamespace(t, ns)
	apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: tenant-s}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-db}
---
apiVersion: v1
kind: Secret
metadata: {name: db-password, namespace: team-db}
stringData: {password: another-teams-password}
`)
	helmInstall(t, ns, image, simURL, "--set", "manager.credentials.secretNamespaces={tenant-s}")

	syncQuery(t, "tenant-s")

	cfg := rest.AnonymousClientConfig(n.Config)
	cfg.BearerToken = token(t, ns, rel+"-controller-manager")
	manager, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = manager.CoreV1().Secrets("team-db").Get(context.Background(), "db-password", metav1.GetOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("the manager's token reads a Secret outside the named namespaces: %v", err)
	}
	if _, err := manager.CoreV1().Secrets("").List(context.Background(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the manager's token lists Secrets cluster-wide: %v", err)
	}
	if _, err := manager.CoreV1().Secrets("tenant-s").Get(context.Background(), "ims-credentials", metav1.GetOptions{}); err != nil {
		t.Errorf("the manager's token cannot read the Secret in a named namespace: %v", err)
	}

	apply(t, `
apiVersion: v1
kind: Secret
metadata: {name: ims-credentials, namespace: team-db}
stringData: {accessKey: `+simAK+`, secretKey: `+simSK+`}
---
apiVersion: ims.imagecatalog.io/v1alpha1
kind: ImageQuery
metadata: {name: ubuntu, namespace: team-db}
spec:
  filter: {platform: Ubuntu}
  credentialsSecretRef: {name: ims-credentials}
`)
	kubectl(t, "wait", "-n", "team-db", "imagequery/ubuntu", "--timeout=60s",
		`--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=CredentialsSecretRefDisabled`)
	msg := kubectl(t, "get", "-n", "team-db", "imagequery/ubuntu", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].message}`)
	if !strings.Contains(msg, "tenant-s") || !strings.Contains(msg, "--credentials-secret-namespaces") {
		t.Errorf("the stalled query's message does not say where Secrets are read: %q", msg)
	}
	logs := kubectl(t, "logs", "-n", ns, "deployment/"+rel+"-controller-manager", "-c", "manager")
	if strings.Contains(strings.ToLower(logs), "forbidden") {
		t.Errorf("the manager was refused something (a Secret watch beyond its Roles?):\n%s", logs)
	}
}
