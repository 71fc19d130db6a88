package dist

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

const (
	simAK = "DISTTESTACCESSKEY001"
	simSK = "dist-test-secret-key-do-not-print"
)

// `helm install` puts the chart into a cluster, and the manager, run with the arguments of the
// installed Deployment and a token of the chart's ServiceAccount (so with exactly the chart's
// RBAC), syncs an ImageQuery against the IMS simulator and mirrors its images without a single
// forbidden request.
func TestChartInstallRunsTheManager(t *testing.T) {
	applyInstaller(t) // the CRDs; the chart's own copies are compared with them elsewhere
	// The installer's read-only policy lets only its own operator (in ims-operator-system) write
	// CloudImages, and the chart brings the same policy for its own operator: two installs in one
	// cluster lock each other out. The installer's binding steps aside while the chart's manager
	// runs, so that the chart's policy alone decides, and comes back afterwards.
	run(t, binary(t, "kubectl"), "--kubeconfig", kubeconfigPath, "delete", "validatingadmissionpolicybinding",
		"ims-operator-cloudimage-read-only", "--ignore-not-found")
	t.Cleanup(func() {
		_, _ = runErr(binary(t, "kubectl"), "--kubeconfig", kubeconfigPath, "apply", "--server-side", "-f", "dist/install.yaml")
	})
	kubectl, helm := binary(t, "kubectl"), binary(t, "helm")
	const rel, ns = "ims-helm", "ims-helm"
	run(t, helm, "install", rel, chartDir, "--kubeconfig", kubeconfigPath, "--namespace", ns, "--create-namespace",
		"--set", "crds.enable=false")
	t.Cleanup(func() { _, _ = runErr(helm, "uninstall", rel, "--kubeconfig", kubeconfigPath, "--namespace", ns) })

	sim := imssim.New(imssim.Options{Credentials: map[string]string{simAK: simSK}})
	server := httptest.NewServer(sim)
	defer server.Close()

	// A tenant's namespace with its credentials and a query.
	apply(t, kubectl, `
apiVersion: v1
kind: Namespace
metadata: {name: chart-tenant}
---
apiVersion: v1
kind: Secret
metadata: {name: ims-credentials, namespace: chart-tenant}
stringData: {accessKey: `+simAK+`, secretKey: `+simSK+`}
---
apiVersion: ims.imagecatalog.io/v1alpha1
kind: ImageQuery
metadata: {name: ubuntu, namespace: chart-tenant}
spec:
  filter: {platform: Ubuntu}
  credentialsSecretRef: {name: ims-credentials}
`)

	sa := rel + "-ims-operator-controller-manager"
	args := installedManagerArgs(t, kubectl, ns, rel+"-ims-operator-controller-manager")
	args = append(localArgs(t, args, ns), "--ims-endpoint="+server.URL)
	logPath := runManager(t, serviceAccountKubeconfig(t, ns, sa), args)

	run(t, kubectl, "--kubeconfig", kubeconfigPath, "wait", "--for=condition=Ready", "--timeout=120s",
		"-n", "chart-tenant", "imagequery/ubuntu")
	images := run(t, kubectl, "--kubeconfig", kubeconfigPath, "get", "cloudimages", "-n", "chart-tenant",
		"-l", "query.ims.imagecatalog.io/ubuntu=true", "-o", "name")
	if len(bytes.TrimSpace(images)) == 0 {
		t.Error("the query is Ready but no CloudImage was mirrored")
	}
	time.Sleep(2 * time.Second) // let the CloudImage controller and events catch up
	logs, _ := os.ReadFile(logPath)
	if m := regexp.MustCompile(`(?i).*(forbidden|cannot (get|list|watch|create|patch|update)).*`).Find(logs); m != nil {
		t.Errorf("the manager was refused something with the chart's RBAC: %s", m)
	}
}

// apply applies manifests as the cluster admin.
func apply(t testing.TB, kubectl, manifests string) {
	t.Helper()
	cmd := exec.Command(kubectl, "--kubeconfig", kubeconfigPath, "apply", "--server-side", "-f", "-")
	cmd.Stdin = strings.NewReader(manifests)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
}

// installedManagerArgs are the manager container's arguments of the installed Deployment.
func installedManagerArgs(t testing.TB, kubectl, ns, name string) []string {
	t.Helper()
	var dep struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name string   `json:"name"`
						Args []string `json:"args"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	raw := run(t, kubectl, "--kubeconfig", kubeconfigPath, "get", "deployment", "-n", ns, name, "-o", "json")
	if err := json.Unmarshal(raw, &dep); err != nil {
		t.Fatal(err)
	}
	for _, c := range dep.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return c.Args
		}
	}
	t.Fatalf("deployment %s/%s has no manager container", ns, name)
	return nil
}

// localArgs adapts the pod's arguments to a process on this machine: the fixed ports become
// free ones, and leader election, which outside a pod needs its namespace named, is given the
// release's namespace (or left out by a manager without --leader-election-namespace).
func localArgs(t testing.TB, args []string, ns string) []string {
	t.Helper()
	var out []string
	leaderNS := managerHasFlag(t, "leader-election-namespace")
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "--health-probe-bind-address="):
			a = "--health-probe-bind-address=127.0.0.1:0"
		case strings.HasPrefix(a, "--metrics-bind-address="):
			a = "--metrics-bind-address=127.0.0.1:0"
		case a == "--leader-elect" && !leaderNS:
			t.Log("the manager has no --leader-election-namespace yet: running without leader election")
			continue
		case a == "--leader-elect":
			out = append(out, "--leader-election-namespace="+ns)
		}
		out = append(out, a)
	}
	return out
}

// serviceAccountKubeconfig writes a kubeconfig that authenticates as the ServiceAccount, with
// a token from the TokenRequest API as the kubelet would mount it.
func serviceAccountKubeconfig(t testing.TB, ns, sa string) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cluster)
	if err != nil {
		t.Fatal(err)
	}
	expiry := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("TokenRequest for %s/%s: %v", ns, sa, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: cluster.Host, CertificateAuthorityData: cluster.CAData}
	cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "sa", Namespace: ns}
	cfg.CurrentContext = "sa"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// runManager builds the manager and runs it until the test ends; it returns its log's path.
func runManager(t testing.TB, kubeconfig string, args []string) string {
	t.Helper()
	bin := managerBinary(t)
	logPath := filepath.Join(t.TempDir(), "manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	// Nothing of the developer's environment: no cloud credentials, no other cluster.
	cmd.Env = []string{"KUBECONFIG=" + kubeconfig, "HOME=" + t.TempDir()}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = logFile.Close()
		if t.Failed() {
			logs, _ := os.ReadFile(logPath)
			t.Logf("manager log:\n%s", logs)
		}
	})
	return logPath
}
