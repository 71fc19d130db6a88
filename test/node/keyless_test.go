package node

import (
	"strings"
	"testing"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// The keyless install (dist/chart/values-keyless.yaml): the manager's own credentials come
// from the ServiceAccount token that the kubelet projects at the chart's token path, exchanged
// at the simulator's IAM, and its ServiceAccount has no permission on Secrets.
func TestKeylessInstall(t *testing.T) {
	n := needNode(t)
	const ns, rel, tenant = "ims-keyless", release, "tenant-keyless"
	dumpOnFailure(t, ns)
	image, err := n.PushManagerImage("node-1")
	if err != nil {
		t.Fatal(err)
	}
	sim, simURL := simulator(t, imssim.Options{IdentityProviders: []imssim.IdentityProvider{{ID: "node-idp", Audience: "ims-node-test"}}})
	restrictedNamespace(t, ns)
	helmInstall(t, ns, image, simURL, "-f", "dist/chart/values-keyless.yaml",
		"--set", "manager.workloadIdentity.iamEndpoint="+simURL,
		"--set", "manager.workloadIdentity.idpID=node-idp", "--set", "manager.workloadIdentity.audience=ims-node-test")

	sa := "system:serviceaccount:" + ns + ":" + rel + "-controller-manager"
	for _, verb := range []string{"get", "list", "watch"} {
		if out, _ := kubectlErr("auth", "can-i", verb, "secrets", "--all-namespaces", "--as="+sa); strings.TrimSpace(out) != "no" {
			t.Errorf("the keyless manager may %s Secrets: %s", verb, out)
		}
	}
	apply(t, `
apiVersion: v1
kind: Namespace
metadata:
  name: `+tenant+`
  labels: {ims.imagecatalog.io/manager-credentials: allowed}
---
apiVersion: ims.imagecatalog.io/v1alpha1
kind: ImageQuery
metadata: {name: ubuntu, namespace: `+tenant+`}
spec:
  filter: {platform: Ubuntu}
`)
	kubectl(t, "wait", "--for=condition=Ready", "--timeout=120s", "-n", tenant, "imagequery/ubuntu")
	cloudImages(t, tenant)
	issued := sim.Issued()
	if len(issued) == 0 || issued[0].Identity != sa {
		t.Errorf("IAM issued %+v, want temporary credentials for %s", issued, sa)
	}
}
