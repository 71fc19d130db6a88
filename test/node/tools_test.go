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

// release is the chart's release name in every test: its fullname is ims-operator, as
// config/default names its objects.
const release = "ims-operator"

// helmInstall installs dist/chart in ns with the image and the simulator's URL (helm --wait:
// until the kubelet's probes make the Pods Ready), and uninstalls it when the test ends; see
// uninstall.
func helmInstall(t testing.TB, ns, image, simURL string, args ...string) {
	t.Helper()
	repo, tag, _ := strings.Cut(image[strings.LastIndex(image, "/"):], ":")
	repo = image[:strings.LastIndex(image, "/")] + repo
	helm(t, append([]string{"install", release, "dist/chart", "--namespace", ns, "--wait", "--timeout", "150s",
		"--set", "manager.image.repository=" + repo, "--set", "manager.image.tag=" + tag,
		"--set", "manager.imsEndpoint=" + simURL}, args...)...)
	t.Cleanup(func() { uninstall(t, ns) })
}

// uninstall uninstalls the release (if still there), then deletes the CRDs it keeps
// (crds.keep): Helm adopts them only into a release of the same namespace, and the next test's
// install is in another.
func uninstall(t testing.TB, ns string) {
	t.Helper()
	if out, _ := runCmd(filepath.Join(abs(root), "bin", "helm"), stdinNone, "status", release, "--namespace", ns, "--kubeconfig", node.Kubeconfig); !strings.Contains(out, "not found") {
		helm(t, "uninstall", release, "--namespace", ns, "--wait")
	}
	kubectl(t, "delete", "crd", "--ignore-not-found", "--wait", "imagequeries.ims.imagecatalog.io", "cloudimages.ims.imagecatalog.io")
}
