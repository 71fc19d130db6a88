package node

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// kubectl runs bin/k8s/kubectl as the cluster admin; it fails the test on error.
func kubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := kubectlErr(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func kubectlErr(args ...string) (string, error) {
	return runCmd(filepath.Join(node.Opts().ControlPlaneDir, "kubectl"), stdinNone, append([]string{"--kubeconfig", node.Kubeconfig}, args...)...)
}

// apply applies manifests server-side as the cluster admin.
func apply(t testing.TB, manifests string) {
	t.Helper()
	if out, err := runCmd(filepath.Join(node.Opts().ControlPlaneDir, "kubectl"), manifests,
		"--kubeconfig", node.Kubeconfig, "apply", "--server-side", "-f", "-"); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
}

// helm runs bin/helm against the node's cluster.
func helm(t testing.TB, args ...string) string {
	t.Helper()
	out, err := runCmd(filepath.Join(abs(root), "bin", "helm"), stdinNone, append(args, "--kubeconfig", node.Kubeconfig)...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

const stdinNone = "\x00none"

func runCmd(name, stdin string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = abs(root)
	if stdin != stdinNone {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// simulator serves the IMS simulator on the bridge's address, where the Pods reach it.
func simulator(t testing.TB, opts imssim.Options) (*imssim.Simulator, string) {
	t.Helper()
	sim := imssim.New(opts)
	ln, err := net.Listen("tcp", net.JoinHostPort(node.HostIP(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sim, "http://" + ln.Addr().String()
}

// token is a token of the ServiceAccount from the TokenRequest API.
func token(t testing.TB, ns, sa string) string {
	t.Helper()
	expiry := int64(3600)
	tr, err := node.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("TokenRequest for %s/%s: %v", ns, sa, err)
	}
	return tr.Status.Token
}

// dumpOnFailure logs the namespace's Pods and events, and the kubelet's last lines, when the
// test has failed.
func dumpOnFailure(t testing.TB, ns string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		out, _ := kubectlErr("get", "pods,events", "-n", ns, "-o", "wide")
		t.Logf("pods and events in %s:\n%s", ns, out)
		if p := node.Proc("kubelet"); p != nil {
			t.Logf("kubelet (last lines; all in %s):\n%s", p.LogPath, p.LogTail(40))
		}
	})
}
