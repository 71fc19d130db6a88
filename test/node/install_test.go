package node

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

const (
	simAK = "NODETESTACCESSKEY001"
	simSK = "node-test-secret-key-do-not-print"
)

// `helm install` of dist/chart with the image that `make image-push` pushed: the kubelet pulls
// it, runs it as the chart says under the restricted Pod Security Standard, and its probes
// make the Pod Ready; the manager, with its kubelet-mounted ServiceAccount token and the
// kubernetes Service, syncs an ImageQuery against the simulator; its metrics answer through
// the metrics Service to a token bound to the metrics-reader ClusterRole, and to nothing else;
// its log, read through the API server and the kubelet, holds no secret.
func TestHelmInstall(t *testing.T) {
	n := needNode(t)
	const ns = "ims-system"
	dumpOnFailure(t, ns)
	image, err := n.PushManagerImage("node-1")
	if err != nil {
		t.Fatal(err)
	}
	_, simURL := simulator(t, imssim.Options{Credentials: map[string]string{simAK: simSK}})
	restrictedNamespace(t, ns)
	helmInstall(t, ns, image, simURL)

	pod := managerPod(t, ns)
	syncQuery(t, "tenant-a")
	scrapeMetrics(t, ns, release)
	assertLivenessProbed(t, managerPodObject(t, ns))
	logs := kubectl(t, "logs", "-n", ns, pod, "-c", "manager")
	if !strings.Contains(logs, "Starting") {
		t.Errorf("kubectl logs of %s shows no manager start:\n%s", pod, logs)
	}
	for _, secret := range []string{simSK, simAK} {
		if strings.Contains(logs, secret) {
			t.Errorf("the manager's log holds a credential (%.4s...)", secret)
		}
	}
}

// restrictedNamespace creates ns with the restricted Pod Security Standard enforced.
func restrictedNamespace(t testing.TB, ns string) {
	t.Helper()
	apply(t, fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
`, ns))
}

// managerPod is the name of the one Ready manager Pod in ns; it checks that it runs the image's
// user with no restart.
func managerPod(t testing.TB, ns string) string {
	t.Helper()
	p := managerPodObject(t, ns)
	for _, c := range p.Status.ContainerStatuses {
		if !c.Ready || c.RestartCount != 0 {
			t.Errorf("container %s: ready=%v restarts=%d", c.Name, c.Ready, c.RestartCount)
		}
	}
	assertImageUser(t, p)
	return p.Name
}

// managerPodObject is the one manager Pod in ns.
func managerPodObject(t testing.TB, ns string) *corev1.Pod {
	t.Helper()
	pods, err := node.Clientset.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "control-plane=controller-manager"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("%d manager Pods in %s, want 1", len(pods.Items), ns)
	}
	return &pods.Items[0]
}

// syncQuery creates a tenant namespace with credentials and an ImageQuery, and waits until
// the query is Ready with CloudImages mirrored.
func syncQuery(t testing.TB, ns string) {
	t.Helper()
	apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: `+ns+`}
---
apiVersion: v1
kind: Secret
metadata: {name: ims-credentials, namespace: `+ns+`}
stringData: {accessKey: `+simAK+`, secretKey: `+simSK+`}
---
apiVersion: ims.imagecatalog.io/v1alpha1
kind: ImageQuery
metadata: {name: ubuntu, namespace: `+ns+`}
spec:
  filter: {platform: Ubuntu}
  credentialsSecretRef: {name: ims-credentials}
`)
	kubectl(t, "wait", "--for=condition=Ready", "--timeout=120s", "-n", ns, "imagequery/ubuntu")
	images := kubectl(t, "get", "cloudimages", "-n", ns, "-l", "query.ims.imagecatalog.io/ubuntu=true", "-o", "name")
	if strings.TrimSpace(images) == "" {
		t.Error("the query is Ready but no CloudImage was mirrored")
	}
}

// waitServiceAnswers waits until url accepts a connection and answers anything.
func waitServiceAnswers(t testing.TB, s *scraper, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := s.client.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: still %v after 60s", url, err)
		}
		time.Sleep(time.Second)
	}
}

// scrapeMetrics scrapes the manager's metrics through the metrics Service's ClusterIP (so
// through kube-proxy), as Prometheus in the cluster would: refused without a token and with a
// token of a ServiceAccount that is not bound to the metrics-reader ClusterRole, answered with
// one that is.
func scrapeMetrics(t testing.TB, ns, fullname string) {
	t.Helper()
	svc, err := node.Clientset.CoreV1().Services(ns).Get(context.Background(), fullname+"-controller-manager-metrics", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("https://%s:%d/metrics", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port)
	s := metricsScraper(t, fullname)
	apply(t, `
apiVersion: v1
kind: ServiceAccount
metadata: {name: someone-else, namespace: monitoring}
`)
	get := func(tok string) (int, string) { return s.get(t, url, tok) }
	// kube-proxy programs the Service a moment after the Pod turns Ready (its EndpointSlice,
	// then a rules sync; longer on a busy machine): until then the ClusterIP rejects
	// connections (no route to host). Wait for it to answer at all.
	waitServiceAnswers(t, s, url)
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Errorf("metrics without a token: %d, want 401", code)
	}
	if code, _ := get(token(t, "monitoring", "someone-else")); code != http.StatusForbidden {
		t.Errorf("metrics with an unbound ServiceAccount's token: %d, want 403", code)
	}
	// RBAC takes a moment to reach the manager's authorizer cache (none: it asks the API server
	// each time, but the binding was just created).
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(token(t, "monitoring", "prometheus"))
		if code == http.StatusOK {
			if !strings.Contains(body, "ims_operator_sync_duration_seconds") {
				t.Errorf("metrics lack ims_operator_sync_duration_seconds:\n%.2000s", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics with a token bound to %s-metrics-reader: %d\n%.500s", fullname, code, body)
		}
		time.Sleep(time.Second)
	}
}
